"""The audit log's read side: filters, local-day date ranges, readable changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.domain.audit.log import (
    AuditFilter,
    ChangeItem,
    day_range,
    filter_choices,
    readable_changes,
    record,
    search_entries,
)
from server.errors import ValidationFailed


def test_day_range_uses_local_days():
    since, until = day_range("2026-03-01", "2026-03-02", "Europe/Moscow")
    assert since.astimezone(UTC) == datetime(2026, 2, 28, 21, 0, tzinfo=UTC)
    assert until.astimezone(UTC) == datetime(2026, 3, 2, 21, 0, tzinfo=UTC)
    assert day_range("", "", "Europe/Moscow") == (None, None)
    with pytest.raises(ValidationFailed) as bad:
        day_range("1 марта", "", "Europe/Moscow")
    assert bad.value.field == "from"
    with pytest.raises(ValidationFailed):
        day_range("2026-03-02", "2026-03-01", "Europe/Moscow")


def test_readable_changes():
    items = readable_changes({"username": "olga", "roles": {"old": ["manager"], "new": ["cashier", "manager"]},
                              "active": {"old": True, "new": False}, "lines": {"qty": 3}})
    assert items == [
        ChangeItem(field="username", value="olga"),
        ChangeItem(field="roles", old="manager", new="cashier, manager", changed=True),
        ChangeItem(field="active", old=True, new=False, changed=True),
        ChangeItem(field="lines", value="qty: 3"),
    ]
    assert readable_changes({}) == [] and readable_changes(None) == []
    assert readable_changes(["a", "b"]) == [ChangeItem(field="", value="a, b")]


async def test_search_filters_pages_and_counts():
    for n in range(5):
        await record("anna", "price.set", "variant", n, {"n": n})
    await record("boss", "user.create", "user", 1, {"username": "x"})
    rows, total = await search_entries(AuditFilter(actor="anna"), limit=2, offset=0)
    assert total == 5 and [r["entity_id"] for r in rows] == ["4", "3"]
    rows, total = await search_entries(AuditFilter(actor="anna"), limit=2, offset=4)
    assert total == 5 and [r["entity_id"] for r in rows] == ["0"]
    rows, total = await search_entries(AuditFilter(entity="user", action="user.create"))
    assert total == 1 and rows[0]["changes"] == {"username": "x"}
    future = datetime(2100, 1, 1, tzinfo=UTC)
    assert (await search_entries(AuditFilter(since=future)))[1] == 0
    assert (await search_entries(AuditFilter(until=future)))[1] == 6
    choices = await filter_choices()
    assert choices == {"entities": ["user", "variant"], "actions": ["price.set", "user.create"],
                       "actors": ["anna", "boss"]}
