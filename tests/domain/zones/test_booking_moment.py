"""The booking moment the cut-off is judged at (zones/limits.py) is data on the order: when the customer
placed it (placed_at, never later than its intake) or the manager's latest move of its window
(sales_order.window_moved_at) — not read from the audit log; the migration that added the column fills
it from the "order.window" audit entries."""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from order_helpers import intake, shop
from zone_helpers import CENTRE, make_zone

from server.domain.audit.tables import AuditEntry
from server.domain.orders.dto import DeliveryInput
from server.domain.orders.intake import intake_order
from server.domain.orders.tables import Order
from server.domain.stock.tables import Warehouse
from server.domain.zones.assign import reassign_open_orders, recheck_order_zone
from server.domain.zones.window import change_order_window

MSK = ZoneInfo("Europe/Moscow")
SLOTS = [["10:00", "14:00"], ["14:00", "18:00"]]
WEEK = 10080
BACKFILL = "server.domain.orders.piccolo_migrations.orders_2026_12_07t12_10_01_000000"


def at(day: date, hhmm: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime.combine(day, time(h, m), MSK).astimezone(UTC)


def soon(days: int) -> date:
    return datetime.now(UTC).astimezone(MSK).date() + timedelta(days=days)


async def _order(day: date, placed_at: datetime | None = None) -> int:
    if not await Warehouse.exists():
        await shop(("KEN-250", 50))
    order = intake(("KEN-250", 1))
    order.delivery = DeliveryInput(method="courier", address="Москва, ул. Тверская, д. 1", lat=CENTRE[0],
                                   lon=CENTRE[1], window_start=at(day, "10:00"), window_end=at(day, "12:00"))
    order.placed_at = placed_at
    return (await intake_order(order)).order_id


async def _kinds(order_id: int) -> list[str]:
    row = await Order.select(Order.zone_problems).where(Order.id == order_id).output(load_json=True).first()
    return [p["kind"] for p in row["zone_problems"]]


async def _moved_at(order_id: int) -> datetime | None:
    row = await Order.select(Order.window_moved_at).where(Order.id == order_id).first()
    moment = row["window_moved_at"]
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


async def test_an_order_placed_before_the_cut_off_that_arrives_after_it_is_not_flagged():
    await make_zone("Центр", slots=SLOTS, cutoff_minutes=WEEK)
    day = soon(3)  # its cut-off (a week before 10:00) was four days ago
    in_time = await _order(day, placed_at=at(day, "10:00") - timedelta(days=7, minutes=1))
    late = await _order(day, placed_at=at(day, "10:00") - timedelta(days=7))
    assert [await _kinds(i) for i in (in_time, late)] == [[], ["past_cutoff"]]
    assert [[p["kind"] for p in await recheck_order_zone(i)] for i in (in_time, late)] == [[], ["past_cutoff"]]
    await reassign_open_orders()
    assert [await _kinds(i) for i in (in_time, late)] == [[], ["past_cutoff"]]


async def test_a_placing_time_later_than_the_intake_counts_as_the_intake():
    await make_zone("Центр", slots=SLOTS, cutoff_minutes=WEEK)
    day = soon(30)  # its cut-off is 23 days ahead: in time now
    order = await _order(day, placed_at=datetime.now(UTC) + timedelta(days=25))
    assert await _kinds(order) == []
    assert await recheck_order_zone(order) == []


async def test_the_move_of_the_window_is_kept_on_the_order_not_read_from_the_audit_log():
    await make_zone("Центр", slots=SLOTS, cutoff_minutes=WEEK)
    day = soon(3)
    order = await _order(day, placed_at=at(day, "10:00") - timedelta(days=8))
    assert await _kinds(order) == [] and await _moved_at(order) is None
    assert await change_order_window(order, day.isoformat(), "10:00", "12:00", actor="test") == []  # no move
    assert await _moved_at(order) is None
    before = datetime.now(UTC)
    assert [p["kind"] for p in await change_order_window(order, day.isoformat(), "14:00", "16:00", actor="test")] == [
        "past_cutoff"]
    moved = await _moved_at(order)
    assert moved is not None and before <= moved <= datetime.now(UTC)
    await AuditEntry.delete(force=True)
    assert [p["kind"] for p in await recheck_order_zone(order)] == ["past_cutoff"]
    await reassign_open_orders()
    assert await _kinds(order) == ["past_cutoff"]
    await change_order_window(order, day.isoformat(), "14:00", "16:00", actor="test")  # the same again
    assert await _moved_at(order) == moved


async def test_the_migration_fills_window_moved_at_from_the_audit_entries():
    await make_zone("Центр", slots=SLOTS, cutoff_minutes=WEEK)
    day = soon(3)
    moved, saved_again, untouched = [await _order(day) for _ in range(3)]
    await change_order_window(moved, day.isoformat(), "14:00", "16:00", actor="test")
    await change_order_window(moved, day.isoformat(), "14:00", "18:00", actor="test")
    await change_order_window(moved, day.isoformat(), "14:00", "18:00", actor="test")  # the same: no move
    await change_order_window(saved_again, day.isoformat(), "10:00", "12:00", actor="test")
    kept = await _moved_at(moved)
    await Order.update({Order.window_moved_at: None}, force=True)
    await (await importlib.import_module(BACKFILL).forwards()).run()
    found = await _moved_at(moved)
    assert found is not None and abs(found - kept) < timedelta(seconds=1)  # the entry's time, written with it
    assert [await _moved_at(i) for i in (saved_again, untouched)] == [None, None]
