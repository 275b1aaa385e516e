"""The owner's audit log screen: filters, newest first, paging, HTMX results vs the full page."""

from __future__ import annotations

from datetime import UTC, datetime

from server.domain.audit.tables import AuditEntry
from server.domain.users.accounts import create_user
from tests.routes.admin_helpers import sign_in

HX = {"HX-Request": "true"}


async def _entry(at: datetime, actor: str, action: str, entity: str, entity_id, changes: dict) -> None:
    await AuditEntry.insert(AuditEntry(at=at, actor=actor, action=action, entity=entity, entity_id=str(entity_id),
                                       changes=changes))


async def _owner_with_log(client):
    await create_user("boss", "secret1", ["owner"])  # writes user.create (now)
    await sign_in(client, "boss", "secret1")
    await _entry(datetime(2026, 3, 1, 9, 0, tzinfo=UTC), "anna", "document.post", "stock_document", 7,
                 {"number": "ПР-000007", "kind": "receipt", "moves": 3})
    await _entry(datetime(2026, 3, 2, 21, 30, tzinfo=UTC), "boss", "user.update", "user", 5,
                 {"username": "olga", "roles": {"old": ["manager"], "new": ["cashier", "manager"]},
                  "active": {"old": True, "new": False}})
    await _entry(datetime(2026, 3, 5, 12, 0, tzinfo=UTC), "token:1С", "document.create", "stock_document", 8,
                 {"number": "ПР-000008"})


def _actions(text: str) -> list[str]:
    import re

    return re.findall(r'data-testid="audit-row" data-action="([^"]+)"', text)


async def test_full_page_newest_first_with_readable_changes(client):
    await _owner_with_log(client)
    response = await client.get("/manager/admin/audit")
    assert response.status_code == 200
    assert "hx-request" in response.headers.get("vary", "").lower()
    assert 'data-testid="audit-filters"' in response.text and "<html" in response.text
    assert _actions(response.text) == ["user.create", "document.create", "user.update", "document.post"]
    assert "manager → cashier, manager" in response.text
    assert "да → нет" in response.text
    assert "ПР-000007" in response.text and "Найдено записей: 4" in response.text


async def test_htmx_gets_only_the_results(client):
    await _owner_with_log(client)
    response = await client.get("/manager/admin/audit?entity=stock_document", headers=HX)
    assert response.status_code == 200
    assert "<html" not in response.text and 'data-testid="audit-filters"' not in response.text
    assert "hx-request" in response.headers.get("vary", "").lower()
    assert _actions(response.text) == ["document.create", "document.post"]


async def test_filters_by_actor_action_entity_and_dates(client):
    await _owner_with_log(client)

    async def actions(query: str) -> list[str]:
        response = await client.get(f"/manager/admin/audit?{query}", headers=HX)
        assert response.status_code == 200, response.text
        return _actions(response.text)

    assert await actions("actor=boss") == ["user.update"]
    assert await actions("actor=system") == ["user.create"]
    assert await actions("action=document.post") == ["document.post"]
    assert await actions("entity=user&entity_id=5") == ["user.update"]
    # dates are local days (Europe/Moscow): 2 March 21:30 UTC is already 3 March in Moscow
    assert await actions("from=2026-03-01&to=2026-03-02") == ["document.post"]
    assert await actions("from=2026-03-03&to=2026-03-05") == ["document.create", "user.update"]
    assert await actions("to=2026-03-01") == ["document.post"]
    assert await actions("entity=user&actor=anna") == []


async def test_bad_dates_are_refused_with_a_russian_message(client):
    await _owner_with_log(client)
    page = await client.get("/manager/admin/audit?from=01.03.2026")
    assert page.status_code == 422
    assert "01.03.2026 — не дата" in page.text and 'data-testid="audit-filters"' in page.text
    partial = await client.get("/manager/admin/audit?from=2026-03-05&to=2026-03-01", headers=HX)
    assert partial.status_code == 422 and "Конечная дата раньше начальной" in partial.text


async def test_paging_keeps_the_filters(client):
    await create_user("boss", "secret1", ["owner"])
    await sign_in(client, "boss", "secret1")
    for n in range(60):
        await _entry(datetime(2026, 4, 1, 8, n, tzinfo=UTC), "anna", "price.set", "variant", n, {"n": n})
    first = await client.get("/manager/admin/audit?actor=anna")
    assert len(_actions(first.text)) == 50
    assert 'href="/manager/admin/audit?actor=anna&amp;page=2"' in first.text
    second = await client.get("/manager/admin/audit?actor=anna&page=2", headers=HX)
    assert len(_actions(second.text)) == 10
    assert ">#0</a>" in second.text and ">#10</a>" not in second.text


async def test_only_the_owner_reads_the_audit_log(client):
    await create_user("mgr", "secret1", ["manager", "cashier"])
    await sign_in(client, "mgr", "secret1")
    assert (await client.get("/manager/admin/audit")).status_code == 403
    assert (await client.get("/manager/admin/audit", headers=HX)).status_code == 403
