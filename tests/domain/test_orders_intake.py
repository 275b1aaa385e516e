"""Order intake: checks, reservation with shortages, idempotency (sequential and concurrent), one
transaction for order, reservations and outbox events."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from order_helpers import intake, shop
from stock_helpers import balance, make_warehouse, snapshot

from server.db import write_tx
from server.domain.audit.tables import AuditEntry
from server.domain.catalog.tables import Barcode
from server.domain.orders.dto import DeliveryInput, IntakeLine, OrderIntake, PaymentInput
from server.domain.orders.intake import intake_order
from server.domain.orders.tables import Order, OrderLine, OrderStatusChange
from server.domain.outbox.tables import OutboxEvent
from server.domain.stock.tables import Reservation, StockBalance
from server.errors import Conflict, ValidationFailed


async def _rows() -> dict[str, int]:
    return {"orders": await Order.count(), "lines": await OrderLine.count(), "events": await OutboxEvent.count(),
            "reservations": await Reservation.count(), "changes": await OrderStatusChange.count()}


async def test_intake_reserves_what_is_there_and_records_the_rest_as_shortage():
    s = await shop(("KEN-250", 3), ("EFI-250", 0))
    data = intake(("KEN-250", 2), ("EFI-250", 1), ("ken-250", 2), external_id="site-1001")
    data.delivery = DeliveryInput(address="Москва, Тверская, 1", cost=30000,
                                  window_start=datetime(2026, 12, 1, 7, tzinfo=UTC),
                                  window_end=datetime(2026, 12, 1, 10, tzinfo=UTC))
    data.lines[0].discount = 5000

    result = await intake_order(data, actor="api:site")

    assert (result.number, result.status, result.created) == ("З-000001", "new", True)
    assert [(x.sku, x.qty, x.reserved) for x in result.lines] == [("KEN-250", 2, 2), ("EFI-250", 1, 0),
                                                                   ("KEN-250", 2, 1)]
    assert (await balance(s["KEN-250"], s["wh"]))["reserved"] == 3
    order = await Order.select().where(Order.id == result.order_id).first()
    assert (order["goods_total"], order["discount_total"], order["delivery_cost"], order["total"]) == (
        445000, 5000, 30000, 470000)
    assert (order["contact_phone"], order["warehouse"], order["channel"]) == ("+79161234567", s["wh"], "api")
    assert len(order["tracking_token"]) >= 20 and result.tracking_token == order["tracking_token"]
    lines = await OrderLine.select(OrderLine.line_no, OrderLine.reserved, OrderLine.vat).order_by(OrderLine.line_no)
    assert [(x["line_no"], x["reserved"]) for x in lines] == [(1, 2), (2, 0), (3, 1)]
    events = await OutboxEvent.select(OutboxEvent.topic, OutboxEvent.payload).order_by(OutboxEvent.id).output(
        load_json=True)
    assert [e["topic"] for e in events] == ["order.created", "order.status_changed"]
    assert events[0]["payload"] == {"order_id": result.order_id, "number": "З-000001", "channel": "api",
                                    "status": "new"}
    changed = events[1]["payload"]
    assert (changed["from"], changed["to"], changed["status_label"], changed["notify"]) == (None, "new", "Новый", True)
    assert changed["customer"] == {"name": "Анна Петрова", "email": "anna@example.ru", "phone": "+79161234567"}
    assert changed["delivery"] == {"address": "Москва, Тверская, 1", "window_start": "2026-12-01T07:00:00+00:00",
                                   "window_end": "2026-12-01T10:00:00+00:00"}
    assert (changed["total"], changed["tracking_token"]) == (470000, order["tracking_token"])
    assert await OrderStatusChange.count().where(OrderStatusChange.to_status == "new") == 1
    audit = await AuditEntry.select().where(AuditEntry.action == "order.create").first().output(load_json=True)
    assert (audit["actor"], audit["changes"]["short"]) == ("api:site", 2)


async def test_a_package_barcode_multiplies_the_quantity_and_the_warehouse_can_be_chosen():
    s = await shop(("KEN-250", 20))
    shop2 = await make_warehouse("SHOP")
    await Barcode(variant=s["KEN-250"], code="4601234000020", kind="ean13", multiplier=6).save()
    data = OrderIntake(channel="phone", lines=[IntakeLine(barcode="4601234000020", qty=2, price=1000)])
    result = await intake_order(data)
    assert [(x.qty, x.reserved) for x in result.lines] == [(12, 12)]
    assert (await Order.select(Order.warehouse, Order.customer).first()) == {"warehouse": s["wh"], "customer": None}
    elsewhere = await intake_order(dataclasses.replace(data, warehouse_code="shop"))
    assert [(x.qty, x.reserved) for x in elsewhere.lines] == [(12, 0)]
    assert (await Order.select(Order.warehouse).where(Order.id == elsewhere.order_id).first())["warehouse"] == shop2


async def test_every_problem_is_reported_at_once_and_nothing_is_written():
    await shop(("KEN-250", 5))
    before, ledger = await _rows(), await snapshot()
    data = OrderIntake(channel="site shop", warehouse_code="NOPE", lines=[
        IntakeLine(sku="NOPE-1", qty=1, price=100),
        IntakeLine(barcode="0000000000000", qty=1, price=100),
        IntakeLine(sku="KEN-250", qty=0, price=100),
        IntakeLine(sku="KEN-250", qty=-1, price=100),
        IntakeLine(sku="KEN-250", qty=1.5, price=100),  # type: ignore[arg-type]
        IntakeLine(sku="KEN-250", qty=1, price=-1),
        IntakeLine(sku="KEN-250", qty=1, price=100, discount=101),
        IntakeLine(sku="KEN-250", qty=1, price=100, vat="18"),
        IntakeLine(qty=1, price=100),
    ], delivery=DeliveryInput(method="drone", cost=-1, window_start=datetime(2026, 12, 1, 10, tzinfo=UTC),
                              window_end=datetime(2026, 12, 1, 9, tzinfo=UTC)),
        payment=PaymentInput(method="barter"))
    data.customer.email, data.customer.phone, data.customer.inn = "nope", "12", "7707083894"
    with pytest.raises(ValidationFailed) as caught:
        await intake_order(data)
    fields = [p.field for p in caught.value.problems]
    assert fields == ["channel", "customer.email", "customer.phone", "customer.inn", "delivery.method",
                      "delivery.window_end", "delivery.cost", "payment.method", "warehouse",
                      *[f"lines[{n}]" for n in range(9)]]
    assert caught.value.params == {"count": 18}
    with pytest.raises(ValidationFailed) as empty:
        await intake_order(OrderIntake(channel="api", lines=[]))
    assert empty.value.field == "lines"
    assert await _rows() == before and await snapshot() == ledger


async def test_a_retry_returns_the_first_result_and_a_different_body_is_a_conflict():
    s = await shop(("KEN-250", 5))
    first = await intake_order(intake(("KEN-250", 2)), idempotency_key="key-1")
    rows = await _rows()
    again = await intake_order(intake(("KEN-250", 2)), idempotency_key="key-1")
    assert again == dataclasses.replace(first, created=False)
    with pytest.raises(Conflict) as caught:
        await intake_order(intake(("KEN-250", 3)), idempotency_key="key-1")
    assert caught.value.field == "idempotency_key" and caught.value.params == {"number": "З-000001"}

    by_external = await intake_order(intake(("KEN-250", 1), channel="site", external_id="10045"))
    repeat = await intake_order(intake(("KEN-250", 1), channel="site", external_id="10045"))
    assert (repeat.order_id, repeat.created) == (by_external.order_id, False)
    with pytest.raises(Conflict):
        await intake_order(intake(("KEN-250", 2), channel="site", external_id="10045"))
    other_channel = await intake_order(intake(("KEN-250", 1), channel="woo", external_id="10045"))
    assert other_channel.created and other_channel.order_id != by_external.order_id
    assert await Order.count() == rows["orders"] + 2
    assert (await balance(s["KEN-250"], s["wh"]))["reserved"] == 4


async def test_order_reservations_and_events_commit_or_roll_back_together():
    s = await shop(("KEN-250", 5))
    before, ledger = await _rows(), await snapshot()
    with pytest.raises(RuntimeError):
        async with write_tx():
            await intake_order(intake(("KEN-250", 2)), idempotency_key="inside")
            assert await Order.count() == 1 and await OutboxEvent.count() == 2
            assert (await balance(s["KEN-250"], s["wh"]))["reserved"] == 2
            raise RuntimeError("the caller's transaction fails after the intake")
    assert await _rows() == before and await snapshot() == ledger
    assert (await intake_order(intake(("KEN-250", 2)), idempotency_key="inside")).created


async def test_twenty_concurrent_retries_with_one_key_make_one_order():
    await shop(("KEN-250", 50))
    window = datetime.now(UTC) + timedelta(days=1)
    data = intake(("KEN-250", 2))
    data.delivery = DeliveryInput(window_start=window, window_end=window + timedelta(hours=2))
    results = await asyncio.gather(*[intake_order(data, idempotency_key="same-key") for _ in range(20)])
    assert len({r.order_id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert await Order.count() == 1 and await OutboxEvent.count() == 2
    assert await StockBalance.select(StockBalance.reserved).first() == {"reserved": 2}


async def test_two_hundred_concurrent_orders_for_ten_units_reserve_exactly_ten():
    s = await shop(("KEN-250", 10))
    # on PostgreSQL the tests' loop shares a pool of 20 connections (tests/conftest.py), below max_connections
    results = await asyncio.gather(*[
        intake_order(OrderIntake(channel="api", lines=[IntakeLine(sku="KEN-250", qty=1, price=100)]))
        for _ in range(200)])
    reserved = [r.lines[0].reserved for r in results]
    assert reserved.count(1) == 10 and reserved.count(0) == 190
    bal = await balance(s["KEN-250"], s["wh"])
    assert (bal["on_hand"], bal["reserved"]) == (10, 10)
    assert not await StockBalance.exists().where(StockBalance.on_hand - StockBalance.reserved < 0)
    assert sum(r["short"] for r in await _shortage_rows()) == 190
    assert len({r.number for r in results}) == 200


async def _shortage_rows() -> list[dict]:
    from server.domain.orders.queries import shortages

    return await shortages()
