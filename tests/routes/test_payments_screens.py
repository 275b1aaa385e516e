"""The receipts screen, the order card's payments, and the cashier's cash handover over HTTP: roles (a
picker or courier never sees finance, a manager does not close shifts), CSRF, closing twice, bad input."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "domain"))  # payment_helpers' own imports

from payment_helpers import make_route, new_uuid, order_to_pay  # noqa: E402

from server.domain.payments.payments import take_payment  # noqa: E402
from server.domain.payments.tables import CashShift, Receipt  # noqa: E402
from server.domain.users.accounts import create_user  # noqa: E402
from tests.routes.admin_helpers import sign_in  # noqa: E402


async def _day_of_cash() -> dict:
    await make_route()
    order = await order_to_pay(("KEN-250", 2))
    await take_payment(order["id"], "cash", 208000, actor="courier1", client_uuid=new_uuid(), tendered=250000,
                       courier="courier1")
    return order


def _csrf(client) -> dict:
    return {"_csrf_token": client.cookies.get("csrftoken") or ""}


async def test_the_cashier_scans_the_sheet_sees_what_is_owed_and_closes_the_shift_once(client):
    order = await _day_of_cash()
    await create_user("cashier1", "demo", ["cashier"])
    await sign_in(client, "cashier1")
    start = await client.get("/manager/cash")
    assert start.status_code == 200 and 'data-testid="cash-token"' in start.text and "courier1" in start.text
    shift = await client.get("/manager/cash/shift", params={"token": "sheet-abc"})
    assert shift.status_code == 200
    assert "2\u202f080,00\u00a0₽" in shift.text and order["number"] in shift.text
    form = {"courier": "courier1", "day": _today(), "route_id": "1", "handed_cash": "2000"}
    refused = await client.post("/manager/cash/close", data=form, follow_redirects=False)
    assert refused.status_code == 403  # no CSRF token
    closed = await client.post("/manager/cash/close", data={**form, **_csrf(client)}, follow_redirects=False)
    assert closed.status_code == 303
    page = await client.get(closed.headers["location"])
    assert "−80,00" in page.text or "-80,00" in page.text
    assert 'data-testid="cash-closed"' in page.text
    again = await client.post("/manager/cash/close", data={**form, **_csrf(client)}, follow_redirects=False)
    assert again.status_code == 409 and "уже закрыта" in again.text
    assert await CashShift.count() == 1
    report = await client.get("/manager/cash/report", params={"day": _today()})
    assert report.status_code == 200 and 'data-courier="courier1"' in report.text


async def test_bad_handover_input_is_shown_next_to_the_field_not_a_500(client):
    await _day_of_cash()
    await create_user("cashier1", "demo", ["cashier"])
    await sign_in(client, "cashier1")
    bad = await client.post("/manager/cash/close", data={"courier": "courier1", "day": _today(), "handed_cash": "abc",
                                                         **_csrf(client)})
    assert bad.status_code == 422 and "Введите сумму сданных наличных" in bad.text
    unknown = await client.get("/manager/cash/shift", params={"token": "nope"})
    assert unknown.status_code == 404 and "Маршрутного листа с таким кодом нет" in unknown.text
    wrong_day = await client.get("/manager/cash/report", params={"day": "31.12.2026"})
    assert wrong_day.status_code == 422


async def test_finance_is_closed_to_pickers_and_couriers_and_handover_to_managers(client):
    await _day_of_cash()
    for role in ("picker", "manager"):
        await create_user(role, "demo", [role])
    await sign_in(client, "picker")
    for url in ("/manager/cash", "/manager/receipts", "/manager/receipts/order/1"):
        assert (await client.get(url, follow_redirects=False)).status_code == 403, url
    await client.post("/logout", data=_csrf(client))
    await sign_in(client, "courier1", "demo-password")
    assert (await client.get("/manager/receipts", follow_redirects=False)).status_code == 403
    await client.post("/logout", data=_csrf(client))
    await sign_in(client, "manager")
    assert (await client.get("/manager/cash", follow_redirects=False)).status_code == 403
    assert (await client.get("/manager/receipts")).status_code == 200


async def test_the_manager_sees_receipts_and_the_order_card_shows_payments_and_sends_a_failed_one_again(client):
    order = await _day_of_cash()
    await Receipt.update({Receipt.status: "fail", Receipt.last_error: "report: 32 Ошибка валидации"}, force=True)
    await create_user("manager", "demo", ["manager"])
    await sign_in(client, "manager")
    listed = await client.get("/manager/receipts", params={"status": "problem"})
    assert listed.status_code == 200 and 'data-status="fail"' in listed.text and 'data-testid="receipt-retry"' in listed.text
    card = await client.get(f"/manager/orders/{order['id']}")
    assert 'data-testid="order-payments-slot"' in card.text
    part = await client.get(f"/manager/receipts/order/{order['id']}", headers={"HX-Request": "true"})
    assert 'data-testid="order-payment"' in part.text and 'data-status="fail"' in part.text
    receipt = await Receipt.select(Receipt.id).first()
    retried = await client.post(f"/manager/receipts/{receipt['id']}/retry", data=_csrf(client), follow_redirects=False)
    assert retried.status_code == 303
    assert await Receipt.count() == 2
    twice = await client.post(f"/manager/receipts/{receipt['id']}/retry", data=_csrf(client))
    assert twice.status_code == 200 and "уже отправлен повторно" in twice.text
    assert (await client.get("/manager/receipts", params={"status": "bogus"})).status_code == 200


def _today() -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Europe/Moscow")).date().isoformat()
