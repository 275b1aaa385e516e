"""The status machine: arrows and rules, cancel releases, shipping consumes, return brings the goods
back, re-reservation, payments, one transaction per change, one winner among concurrent changes."""

from __future__ import annotations

import asyncio

import pytest
from order_helpers import intake, shop
from stock_helpers import balance, receive

from server.db import write_tx
from server.domain.audit.tables import AuditEntry
from server.domain.orders.dto import PaymentInput
from server.domain.orders.edits import assign_manager, record_payment
from server.domain.orders.intake import intake_order
from server.domain.orders.queries import get_order
from server.domain.orders.reservations import rereserve
from server.domain.orders.settings import rename_status, set_status_notify, status_settings
from server.domain.orders.status import change_status
from server.domain.orders.tables import Order, OrderStatusChange
from server.domain.outbox.tables import OutboxEvent
from server.domain.stock.tables import Reservation, StockDocument
from server.errors import Conflict, ValidationFailed


async def _events(topic: str = "order.status_changed") -> list[dict]:
    rows = await OutboxEvent.select(OutboxEvent.payload).where(OutboxEvent.topic == topic).order_by(
        OutboxEvent.id).output(load_json=True)
    return [r["payload"] for r in rows]


async def _status(order_id: int) -> str:
    return (await Order.select(Order.status).where(Order.id == order_id).first())["status"]


async def test_the_whole_way_from_new_to_closed_ships_the_reserved_goods():
    s = await shop(("KEN-250", 5))
    order = await intake_order(intake(("KEN-250", 2)))
    assert (await get_order(order.order_id))["allowed_transitions"] == ["confirmed", "cancelled"]
    for to in ("confirmed", "picking", "packed"):
        await change_status(order.order_id, to, actor="manager")
    assert (await get_order(order.order_id))["allowed_transitions"] == ["out_for_delivery", "cancelled"]
    await change_status(order.order_id, "out_for_delivery", actor="courier", comment="Курьер Иван")
    bal = await balance(s["KEN-250"], s["wh"])
    assert (bal["on_hand"], bal["reserved"]) == (3, 0)
    shipment = await StockDocument.select().where(StockDocument.kind == "shipment").first()
    assert (shipment["order_ref"], shipment["status"]) == (f"order:{order.order_id}", "posted")
    card = await get_order(order.order_id)
    assert [(x["reserved"], x["shipped"], x["shortage"]) for x in card["lines"]] == [(0, 2, 0)]
    assert card["allowed_transitions"] == ["delivered", "returned"]
    await change_status(order.order_id, "delivered", actor="courier")
    await change_status(order.order_id, "closed", actor="manager")
    card = await get_order(order.order_id)
    assert [(h["from"], h["to"], h["actor"]) for h in card["history"]] == [
        (None, "new", "system"), ("new", "confirmed", "manager"), ("confirmed", "picking", "manager"),
        ("picking", "packed", "manager"), ("packed", "out_for_delivery", "courier"),
        ("out_for_delivery", "delivered", "courier"), ("delivered", "closed", "manager")]
    assert card["history"][4]["comment"] == "Курьер Иван" and card["allowed_transitions"] == []
    events = await _events()
    assert [(e["from"], e["to"], e["notify"]) for e in events[1:]] == [
        ("new", "confirmed", True), ("confirmed", "picking", False), ("picking", "packed", False),
        ("packed", "out_for_delivery", True), ("out_for_delivery", "delivered", True), ("delivered", "closed", False)]
    assert await AuditEntry.count().where(AuditEntry.action == "order.status") == 6


async def test_arrows_that_do_not_exist_are_refused_and_change_nothing():
    await shop(("KEN-250", 5))
    order = await intake_order(intake(("KEN-250", 1)))
    for to, field in (("packed", "status"), ("new", "status"), ("bogus", "status")):
        with pytest.raises((Conflict, ValidationFailed)) as caught:
            await change_status(order.order_id, to)
        assert caught.value.field == field
    with pytest.raises(Conflict) as caught:
        await change_status(order.order_id, "delivered")
    assert caught.value.params["from"] == "Новый"
    assert await _status(order.order_id) == "new"
    assert await OrderStatusChange.count() == 1 and len(await _events()) == 1


async def test_cancelling_releases_the_reservation_but_a_delivered_order_cannot_be_cancelled():
    s = await shop(("KEN-250", 5))
    first = await intake_order(intake(("KEN-250", 3)))
    await change_status(first.order_id, "confirmed")
    await change_status(first.order_id, "cancelled", comment="передумал")
    assert (await balance(s["KEN-250"], s["wh"]))["reserved"] == 0
    assert await Reservation.count().where(Reservation.status == "released") == 1
    assert (await get_order(first.order_id))["lines"][0]["reserved"] == 0
    second = await intake_order(intake(("KEN-250", 1)))
    for to in ("confirmed", "picking", "packed", "out_for_delivery", "delivered"):
        await change_status(second.order_id, to)
    with pytest.raises(Conflict) as caught:
        await change_status(second.order_id, "cancelled")
    assert "returned" in caught.value.message and caught.value.params["status"] == "Доставлен"
    assert await _status(second.order_id) == "delivered"


async def test_a_prepaid_order_leaves_only_when_paid_in_full():
    await shop(("KEN-250", 5))
    data = intake(("KEN-250", 1), price=100000)
    data.payment = PaymentInput(method="prepaid_online", paid=40000)
    order = await intake_order(data)
    for to in ("confirmed", "picking", "packed"):
        await change_status(order.order_id, to)
    assert (await get_order(order.order_id))["allowed_transitions"] == ["cancelled"]
    with pytest.raises(Conflict) as caught:
        await change_status(order.order_id, "out_for_delivery")
    assert caught.value.params == {"number": "З-000001", "paid": "400.00", "total": "1000.00"}
    assert await StockDocument.count() == 1  # only the receipt: nothing shipped
    assert await record_payment(order.order_id, 60000, "sbp", actor="cashier") == 100000
    with pytest.raises(ValidationFailed):
        await record_payment(order.order_id, 0, "sbp")
    await change_status(order.order_id, "out_for_delivery")
    assert await _status(order.order_id) == "out_for_delivery"


async def test_a_short_order_waits_for_stock_and_rereserve_takes_what_arrived():
    s = await shop(("KEN-250", 1), ("EFI-250", 0))
    order = await intake_order(intake(("KEN-250", 3), ("EFI-250", 2)))
    for to in ("confirmed", "picking", "packed"):
        await change_status(order.order_id, to)
    with pytest.raises(Conflict) as caught:
        await change_status(order.order_id, "out_for_delivery")
    assert [p.field for p in caught.value.problems] == ["lines[0]", "lines[1]"]
    assert await rereserve(order.order_id) == {1: 0, 2: 0}
    await receive(s["wh"], (s["KEN-250"], 5, 100), (s["EFI-250"], 1, 100))
    assert await rereserve(order.order_id, actor="manager") == {1: 2, 2: 1}
    assert [x["shortage"] for x in (await get_order(order.order_id))["lines"]] == [0, 1]
    await receive(s["wh"], (s["EFI-250"], 1, 100))
    assert await rereserve(order.order_id) == {2: 1}
    assert await rereserve(order.order_id) == {}
    await change_status(order.order_id, "out_for_delivery")
    assert (await balance(s["EFI-250"], s["wh"]))["on_hand"] == 0


async def test_a_return_brings_the_shipped_goods_back():
    s = await shop(("KEN-250", 5))
    order = await intake_order(intake(("KEN-250", 2)))
    for to in ("confirmed", "picking", "packed", "out_for_delivery"):
        await change_status(order.order_id, to)
    assert (await balance(s["KEN-250"], s["wh"]))["on_hand"] == 3
    await change_status(order.order_id, "returned", comment="не дозвонились")
    assert (await balance(s["KEN-250"], s["wh"]))["on_hand"] == 5
    with pytest.raises(Conflict):
        await rereserve(order.order_id)


async def test_concurrent_changes_of_one_order_apply_once():
    await shop(("KEN-250", 5))
    order = await intake_order(intake(("KEN-250", 1)))

    async def attempt(to: str) -> str:
        try:
            await change_status(order.order_id, to)
        except Conflict:
            return "refused"
        return to

    outcomes = await asyncio.gather(*[attempt("confirmed") for _ in range(8)])
    assert outcomes.count("confirmed") == 1 and outcomes.count("refused") == 7
    assert await _status(order.order_id) == "confirmed"
    assert await OrderStatusChange.count() == 2 and len(await _events()) == 2


async def test_renamed_statuses_and_notify_choices_reach_the_events_and_a_failed_change_writes_none():
    await shop(("KEN-250", 5))
    await rename_status("confirmed", "  Принят   в работу ", actor="owner")
    await set_status_notify("confirmed", False)
    await set_status_notify("picking", True)
    settings = await status_settings()
    assert (settings["confirmed"].label, settings["confirmed"].notify_customer) == ("Принят в работу", False)
    with pytest.raises(ValidationFailed):
        await rename_status("confirmed", "")
    with pytest.raises(ValidationFailed):
        await set_status_notify("lost", True)
    order = await intake_order(intake(("KEN-250", 1)))
    await change_status(order.order_id, "confirmed")
    await change_status(order.order_id, "picking")
    assert [(e["status_label"], e["notify"]) for e in (await _events())[1:]] == [
        ("Принят в работу", False), ("Собирается", True)]
    before = await OutboxEvent.count()
    with pytest.raises(RuntimeError):
        async with write_tx():
            await change_status(order.order_id, "packed")
            raise RuntimeError("the surrounding transaction fails")
    assert await OutboxEvent.count() == before and await _status(order.order_id) == "picking"
    await assign_manager(order.order_id, "manager", actor="owner")
    assert (await get_order(order.order_id))["manager"] == "manager"
