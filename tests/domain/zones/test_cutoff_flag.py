"""An order that comes for a slot past its cut-off is taken and flagged "past_cutoff" — judged at its booking
moment (when it was placed, no later than its intake; the manager's move of its window), never at a later
re-check; and a window lying in two overlapping slots counts in one of them only (the one starting latest)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from order_helpers import intake, shop
from zone_helpers import CENTRE, make_zone

from server.domain.orders.dto import DeliveryInput
from server.domain.orders.intake import intake_order
from server.domain.orders.tables import Order
from server.domain.stock.tables import Warehouse
from server.domain.zones.assign import reassign_open_orders, recheck_order_zone
from server.domain.zones.availability import delivery_slots
from server.domain.zones.limits import home_slot
from server.domain.zones.slots import zone_slot_list
from server.domain.zones.window import change_order_window

MSK = ZoneInfo("Europe/Moscow")
MONDAY = date(2030, 12, 16)
SLOTS = [["10:00", "14:00"], ["14:00", "18:00"]]
WEEK = 10080  # the longest cut-off in minutes: a slot a few days ahead is already past it


def at(day: date, hhmm: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime.combine(day, time(h, m), MSK).astimezone(UTC)


def soon(days: int) -> date:
    """A local day `days` from today (real time: intake stamps the real now)."""
    return datetime.now(UTC).astimezone(MSK).date() + timedelta(days=days)


async def _order(start: datetime | None, end: datetime | None) -> int:
    if not await Warehouse.exists():
        await shop(("KEN-250", 50))
    order = intake(("KEN-250", 2))
    order.delivery = DeliveryInput(method="courier", address="Москва, ул. Тверская, д. 1", lat=CENTRE[0],
                                   lon=CENTRE[1], window_start=start, window_end=end)
    return (await intake_order(order)).order_id


async def _problems(order_id: int) -> list[dict]:
    row = await Order.select(Order.zone_problems, Order.status).where(Order.id == order_id).output(
        load_json=True).first()
    return row["zone_problems"]


async def _kinds(order_id: int) -> list[str]:
    return [p["kind"] for p in await _problems(order_id)]


async def _taken_at(order_id: int, moment: datetime) -> None:
    """The order was placed and taken at `moment`."""
    await Order.update({Order.placed_at: moment, Order.created_at: moment}).where(Order.id == order_id)


async def test_an_order_that_comes_after_the_cut_off_is_taken_and_flagged():
    await make_zone("Центр", slots=SLOTS, cutoff_minutes=WEEK)
    day = soon(3)
    late = await _order(at(day, "10:00"), at(day, "12:00"))
    row = await Order.select(Order.status).where(Order.id == late).first()
    assert row["status"] == "new"  # taken, never refused
    (problem,) = await _problems(late)
    assert problem["kind"] == "past_cutoff"
    assert problem["params"]["slot"] == "10:00–14:00" and problem["params"]["date"] == day.strftime("%d.%m.%Y")
    assert problem["params"]["cutoff"] == (day - timedelta(days=7)).strftime("%d.%m.%Y") + " 10:00"
    whole_day = await _order(at(day, "00:00"), at(day + timedelta(days=1), "00:00"))  # in no slot: not checked
    assert await _kinds(whole_day) == []


async def test_an_order_in_time_is_not_flagged_and_a_zone_without_a_cut_off_never_flags():
    await make_zone("Центр", slots=SLOTS, cutoff_minutes=60, cutoff_time="09:00")
    day = soon(3)
    assert await _kinds(await _order(at(day, "10:00"), at(day, "12:00"))) == []


async def test_the_booking_moment_is_the_intake_not_the_re_check():
    await make_zone("Центр", slots=SLOTS, cutoff_minutes=120)
    order = await _order(at(MONDAY, "10:00"), at(MONDAY, "12:00"))
    assert await _kinds(order) == []
    await _taken_at(order, at(MONDAY, "07:59"))
    assert [p["kind"] for p in await recheck_order_zone(order)] == []
    await _taken_at(order, at(MONDAY, "08:00"))  # the cut-off instant itself is past it
    assert [p["kind"] for p in await recheck_order_zone(order)] == ["past_cutoff"]
    assert (await _problems(order))[0]["params"] == {"slot": "10:00–14:00", "date": "16.12.2030", "at": "08:00",
                                                     "cutoff": "08:00"}


async def test_an_order_that_was_in_time_stays_unflagged_when_checked_again_after_the_cut_off():
    await make_zone("Центр", slots=SLOTS, cutoff_minutes=WEEK)
    day = soon(3)
    order = await _order(at(day, "10:00"), at(day, "12:00"))  # now is past the cut-off …
    await _taken_at(order, at(day, "10:00") - timedelta(days=8))  # … but it was taken a day before it
    await reassign_open_orders()
    assert await _kinds(order) == []
    # saving the same window again is no move: still judged at its intake
    assert await change_order_window(order, day.isoformat(), "10:00", "12:00", actor="test") == []


async def test_a_move_to_another_window_is_judged_at_the_moment_of_the_move_and_keeps_it():
    await make_zone("Центр", slots=SLOTS, cutoff_minutes=WEEK)
    day = soon(3)
    order = await _order(at(day, "10:00"), at(day, "12:00"))
    await _taken_at(order, at(day, "10:00") - timedelta(days=8))
    await recheck_order_zone(order)
    assert await _kinds(order) == []
    problems = await change_order_window(order, day.isoformat(), "14:00", "16:00", actor="test")  # moved now
    assert [p["kind"] for p in problems] == ["past_cutoff"] and problems[0]["params"]["slot"] == "14:00–18:00"
    await reassign_open_orders()  # a later re-check keeps the moment of the move, not the intake
    assert await _kinds(order) == ["past_cutoff"]
    far = soon(30)
    assert await change_order_window(order, far.isoformat(), "10:00", "12:00", actor="test") == []
    assert [p["kind"] for p in await recheck_order_zone(order)] == []


def test_a_window_in_overlapping_slots_belongs_to_the_one_starting_latest():
    zone = {"slots": [["10:00", "14:00"], ["12:00", "16:00"], ["12:00", "14:00"]]}
    slots = zone_slot_list(zone, MONDAY, MSK)
    assert home_slot(at(MONDAY, "12:00"), at(MONDAY, "13:00"), slots) == 2  # latest start, then the narrowest
    assert home_slot(at(MONDAY, "12:30"), at(MONDAY, "15:00"), slots) == 1
    assert home_slot(at(MONDAY, "10:00"), at(MONDAY, "11:00"), slots) == 0
    assert home_slot(at(MONDAY, "09:00"), at(MONDAY, "11:00"), slots) is None


async def test_an_order_in_two_overlapping_slots_counts_in_one_of_them_only():
    await make_zone("Центр", slots=[["10:00", "14:00"], ["12:00", "16:00"]], slot_capacity=1)
    both = await _order(at(MONDAY, "12:00"), at(MONDAY, "13:00"))  # lies in 10–14 and 12–16: counts in 12–16
    found = await delivery_slots(*CENTRE, MONDAY.isoformat(), now=at(MONDAY, "06:00"))
    assert [(s.start, s.taken, s.available) for s in found.slots] == [("10:00", 0, True), ("12:00", 1, False)]
    early = await _order(at(MONDAY, "10:00"), at(MONDAY, "11:00"))  # 10–14 only: its place is free
    later = await _order(at(MONDAY, "13:00"), at(MONDAY, "14:00"))  # in both too: 12–16 is full
    assert [await _kinds(i) for i in (both, early, later)] == [[], [], ["slot_full"]]
    assert (await _problems(later))[0]["params"]["slot"] == "12:00–16:00"
    found = await delivery_slots(*CENTRE, MONDAY.isoformat(), now=at(MONDAY, "06:00"))
    assert [(s.start, s.taken) for s in found.slots] == [("10:00", 1), ("12:00", 2)]


async def test_the_cut_off_of_an_order_in_overlapping_slots_is_its_own_slots():
    await make_zone("Центр", slots=[["10:00", "14:00"], ["12:00", "16:00"]], cutoff_minutes=120)
    order = await _order(at(MONDAY, "12:00"), at(MONDAY, "13:00"))
    await _taken_at(order, at(MONDAY, "09:00"))  # past 10–14's cut-off (08:00), not 12–16's (10:00)
    assert await recheck_order_zone(order) == []
    await _taken_at(order, at(MONDAY, "10:00"))
    (problem,) = await recheck_order_zone(order)
    assert problem["kind"] == "past_cutoff" and problem["params"]["slot"] == "12:00–16:00"
