"""Goods handed over against a prepayment (payments/receipts.py queue_offset_sell, called when the courier
marks the stop delivered or partly delivered): one `sell` receipt of what was handed over — full_payment
items as the final receipt has them (marking codes, uneven discounts to the kopeck, delivery), settled by
one type 2 prepayment offset of the total — queued through the outbox; never two (a double tap, a replayed
queue, the hook called again); none when a door payment's final receipt carries the offset already; a
partial delivery's returned units are the door refund's (full_prepayment), not the offset's."""

from __future__ import annotations

import pytest
from delivery_helpers import POINTS, PRICE, city, courier, new_uuid, packed, route

from server.domain.delivery.courier_day import mark_stop, start_route
from server.domain.marking.tables import UnitCode
from server.domain.orders.status import change_status
from server.domain.orders.tables import Order, OrderLine
from server.domain.outbox.tables import OutboxEvent
from server.domain.payments import fiscal
from server.domain.payments.payments import take_payment
from server.domain.payments.receipts import TOPIC, list_receipts, queue_offset_sell, refund_order_payments
from server.domain.payments.tables import Receipt
from server.errors import Conflict
from tests.support.atol_server import validate

DISCOUNT, DELIVERY = 100, 30000  # 100 kopecks off three packs: 499.67 + 499.67 + 499.66


async def _stop(*, method: str = "prepaid_online", qty: int = 3, prepaid: int | None = None, codes: int = 0,
                discount: int = DISCOUNT, delivery: int = DELIVERY):
    """A started one-stop route of an order of `qty` packs, `discount` off the line, `delivery` cost, paid
    `prepaid` before the door (default: in full), `codes` units with marking codes captured at picking."""
    c = await city()
    await courier(c, "ivan")
    order_id = await packed(c, POINTS[0], qty=qty, method=method)
    line = await OrderLine.select().where(OrderLine.order == order_id).first()
    total = qty * PRICE - discount + delivery
    await OrderLine.update({OrderLine.discount: discount}).where(OrderLine.id == line["id"])
    await Order.update({Order.discount_total: discount, Order.delivery_cost: delivery, Order.total: total,
                        Order.paid: total if prepaid is None else prepaid}).where(Order.id == order_id)
    full = [f"0104600000000017215PACK{n}\x1d93ab{n}" for n in range(codes)]
    for n, code in enumerate(full):
        await UnitCode.insert(UnitCode(kind="marking", code_key=f"0104600000000017215PACK{n}", full_code=code,
                                       variant=line["variant"], order=order_id, order_line=line["id"]))
    route_id, stops = await route(c, "ivan", [order_id], status="published")
    await start_route(route_id, actor="ivan")
    return order_id, stops[0], line, full


async def _sells(order_id: int) -> list[dict]:
    return await Receipt.select().where((Receipt.order == order_id) & (Receipt.operation == "sell")).order_by(
        Receipt.id).output(load_json=True)


async def _events(receipt_id: int) -> int:
    rows = await OutboxEvent.select(OutboxEvent.payload).where(OutboxEvent.topic == TOPIC).output(load_json=True)
    return sum(1 for r in rows if r["payload"].get("receipt_id") == receipt_id)


def _kopecks(items: list[dict]) -> int:
    return sum(round(i["sum"] * 100) for i in items)


async def test_a_prepaid_order_delivered_gets_one_offset_receipt_of_everything_handed_over():
    order_id, stop, line, codes = await _stop(codes=3)
    total = 3 * PRICE - DISCOUNT + DELIVERY
    uuid = new_uuid()
    got = await mark_stop(stop, "delivered", actor="ivan", client_uuid=uuid)
    assert (got["status"], got["order_status"], got["amount_due"]) == ("delivered", "delivered", 0)
    (receipt,) = await _sells(order_id)
    assert (receipt["external_id"], receipt["payment"], receipt["status"], receipt["total"]) == (
        f"kladovka-order-{order_id}-sell-offset", None, "queued", total)
    body = receipt["request"]
    items = body["receipt"]["items"]
    assert [(i["price"], i["quantity"], i["payment_object"]) for i in items] == [
        (499.67, 1.0, 33), (499.67, 1.0, 33), (499.66, 1.0, 33), (300.0, 1.0, 4)]
    assert [i["mark_code"] for i in items[:3]] == [{"gs1m": fiscal.gs1m(code)} for code in codes]
    assert {i["payment_method"] for i in items} == {"full_payment"}
    assert body["receipt"]["payments"] == [{"type": 2, "sum": total / 100}] and body["receipt"]["total"] == total / 100
    assert _kopecks(items) == total
    assert fiscal.check_body(body) == [] and validate(body) == []
    assert await _events(receipt["id"]) == 1  # the outbox sends it
    assert [r["id"] for r in await list_receipts(order_id=order_id)] == [receipt["id"]]  # the manager's list
    # the offline queue sends the action again, the courier taps twice, the hook runs again: one receipt
    again = await mark_stop(stop, "delivered", actor="ivan", client_uuid=uuid)
    assert again["replayed"] is True
    with pytest.raises(Conflict):
        await mark_stop(stop, "delivered", actor="ivan", client_uuid=new_uuid())
    assert await queue_offset_sell(order_id) is None
    assert len(await _sells(order_id)) == 1 and await _events(receipt["id"]) == 1


async def test_a_prepaid_order_partly_delivered_offsets_the_units_handed_over_and_refunds_the_rest_apart():
    order_id, stop, line, codes = await _stop(codes=3)
    total = 3 * PRICE - DISCOUNT + DELIVERY
    uuid = new_uuid()
    got = await mark_stop(stop, "partial", actor="ivan", client_uuid=uuid, returned_lines={line["id"]: 1})
    assert (got["status"], got["order_status"]) == ("partial", "delivered")
    order = await Order.select().where(Order.id == order_id).first()
    assert order["total"] == order["paid"] == total - (PRICE - 34)  # the unit back carried 34 of the discount
    (refund,) = await Receipt.select().where((Receipt.order == order_id) & (Receipt.operation == "sell_refund")
                                             ).output(load_json=True)
    (back,) = refund["request"]["receipt"]["items"]
    assert (back["payment_method"], back["mark_code"], back["sum"]) == ("full_prepayment",
                                                                       {"gs1m": fiscal.gs1m(codes[2])}, 499.66)
    (offset,) = await _sells(order_id)
    items = offset["request"]["receipt"]["items"]
    assert [(i["price"], i["quantity"], i.get("mark_code")) for i in items] == [
        (499.67, 1.0, {"gs1m": fiscal.gs1m(codes[0])}), (499.67, 1.0, {"gs1m": fiscal.gs1m(codes[1])}),
        (300.0, 1.0, None)]
    assert {i["payment_method"] for i in items} == {"full_payment"}
    assert offset["request"]["receipt"]["payments"] == [{"type": 2, "sum": order["total"] / 100}]
    assert _kopecks(items) == offset["total"] == order["total"]
    assert offset["total"] + refund["total"] == total  # the prepayment, counted once
    assert fiscal.check_body(offset["request"]) == [] and validate(offset["request"]) == []
    replay = await mark_stop(stop, "partial", actor="ivan", client_uuid=uuid, returned_lines={line["id"]: 1})
    assert replay["replayed"] is True and len(await _sells(order_id)) == 1


async def test_the_rest_paid_at_the_door_carries_the_offset_in_its_final_receipt_and_no_second_one_is_made():
    prepaid = PRICE
    order_id, stop, _line, _codes = await _stop(method="cash_on_delivery", prepaid=prepaid)
    total = 3 * PRICE - DISCOUNT + DELIVERY
    paid = await take_payment(order_id, "cash", total - prepaid, actor="ivan", client_uuid=new_uuid(), courier="ivan")
    await mark_stop(stop, "delivered", actor="ivan", client_uuid=new_uuid())
    (final,) = await _sells(order_id)
    assert final["id"] == paid["receipt_id"] and final["payment"] == paid["payment_id"]
    assert final["request"]["receipt"]["payments"] == [{"type": 0, "sum": (total - prepaid) / 100},
                                                       {"type": 2, "sum": prepaid / 100}]
    assert await queue_offset_sell(order_id) is None


async def test_an_order_paid_in_full_at_the_door_gets_only_its_payments_receipt():
    order_id, stop, _line, _codes = await _stop(method="card_on_delivery", prepaid=0, discount=0, delivery=0)
    await take_payment(order_id, "card", 3 * PRICE, actor="ivan", client_uuid=new_uuid(), slip_ref="S1",
                       courier="ivan")
    await mark_stop(stop, "delivered", actor="ivan", client_uuid=new_uuid())
    (final,) = await _sells(order_id)
    assert final["request"]["receipt"]["payments"] == [{"type": 1, "sum": 3 * PRICE / 100}]


async def test_a_part_prepaid_order_whose_return_leaves_nothing_due_gets_the_offset_of_the_new_total():
    order_id, stop, line, _codes = await _stop(method="cash_on_delivery", prepaid=2 * PRICE, discount=0, delivery=0)
    got = await mark_stop(stop, "partial", actor="ivan", client_uuid=new_uuid(), returned_lines={line["id"]: 1})
    assert (got["status"], got["amount_due"]) == ("partial", 0)
    assert await Receipt.count().where(Receipt.operation == "sell_refund") == 0  # nothing was overpaid
    (offset,) = await _sells(order_id)
    assert [(i["price"], i["quantity"]) for i in offset["request"]["receipt"]["items"]] == [(PRICE / 100, 2.0)]
    assert offset["request"]["receipt"]["payments"] == [{"type": 2, "sum": 2 * PRICE / 100}]


async def test_a_prepaid_order_returned_after_a_partial_delivery_refunds_its_offset_receipt_as_it_was():
    order_id, stop, line, _codes = await _stop(discount=0)  # the unit back is priced as the ones kept
    await mark_stop(stop, "partial", actor="ivan", client_uuid=new_uuid(), returned_lines={line["id"]: 1})
    (offset,) = await _sells(order_id)
    await change_status(order_id, "returned", actor="manager")
    (made,) = await refund_order_payments(order_id, actor="manager")
    body = (await Receipt.select(Receipt.request).where(Receipt.id == made["id"]).first().output(
        load_json=True))["request"]
    # the unit handed back at the door was never on the offset receipt: nothing is taken off it twice
    assert body["receipt"]["items"] == offset["request"]["receipt"]["items"]
    assert body["receipt"]["payments"] == offset["request"]["receipt"]["payments"]
    assert fiscal.check_body(body) == [] and validate(body) == []
    assert await refund_order_payments(order_id, actor="manager") == []
