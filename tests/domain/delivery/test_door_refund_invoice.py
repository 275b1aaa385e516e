"""Goods handed back at the door of an order paid (partly) by invoice (door_refunds.refund_returned_lines through
the "partial" stop action): invoice money had no sell receipt, so giving it back queues no sell_refund; a mix
gets a receipt of the non-invoice part only (an advance of that sum); the Refund rows cover all of it."""

from __future__ import annotations

from delivery_helpers import POINTS, PRICE, city, courier, new_uuid, packed, route

from server.domain.delivery.courier_day import mark_stop, start_route
from server.domain.orders.edits import record_payment
from server.domain.orders.tables import Order, OrderLine
from server.domain.payments import fiscal
from server.domain.payments.door_refunds import order_refunds, refund_returned_lines, refunds_to_make
from server.domain.payments.payments import take_payment
from server.domain.payments.tables import Receipt


async def _one_stop(*, method: str, paid: int, by_invoice: int = 0) -> tuple[int, int, dict]:
    """`by_invoice`: a payment by invoice the manager records before the courier sets out."""
    c = await city()
    await courier(c, "ivan")
    order_id = await packed(c, POINTS[0], qty=3, method=method, paid=paid)
    if by_invoice:
        await record_payment(order_id, by_invoice, "invoice", actor="manager")
    route_id, stops = await route(c, "ivan", [order_id], status="published")
    await start_route(route_id, actor="ivan")
    line = await OrderLine.select().where(OrderLine.order == order_id).first()
    return order_id, stops[0], line


async def _hand_back(stop: int, line: dict, qty: int) -> dict:
    return await mark_stop(stop, "partial", actor="ivan", client_uuid=new_uuid(), returned_lines={line["id"]: qty})


async def _refund_receipts(order_id: int) -> list[dict]:
    return await Receipt.select().where((Receipt.order == order_id) & (Receipt.operation == "sell_refund")
                                        ).output(load_json=True)


def _refund_rows(refunds: list[dict]) -> list[tuple]:
    return [(r["method"], r["amount"], r["status"], r["receipt"]) for r in refunds]


async def test_an_order_paid_by_invoice_partly_handed_back_is_refunded_without_a_receipt():
    order_id, stop, line = await _one_stop(method="invoice", paid=3 * PRICE)
    got = await _hand_back(stop, line, 1)
    assert (got["status"], got["order_status"], got["amount_due"]) == ("partial", "delivered", 0)
    order = await Order.select().where(Order.id == order_id).first()
    assert order["total"] == order["paid"] == 2 * PRICE
    assert await _refund_receipts(order_id) == []
    (refund,) = await order_refunds(order_id)
    assert _refund_rows([refund]) == [("invoice", PRICE, "to_return", None)]
    assert [r["id"] for r in await refunds_to_make()] == [refund["id"]]
    assert await refund_returned_lines(order_id, {line["id"]: 1}, {line["id"]: line},
                                       document_id=refund["return_document"], actor="ivan") is None


async def test_invoice_payment_and_cash_at_the_door_refund_the_cash_part_only_on_the_receipt():
    order_id, stop, line = await _one_stop(method="cash_on_delivery", paid=0, by_invoice=2 * PRICE)
    cash = await take_payment(order_id, "cash", PRICE, actor="ivan", client_uuid=new_uuid(), tendered=PRICE,
                              courier="ivan")
    await _hand_back(stop, line, 2)  # 2 units back: PRICE in cash at the door, PRICE of the invoice money
    (receipt,) = await _refund_receipts(order_id)
    body = receipt["request"]
    assert fiscal.check_body(body) == [] and receipt["total"] == PRICE and receipt["payment"] == cash["payment_id"]
    (item,) = body["receipt"]["items"]  # an advance of the cash part: the lines cannot be split by payment
    assert (item["payment_object"], item["payment_method"], item["sum"]) == (10, "prepayment", PRICE / 100)
    assert body["receipt"]["payments"] == [{"type": 0, "sum": PRICE / 100}]
    assert _refund_rows(await order_refunds(order_id)) == [("cash", PRICE, "done", receipt["id"]),
                                                           ("invoice", PRICE, "to_return", None)]
    assert (await Order.select(Order.paid).where(Order.id == order_id).first())["paid"] == PRICE


async def test_online_and_invoice_prepayments_the_invoice_part_is_refunded_last_and_off_the_receipt():
    order_id, stop, line = await _one_stop(method="prepaid_online", paid=PRICE, by_invoice=2 * PRICE)
    await _hand_back(stop, line, 2)  # PRICE of the online prepayment first, then PRICE of the invoice money
    (receipt,) = await _refund_receipts(order_id)
    body = receipt["request"]
    assert fiscal.check_body(body) == [] and receipt["total"] == PRICE
    assert [(i["payment_object"], i["sum"]) for i in body["receipt"]["items"]] == [(10, PRICE / 100)]
    assert body["receipt"]["payments"] == [{"type": 1, "sum": PRICE / 100}]
    assert _refund_rows(await order_refunds(order_id)) == [("online", PRICE, "to_return", receipt["id"]),
                                                           ("invoice", PRICE, "to_return", None)]


async def test_online_and_invoice_prepayments_one_unit_back_is_the_online_part_with_the_units_receipt():
    order_id, stop, line = await _one_stop(method="prepaid_online", paid=PRICE, by_invoice=2 * PRICE)
    await _hand_back(stop, line, 1)  # online first: PRICE back with a receipt of the returned unit
    (receipt,) = await _refund_receipts(order_id)
    (item,) = receipt["request"]["receipt"]["items"]
    assert (item["quantity"], item["sum"], item["payment_method"]) == (1.0, PRICE / 100, "full_prepayment")
    assert _refund_rows(await order_refunds(order_id)) == [("online", PRICE, "to_return", receipt["id"])]
