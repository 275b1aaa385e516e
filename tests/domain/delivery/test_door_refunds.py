"""Goods handed back at the door after they were paid (server/domain/payments/door_refunds.py, called by the
"partial" stop action): a sell_refund of the returned units only, the refund by the method of the payment
(cash back from the courier — the handover owes less; online/card waits for the bank and the manager),
Order.paid == total, nothing refunded twice; the loopback ATOL server receives the sell_refund."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from delivery_helpers import POINTS, PRICE, city, courier, local_today, new_uuid, packed, route

from server.domain.delivery.courier_day import mark_stop, start_route
from server.domain.marking.tables import UnitCode
from server.domain.orders.tables import Order, OrderLine
from server.domain.payments import fiscal
from server.domain.payments.door_refunds import (
    mark_refund_done,
    order_refunds,
    refund_returned_lines,
    refunds_to_make,
)
from server.domain.payments.handover import close_shift, shift_view
from server.domain.payments.payments import take_payment
from server.domain.payments.tables import Receipt, Refund
from server.domain.stock.tables import StockDocument
from server.errors import Conflict
from server.integrations import fiscal_worker
from server.integrations.fiscal_atol import AtolClient, AtolConfig
from server.integrations.fiscal_worker import process_receipt
from tests.support.atol_server import AtolServer


@pytest.fixture
def atol():
    server = AtolServer().start()
    client = AtolClient(AtolConfig(server.url, "demo-login", "demo-password", "group_code_0001", timeout=2))
    fiscal_worker.set_client(client)
    try:
        yield server
    finally:
        fiscal_worker.set_client(None)
        server.stop()


async def _one_stop(*, method: str = "cash_on_delivery", paid: int = 0, qty: int = 3):
    c = await city()
    await courier(c, "ivan")
    order_id = await packed(c, POINTS[0], qty=qty, method=method, paid=paid)
    route_id, stops = await route(c, "ivan", [order_id], status="published")
    await start_route(route_id, actor="ivan")
    line = await OrderLine.select().where(OrderLine.order == order_id).first()
    return order_id, stops[0], line


async def _order(order_id: int) -> dict:
    return await Order.select().where(Order.id == order_id).first()


async def _refund_receipts(order_id: int) -> list[dict]:
    return await Receipt.select().where((Receipt.order == order_id) & (Receipt.operation == "sell_refund")
                                        ).output(load_json=True)


async def test_a_prepaid_order_partly_returned_refunds_the_returned_line_to_the_bank_and_is_delivered():
    order_id, stop, line = await _one_stop(method="prepaid_online", paid=3 * PRICE)
    uuid = new_uuid()
    got = await mark_stop(stop, "partial", actor="ivan", client_uuid=uuid, returned_lines={line["id"]: 1})
    assert (got["status"], got["order_status"], got["amount_due"]) == ("partial", "delivered", 0)
    order = await _order(order_id)
    assert order["total"] == order["paid"] == 2 * PRICE
    (receipt,) = await _refund_receipts(order_id)
    body = receipt["request"]
    assert fiscal.check_body(body) == []
    assert receipt["total"] == PRICE and body["external_id"].endswith("-refund-ret-" + str(
        (await StockDocument.select(StockDocument.id).where(StockDocument.kind == "return").first())["id"]))
    (item,) = body["receipt"]["items"]  # the returned unit only, as the line had it
    assert (item["name"], item["price"], item["quantity"], item["sum"]) == (line["name"], PRICE / 100, 1.0, PRICE / 100)
    assert item["vat"] == fiscal.vat_of(fiscal.vat_type(line["vat"]), PRICE) and item["payment_object"] == 1
    assert item["payment_method"] == "full_prepayment"  # paid in advance on the site, not settled by us
    assert body["receipt"]["payments"] == [{"type": 1, "sum": PRICE / 100}] and body["receipt"]["total"] == PRICE / 100
    (refund,) = await order_refunds(order_id)
    assert (refund["method"], refund["amount"], refund["status"], refund["courier"]) == ("online", PRICE, "to_return",
                                                                                       None)
    assert [r["id"] for r in await refunds_to_make()] == [refund["id"]]
    # replays: the offline queue sends the action again, the hook is called again — nothing twice
    again = await mark_stop(stop, "partial", actor="ivan", client_uuid=uuid, returned_lines={line["id"]: 1})
    assert again["replayed"] is True
    assert await refund_returned_lines(order_id, {line["id"]: 1}, {line["id"]: line},
                                       document_id=refund["return_document"], actor="ivan") is None
    assert len(await _refund_receipts(order_id)) == 1 and await Refund.count() == 1
    assert (await _order(order_id))["paid"] == 2 * PRICE
    done = await mark_refund_done(refund["id"], actor="manager", note="RRN 123")
    assert done["status"] == "done" and await refunds_to_make() == []
    with pytest.raises(Conflict):
        await mark_refund_done(refund["id"], actor="manager")


async def test_cash_taken_then_a_marked_unit_handed_back_is_given_back_by_the_courier_and_the_handover_owes_less(atol):
    order_id, stop, line = await _one_stop()
    codes = [f"0104600000000017215UNIT{n}\x1d93ab{n}" for n in range(3)]
    for n, code in enumerate(codes):
        await UnitCode.insert(UnitCode(kind="marking", code_key=f"0104600000000017215UNIT{n}", full_code=code,
                                       variant=line["variant"], order=order_id, order_line=line["id"]))
    paid = await take_payment(order_id, "cash", 3 * PRICE, actor="ivan", client_uuid=new_uuid(),
                              tendered=3 * PRICE, courier="ivan")
    got = await mark_stop(stop, "partial", actor="ivan", client_uuid=new_uuid(), returned_lines={line["id"]: 1})
    assert (got["status"], got["order_status"], got["amount_due"]) == ("partial", "delivered", 0)
    order = await _order(order_id)
    assert order["total"] == order["paid"] == 2 * PRICE
    (refund,) = await order_refunds(order_id)
    assert (refund["method"], refund["amount"], refund["status"], refund["courier"], refund["payment"]) == (
        "cash", PRICE, "done", "ivan", paid["payment_id"])
    assert await refunds_to_make() == []  # the courier gave it back at the door: nothing for the bank
    (receipt,) = await _refund_receipts(order_id)
    (item,) = receipt["request"]["receipt"]["items"]
    assert item["mark_code"] == {"gs1m": fiscal.gs1m(codes[2])} and item["payment_object"] == 33
    assert item["payment_method"] == "full_payment"  # our sell receipt settled the order
    assert receipt["request"]["receipt"]["payments"] == [{"type": 0, "sum": PRICE / 100}]
    in_use = await UnitCode.select(UnitCode.full_code).where(UnitCode.released_at.is_null()).order_by(UnitCode.id)
    assert [r["full_code"] for r in in_use] == codes[:2]  # the unit handed back is off the order
    view = await shift_view("ivan", local_today())
    assert view["expected"]["cash"] == 2 * PRICE and view["refunds_cash"] == PRICE and view["payments"] == 1
    assert view["orders"] == [{"order_id": order_id, "number": order["number"], "cash": 2 * PRICE, "card": 0, "sbp": 0}]
    shift = await close_shift("ivan", local_today(), 2 * PRICE, actor="cashier")
    assert (shift["expected_cash"], shift["difference"]) == (2 * PRICE, 0)
    # the outbox sends the sell, then the sell_refund to the loopback provider, which accepts it as valid
    for rid in (paid["receipt_id"], receipt["id"]):
        for _ in range(3):
            await process_receipt(rid)
    (sent,) = atol.sells("sell_refund")
    assert sent["external_id"] == receipt["external_id"] and sent["receipt"]["items"] == [item]
    assert atol.rejected == [] and (await Receipt.select(Receipt.status).where(Receipt.id == receipt["id"]).first()
                                    )["status"] == "done"


async def test_a_partly_paid_order_gives_back_only_what_was_paid_beyond_the_new_total_as_an_advance():
    order_id, stop, line = await _one_stop()
    await take_payment(order_id, "card", 3 * PRICE - 10000, actor="ivan", client_uuid=new_uuid(), slip_ref="S1",
                       courier="ivan")
    got = await mark_stop(stop, "partial", actor="ivan", client_uuid=new_uuid(), returned_lines={line["id"]: 1})
    assert (got["order_status"], got["amount_due"]) == ("delivered", 0)
    order = await _order(order_id)
    assert order["paid"] == order["total"] == 2 * PRICE
    (receipt,) = await _refund_receipts(order_id)
    (item,) = receipt["request"]["receipt"]["items"]
    assert (item["payment_method"], item["payment_object"], item["sum"]) == ("prepayment", 10, (PRICE - 10000) / 100)
    assert receipt["request"]["receipt"]["payments"] == [{"type": 1, "sum": (PRICE - 10000) / 100}]
    assert fiscal.check_body(receipt["request"]) == []
    (refund,) = await refunds_to_make()
    assert (refund["method"], refund["amount"], refund["order_number"]) == ("card", PRICE - 10000, order["number"])
    view = await shift_view("ivan", local_today())
    assert view["expected"]["cash"] == 0 and view["expected"]["card"] == 3 * PRICE - 10000


async def test_a_return_that_leaves_something_to_pay_refunds_nothing():
    order_id, stop, line = await _one_stop()
    await take_payment(order_id, "cash", PRICE, actor="ivan", client_uuid=new_uuid(), courier="ivan")
    got = await mark_stop(stop, "partial", actor="ivan", client_uuid=new_uuid(), returned_lines={line["id"]: 1})
    assert (got["status"], got["amount_due"]) == ("arrived", PRICE)
    assert await _refund_receipts(order_id) == [] and await Refund.count() == 0
    assert (await _order(order_id))["paid"] == PRICE
    assert (await shift_view("ivan", local_today()))["expected"]["cash"] == PRICE


async def test_cash_given_back_on_another_day_is_not_in_todays_handover():
    order_id, stop, line = await _one_stop()
    await take_payment(order_id, "cash", 3 * PRICE, actor="ivan", client_uuid=new_uuid(), courier="ivan")
    await mark_stop(stop, "partial", actor="ivan", client_uuid=new_uuid(), returned_lines={line["id"]: 1})
    await Refund.update({Refund.done_at: datetime(2020, 1, 1, 12, tzinfo=UTC)}).where(Refund.order == order_id)
    assert (await shift_view("ivan", local_today()))["expected"]["cash"] == 3 * PRICE


async def test_the_whole_order_returned_later_refunds_only_what_the_door_refund_left():
    from server.domain.orders.status import change_status
    from server.domain.payments.receipts import refund_order_payments

    order_id, stop, line = await _one_stop()
    paid = await take_payment(order_id, "cash", 3 * PRICE, actor="ivan", client_uuid=new_uuid(), courier="ivan")
    await mark_stop(stop, "partial", actor="ivan", client_uuid=new_uuid(), returned_lines={line["id"]: 1})
    await change_status(order_id, "returned", actor="manager")
    made = await refund_order_payments(order_id, actor="manager")
    assert len(made) == 1 and await refund_order_payments(order_id, actor="manager") == []
    body = (await Receipt.select(Receipt.request).where(Receipt.id == made[0]["id"]).first().output(
        load_json=True))["request"]
    assert fiscal.check_body(body) == []
    assert [(i["quantity"], i["sum"]) for i in body["receipt"]["items"]] == [(2.0, 2 * PRICE / 100)]
    assert body["receipt"]["payments"] == [{"type": 0, "sum": 2 * PRICE / 100}]
    assert (await _order(order_id))["paid"] == 0  # 3 paid, 1 back at the door, 2 back now: never below zero
    assert paid["payment_id"]
