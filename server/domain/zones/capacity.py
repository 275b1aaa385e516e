"""How many orders a zone's slots already hold (the rule is in zones/limits.py): the orders of the zone,
not cancelled, whose window lies inside the slot on its local day — each in its one slot (limits.home_slot:
of overlapping slots, the one starting latest). Reads only, inside the caller's
transaction (an intake counts what its own transaction sees)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from server.domain.orders.tables import Order
from server.domain.zones.limits import home_slot, slot_full_problem
from server.domain.zones.slots import local_midnight, window_day, zone_slot_list


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def on_day(day: date, tz: ZoneInfo):
    """The orders whose window is on the local day (its start's; its end's when only the end is given)."""
    begin, finish = local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)
    return ((Order.window_start >= begin) & (Order.window_start < finish)) | (
        Order.window_start.is_null() & (Order.window_end > begin) & (Order.window_end <= finish))


async def _windows(zone_id: int, day: date, tz: ZoneInfo, below_id: int | None = None) -> list[tuple]:
    """(start, end) of the zone's orders (not cancelled) on the local day; with below_id, of the orders
    taken before that one."""
    query = Order.select(Order.window_start, Order.window_end).where(
        (Order.delivery_zone_id == zone_id) & (Order.status != "cancelled") & on_day(day, tz))
    if below_id is not None:
        query = query.where(Order.id < below_id)
    return [(_utc(r["window_start"]), _utc(r["window_end"])) for r in await query]


async def slot_counts(zone: dict, day: date, tz: ZoneInfo) -> list[int]:
    """Orders taken for each of the zone's slots on the local day (zones/slots.py zone_slot_list order)."""
    slots = zone_slot_list(zone, day, tz)
    if zone.get("slot_capacity") is None:
        return [0 for _ in slots]
    counts = [0 for _ in slots]
    for start, end in await _windows(zone["id"], day, tz):
        home = home_slot(start, end, slots)
        if home is not None:
            counts[home] += 1
    return counts


async def slot_full(zone: dict, start: datetime | None, end: datetime | None, order_id: int,
                    tz: ZoneInfo) -> dict | None:
    """The "slot_full" problem of the order `order_id` when its slot (limits.home_slot) already held the zone's
    capacity of earlier orders; None otherwise (no capacity, no window, the window in no slot)."""
    day = window_day(start, end, tz)
    if zone.get("slot_capacity") is None or day is None:
        return None
    slots = zone_slot_list(zone, day, tz)
    home = home_slot(start, end, slots)
    if home is None:
        return None
    earlier = await _windows(zone["id"], day, tz, below_id=order_id)
    if sum(1 for a, b in earlier if home_slot(a, b, slots) == home) >= int(zone["slot_capacity"]):
        return slot_full_problem(zone, slots[home], tz)
    return None
