"""A zone's booking limits: the same-day cut-off (minutes before a slot, a local time of day; the instant
is DST-safe) and the orders per slot (counted over the zone's orders of that day and slot, not cancelled);
a slot past the cut-off or full is listed with its reason, an order for a full slot is taken and flagged."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from order_helpers import intake, shop
from zone_helpers import CENTRE, box, make_zone

from server.domain.orders.dto import DeliveryInput
from server.domain.orders.intake import intake_order
from server.domain.orders.status import change_status
from server.domain.orders.tables import Order
from server.domain.stock.tables import Warehouse
from server.domain.zones.assign import reassign_open_orders
from server.domain.zones.availability import delivery_slots
from server.domain.zones.slots import day_slots
from server.domain.zones.window import change_order_window

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2030, 12, 16)
TUESDAY = MONDAY + timedelta(days=1)
SLOTS = [["10:00", "14:00"], ["14:00", "18:00"]]
ZONE = {"id": 1, "name": "Центр", "days": [1, 2, 3, 4, 5, 6, 7], "slots": SLOTS, "min_order": 0,
        "cutoff_minutes": None, "cutoff_time": "", "slot_capacity": None}
NORTH = (56.2, 37.6)


def at(day: date, hhmm: str, tz: ZoneInfo = MSK) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime.combine(day, time(h, m), tz).astimezone(UTC)


def marks(slots) -> list[tuple[str, bool, str | None]]:
    return [(s.start, s.available, s.reason) for s in slots]


def test_a_slot_is_offered_until_its_cut_off_minutes_before_it_starts_and_not_from_then_on():
    zone = {**ZONE, "cutoff_minutes": 120}
    reason, slots = day_slots(zone, MONDAY, MSK, at(MONDAY, "07:59"))
    assert reason is None and marks(slots) == [("10:00", True, None), ("14:00", True, None)]
    assert slots[0].cutoff_utc == at(MONDAY, "08:00") and slots[1].cutoff_utc == at(MONDAY, "12:00")
    _, slots = day_slots(zone, MONDAY, MSK, at(MONDAY, "08:00"))  # the cut-off instant itself: no longer
    assert marks(slots) == [("10:00", False, "cutoff"), ("14:00", True, None)]
    reason, slots = day_slots(zone, MONDAY, MSK, at(MONDAY, "12:30"))  # 10–14 still runs, but is listed as cut off
    assert reason == "no_slots_available" and marks(slots) == [("10:00", False, "cutoff"), ("14:00", False, "cutoff")]
    assert day_slots(zone, MONDAY, MSK, at(MONDAY, "18:00")) == ("no_slots_left", [])  # ended ones: left out


def test_a_cut_off_time_closes_the_days_own_slots_but_not_the_next_days():
    zone = {**ZONE, "cutoff_time": "09:30"}
    _, slots = day_slots(zone, MONDAY, MSK, at(MONDAY, "09:29"))
    assert marks(slots) == [("10:00", True, None), ("14:00", True, None)]
    reason, slots = day_slots(zone, MONDAY, MSK, at(MONDAY, "09:30"))
    assert reason == "no_slots_available" and [s.reason for s in slots] == ["cutoff", "cutoff"]
    reason, tomorrow = day_slots(zone, TUESDAY, MSK, at(MONDAY, "20:00"))
    assert reason is None and all(s.available for s in tomorrow) and tomorrow[0].cutoff_utc == at(TUESDAY, "09:30")
    both = {**zone, "cutoff_minutes": 60}  # the earlier of the two counts
    _, slots = day_slots(both, MONDAY, MSK, at(MONDAY, "09:00"))
    assert [s.cutoff_utc for s in slots] == [at(MONDAY, "09:00"), at(MONDAY, "09:30")]
    assert marks(slots) == [("10:00", False, "cutoff"), ("14:00", True, None)]


def test_the_cut_off_on_a_dst_day_counts_real_minutes_and_the_local_clock():
    spring = date(2030, 3, 31)  # Berlin: 02:00 CET → 03:00 CEST
    zone = {**ZONE, "slots": [["04:00", "08:00"]], "cutoff_minutes": 180}
    _, slots = day_slots(zone, spring, BERLIN, datetime(2030, 3, 30, 22, 59, tzinfo=UTC))
    # 04:00 CEST is 02:00Z; 180 real minutes before it is 23:00Z — 00:00 CET on the local clock, four clock hours
    assert slots[0].start_utc == datetime(2030, 3, 31, 2, 0, tzinfo=UTC)
    assert slots[0].cutoff_utc == datetime(2030, 3, 30, 23, 0, tzinfo=UTC) and slots[0].available
    _, slots = day_slots(zone, spring, BERLIN, datetime(2030, 3, 30, 23, 0, tzinfo=UTC))
    assert marks(slots) == [("04:00", False, "cutoff")]
    autumn = date(2030, 10, 27)  # 03:00 CEST → 02:00 CET: a 25-hour day
    timed = {**ZONE, "slots": [["10:00", "14:00"]], "cutoff_time": "08:00"}
    _, slots = day_slots(timed, autumn, BERLIN, datetime(2030, 10, 27, 6, 59, tzinfo=UTC))
    assert slots[0].cutoff_utc == datetime(2030, 10, 27, 7, 0, tzinfo=UTC) and slots[0].available  # 08:00 CET
    _, slots = day_slots(timed, autumn, BERLIN, datetime(2030, 10, 27, 7, 0, tzinfo=UTC))
    assert marks(slots) == [("10:00", False, "cutoff")]


def test_a_slot_holding_its_capacity_is_full_and_cut_off_comes_first():
    zone = {**ZONE, "slot_capacity": 2, "cutoff_minutes": 60}
    reason, slots = day_slots(zone, MONDAY, MSK, at(MONDAY, "08:00"), [2, 1])
    assert reason is None and marks(slots) == [("10:00", False, "full"), ("14:00", True, None)]
    assert [(s.capacity, s.taken) for s in slots] == [(2, 2), (2, 1)]
    _, slots = day_slots(zone, MONDAY, MSK, at(MONDAY, "09:00"), [2, 1])
    assert marks(slots)[0] == ("10:00", False, "cutoff")
    reason, slots = day_slots(zone, MONDAY, MSK, at(MONDAY, "08:00"), [3, 2])
    assert reason == "no_slots_available" and [s.reason for s in slots] == ["full", "full"]


async def _order(start: datetime | None, end: datetime | None, point: tuple[float, float] = CENTRE) -> int:
    if not await Warehouse.exists():
        await shop(("KEN-250", 50))
    order = intake(("KEN-250", 2))
    order.delivery = DeliveryInput(method="courier", address="Москва, ул. Тверская, д. 1", lat=point[0], lon=point[1],
                                   window_start=start, window_end=end)
    return (await intake_order(order)).order_id


async def _kinds(order_id: int) -> list[str]:
    row = await Order.select(Order.zone_problems, Order.status).where(Order.id == order_id).output(
        load_json=True).first()
    return [p["kind"] for p in row["zone_problems"]]


async def _offer(now: datetime, day: date = MONDAY):
    return await delivery_slots(*CENTRE, day.isoformat(), now=now)


async def test_the_count_takes_the_zones_orders_of_that_day_and_slot_and_not_cancelled_ones():
    await make_zone("Центр", slots=SLOTS, slot_capacity=2)
    await make_zone("Север", geometry=box(*NORTH), slots=SLOTS)
    now = at(MONDAY, "06:00")
    first = await _order(at(MONDAY, "10:00"), at(MONDAY, "12:00"))
    await _order(at(MONDAY, "14:00"), at(MONDAY, "15:00"))  # the other slot
    for _ in range(3):
        await _order(at(MONDAY, "10:00"), at(MONDAY, "12:00"), point=NORTH)  # another zone
    await _order(at(TUESDAY, "10:00"), at(TUESDAY, "12:00"))  # another day
    await _order(at(MONDAY, "00:00"), at(TUESDAY, "00:00"))  # some time that day: in no slot
    found = await _offer(now)
    assert [(s.start, s.taken, s.available) for s in found.slots] == [("10:00", 1, True), ("14:00", 1, True)]
    second = await _order(at(MONDAY, "11:00"), at(MONDAY, "14:00"))
    found = await _offer(now)
    assert found.reason is None and marks(found.slots) == [("10:00", False, "full"), ("14:00", True, None)]
    await change_status(first, "cancelled", actor="test")
    found = await _offer(now)
    assert [(s.start, s.taken, s.available) for s in found.slots] == [("10:00", 1, True), ("14:00", 1, True)]
    assert await _kinds(second) == []


async def test_an_order_for_a_full_slot_is_taken_and_flagged_and_moving_it_clears_the_flag():
    await make_zone("Центр", slots=SLOTS, slot_capacity=1)
    first = await _order(at(MONDAY, "10:00"), at(MONDAY, "14:00"))
    late = await _order(at(MONDAY, "12:00"), at(MONDAY, "13:00"))
    row = await Order.select(Order.status, Order.zone_problems).where(Order.id == late).output(load_json=True).first()
    assert row["status"] == "new"  # taken, never refused
    assert row["zone_problems"] == [{"kind": "slot_full", "msgid": row["zone_problems"][0]["msgid"],
                                     "params": {"slot": "10:00–14:00", "date": "16.12.2030", "capacity": 1}}]
    assert await _kinds(first) == []
    await reassign_open_orders()  # checked again: the same order keeps the flag, the first one none
    assert (await _kinds(first), await _kinds(late)) == ([], ["slot_full"])
    problems = await change_order_window(late, MONDAY.isoformat(), "14:00", "16:00", actor="test")
    assert problems == [] and await _kinds(late) == []


async def test_a_zone_without_a_capacity_counts_nothing_and_is_never_full():
    await make_zone("Центр", slots=SLOTS)
    for _ in range(3):
        last = await _order(at(MONDAY, "10:00"), at(MONDAY, "12:00"))
    found = await _offer(at(MONDAY, "06:00"))
    assert all(s.available and s.capacity is None for s in found.slots) and await _kinds(last) == []


async def test_when_an_order_leaves_a_full_slot_the_next_one_fits_and_one_moved_in_pushes_the_last_out():
    await make_zone("Центр", slots=SLOTS, slot_capacity=1)
    first = await _order(at(MONDAY, "10:00"), at(MONDAY, "12:00"))
    second = await _order(at(MONDAY, "10:00"), at(MONDAY, "12:00"))
    third = await _order(at(MONDAY, "11:00"), at(MONDAY, "12:00"))
    assert [await _kinds(i) for i in (first, second, third)] == [[], ["slot_full"], ["slot_full"]]
    await change_status(first, "cancelled", actor="test")  # its place is free: the next order by number fits
    assert [await _kinds(i) for i in (second, third)] == [[], ["slot_full"]]
    await change_order_window(second, MONDAY.isoformat(), "14:00", "16:00", actor="test")  # leaves 10–14
    assert [await _kinds(i) for i in (second, third)] == [[], []]
    await change_order_window(second, MONDAY.isoformat(), "10:00", "11:00", actor="test")  # back: first by number
    assert [await _kinds(i) for i in (second, third)] == [[], ["slot_full"]]
