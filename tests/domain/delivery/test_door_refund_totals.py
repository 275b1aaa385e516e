"""door_refunds.door_refund_totals: what goes back to the customer, by method, for the goods handed back
at the door of one order (the courier app says «Верните покупателю … наличными» from it): cash paid at
the door comes back in cash, card payments through the bank, a mix takes cash first; nothing paid beyond
the new total, nothing to give back."""

from __future__ import annotations

from delivery_helpers import POINTS, PRICE, city, courier, new_uuid, packed, route

from server.domain.delivery.courier_day import mark_stop, start_route
from server.domain.orders.tables import OrderLine
from server.domain.payments.door_refunds import door_refund_totals
from server.domain.payments.payments import take_payment


async def _stop(qty: int = 3, method: str = "cash_on_delivery"):
    c = await city()
    await courier(c, "ivan")
    order_id = await packed(c, POINTS[0], qty=qty, method=method)
    route_id, stops = await route(c, "ivan", [order_id], status="published")
    await start_route(route_id, actor="ivan")
    line = await OrderLine.select().where(OrderLine.order == order_id).first()
    return order_id, stops[0], line


async def _pay(order_id: int, method: str, amount: int) -> None:
    await take_payment(order_id, method, amount, actor="ivan", client_uuid=new_uuid(), courier="ivan",
                       tendered=amount if method == "cash" else None, slip_ref="" if method == "cash" else "SLIP-1")


async def _hand_back(stop: int, line: dict, qty: int) -> dict:
    return await mark_stop(stop, "partial", actor="ivan", client_uuid=new_uuid(), returned_lines={line["id"]: qty})


async def test_cash_paid_then_one_unit_handed_back_is_cash_to_give_back():
    order_id, stop, line = await _stop()
    assert await door_refund_totals(order_id) == {}
    await _pay(order_id, "cash", 3 * PRICE)
    await _hand_back(stop, line, 1)
    assert await door_refund_totals(order_id) == {"cash": PRICE}


async def test_card_paid_then_two_units_handed_back_are_a_card_refund():
    order_id, stop, line = await _stop(method="card_on_delivery")
    await _pay(order_id, "card", 3 * PRICE)
    await _hand_back(stop, line, 2)
    assert await door_refund_totals(order_id) == {"card": 2 * PRICE}


async def test_cash_and_card_paid_then_two_units_handed_back_take_the_cash_first():
    order_id, stop, line = await _stop()
    await _pay(order_id, "card", 2 * PRICE)
    await _pay(order_id, "cash", PRICE)
    await _hand_back(stop, line, 2)
    assert await door_refund_totals(order_id) == {"cash": PRICE, "card": PRICE}


async def test_nothing_paid_beyond_the_new_total_is_nothing_to_give_back():
    order_id, stop, line = await _stop()
    await _pay(order_id, "cash", PRICE)  # a third paid: after one unit back two thirds are still due
    got = await _hand_back(stop, line, 1)
    assert got["amount_due"] == PRICE
    assert await door_refund_totals(order_id) == {}
