"""Refunds of goods handed back at the door on the manager's screens: the bank's refunds to make on
/manager/receipts and on the order card with «Возврат сделан» (managers only; cashiers see them), the cash
given back shown in the handover; the cashier's (and the owner's) tile to the cash handover on the home page."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "domain"))  # payment_helpers' own imports

from payment_helpers import make_route, new_uuid, order_to_pay  # noqa: E402

from server.domain.payments.payments import take_payment  # noqa: E402
from server.domain.payments.tables import Refund  # noqa: E402
from server.domain.users.accounts import create_user  # noqa: E402
from tests.routes.admin_helpers import sign_in  # noqa: E402
from tests.routes.test_payments_screens import _csrf, _today  # noqa: E402


async def _refund(order: dict, method: str, amount: int, status: str, **kw) -> int:
    rows = await Refund.insert(Refund(refund_key=new_uuid(), order=order["id"], method=method, amount=amount,
                                      status=status, return_document=1, **kw)).returning(Refund.id)
    return rows[0]["id"]


async def test_a_bank_refund_waits_on_the_receipts_screen_and_the_order_card_until_a_manager_records_it(client):
    order = await order_to_pay(("KEN-250", 2), method="prepaid_online", paid=208000)
    refund_id = await _refund(order, "online", 89000, "to_return")
    await create_user("manager", "demo", ["manager"])
    await create_user("cashier1", "demo", ["cashier"])
    await sign_in(client, "cashier1")
    seen = await client.get("/manager/receipts")
    assert 'data-testid="refunds-to-make"' in seen.text and "Вернуть через банк" in seen.text
    assert 'data-testid="refund-done"' not in seen.text  # cashiers look, managers act
    refused = await client.post(f"/manager/receipts/refunds/{refund_id}/done", data=_csrf(client),
                                follow_redirects=False)
    assert refused.status_code == 403
    await client.post("/logout", data=_csrf(client))
    await sign_in(client, "manager")
    listed = await client.get("/manager/receipts")
    assert listed.text.count('data-testid="refund"') == 1 and order["number"] in listed.text
    assert 'data-testid="refund-done"' in listed.text and "Предоплата на сайте" in listed.text
    part = await client.get(f"/manager/receipts/order/{order['id']}", headers={"HX-Request": "true"})
    assert 'data-testid="refund" data-status="to_return"' in part.text and 'name="order_id"' in part.text
    no_csrf = await client.post(f"/manager/receipts/refunds/{refund_id}/done", data={"note": "x"},
                                follow_redirects=False)
    assert no_csrf.status_code == 403
    done = await client.post(f"/manager/receipts/refunds/{refund_id}/done",
                             data={"note": "RRN 42", "order_id": str(order["id"]), **_csrf(client)},
                             follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/manager/orders/{order['id']}"
    row = await Refund.select().where(Refund.id == refund_id).first()
    assert (row["status"], row["done_by"], row["note"]) == ("done", "manager", "RRN 42")
    assert 'data-testid="refunds-to-make"' not in (await client.get("/manager/receipts")).text
    again = await client.post(f"/manager/receipts/refunds/{refund_id}/done", data=_csrf(client))
    assert again.status_code == 200 and "уже отмечен" in again.text
    unknown = await client.post("/manager/receipts/refunds/999999/done", data={"note": "x", **_csrf(client)})
    assert unknown.status_code == 200 and "не найден" in unknown.text


async def test_cash_given_back_at_the_door_is_taken_off_the_handover_page(client):
    await make_route()
    order = await order_to_pay(("KEN-250", 2))
    await take_payment(order["id"], "cash", 208000, actor="courier1", client_uuid=new_uuid(), courier="courier1")
    from datetime import UTC, datetime

    await _refund(order, "cash", 89000, "done", courier="courier1", done_at=datetime.now(UTC))
    await create_user("cashier1", "demo", ["cashier"])
    await sign_in(client, "cashier1")
    shift = await client.get("/manager/cash/shift", params={"courier": "courier1", "day": _today()})
    assert shift.status_code == 200 and 'data-testid="cash-refunded"' in shift.text
    assert "1\u202f190,00\u00a0₽" in shift.text and "890,00\u00a0₽" in shift.text


async def test_the_home_page_has_the_cash_handover_tile_for_cashiers_and_the_owner_only(client):
    for role in ("cashier", "owner", "manager"):
        await create_user(f"{role}-x", "demo", [role])
        await sign_in(client, f"{role}-x")
        home = await client.get("/manager/")
        assert home.status_code == 200
        has = 'data-testid="tile-cash"' in home.text and 'href="/manager/cash"' in home.text
        assert has == (role != "manager"), role
        if has:
            assert "Сдача кассы" in home.text
            assert (await client.get("/manager/cash")).status_code == 200
        await client.post("/logout", data=_csrf(client))
