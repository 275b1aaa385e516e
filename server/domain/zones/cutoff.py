"""The "past_cutoff" zone problem (the rule is in zones/limits.py): an order for a slot whose cut-off had
passed at the order's booking moment — when the customer placed it (no later than its intake), or the
manager's latest move of its window (sales_order.window_moved_at). Reads only, inside the caller's
transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from server.domain.orders.tables import Order
from server.domain.zones.limits import home_slot, past_cutoff_problem
from server.domain.zones.slots import window_day, zone_slot_list

CHUNK = 500  # ids per query (SQLite's bound parameters)


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def has_cutoff(zone: dict) -> bool:
    return zone.get("cutoff_minutes") is not None or bool(zone.get("cutoff_time"))


def booked_moment(placed_at: datetime | None, created_at: datetime | None,
                  window_moved_at: datetime | None) -> datetime | None:
    """The booking moment of an order (zones/limits.py): the manager's latest move of its window, else
    the time the customer placed it (the channel's placed_at), never later than its intake."""
    if window_moved_at is not None:
        return _utc(window_moved_at)
    moments = [_utc(m) for m in (placed_at, created_at) if m is not None]
    return min(moments) if moments else None


async def booked_at_many(order_ids: list[int]) -> dict[int, datetime]:
    """order id → its booking moment (`booked_moment`). An order not written yet (its intake is running)
    is left out: its intake passes its moment itself."""
    ids = sorted({int(i) for i in order_ids})
    out: dict[int, datetime] = {}
    for n in range(0, len(ids), CHUNK):
        rows = await Order.select(Order.id, Order.placed_at, Order.created_at, Order.window_moved_at).where(
            Order.id.is_in(ids[n:n + CHUNK]))
        for r in rows:
            moment = booked_moment(r["placed_at"], r["created_at"], r["window_moved_at"])
            if moment is not None:
                out[r["id"]] = moment
    return out


async def booked_at(order_id: int) -> datetime:
    return (await booked_at_many([order_id])).get(order_id) or datetime.now(UTC)


def past_cutoff(zone: dict, start: datetime | None, end: datetime | None, booked: datetime,
                tz: ZoneInfo) -> dict | None:
    """The "past_cutoff" problem of a window booked at `booked`, or None (no cut-off, in time, the window
    in none of its day's slots)."""
    day = window_day(start, end, tz)
    if not has_cutoff(zone) or day is None:
        return None
    slots = zone_slot_list(zone, day, tz)
    home = home_slot(start, end, slots)
    return past_cutoff_problem(zone, slots[home], tz, booked) if home is not None else None
