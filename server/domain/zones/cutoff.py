"""The "past_cutoff" zone problem (the rule is in zones/limits.py): an order for a slot whose cut-off had
passed at the order's booking moment — its intake, or the manager's latest move of its window. Reads only,
inside the caller's transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from server.domain.audit.tables import AuditEntry
from server.domain.orders.tables import Order
from server.domain.zones.limits import home_slot, past_cutoff_problem
from server.domain.zones.slots import window_day, zone_slot_list

CHUNK = 500  # ids per query (SQLite's bound parameters)


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def has_cutoff(zone: dict) -> bool:
    return zone.get("cutoff_minutes") is not None or bool(zone.get("cutoff_time"))


def _moved(changes: dict) -> bool:
    """The "order.window" audit entry changed the window (saving the same window again is no move)."""
    return any(isinstance(changes.get(f), dict) and changes[f].get("old") != changes[f].get("new")
               for f in ("window_start", "window_end"))


async def booked_at_many(order_ids: list[int]) -> dict[int, datetime]:
    """order id → its booking moment: the latest move of its window by the manager, else its intake
    (created_at). An order not written yet (its intake is running) is left out: its moment is now."""
    ids = sorted({int(i) for i in order_ids})
    out: dict[int, datetime] = {}
    for n in range(0, len(ids), CHUNK):
        chunk = ids[n:n + CHUNK]
        found = {r["id"]: _utc(r["created_at"]) for r in await Order.select(Order.id, Order.created_at).where(
            Order.id.is_in(chunk))}
        if not found:
            continue
        moves = await AuditEntry.select(AuditEntry.entity_id, AuditEntry.at, AuditEntry.changes).where(
            (AuditEntry.entity == "order") & (AuditEntry.action == "order.window")
            & AuditEntry.entity_id.is_in([str(i) for i in found])).output(load_json=True)
        for m in moves:
            order_id, at = int(m["entity_id"]), _utc(m["at"])
            if _moved(m["changes"] or {}) and at is not None and at > found[order_id]:
                found[order_id] = at
        out.update(found)
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
