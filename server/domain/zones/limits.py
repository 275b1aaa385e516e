"""A zone's booking limits — pure functions, no database (the counts come from zones/capacity.py).

- Same-day cut-off: `cutoff_minutes` (a slot is no longer offered from that many minutes before it starts:
  real minutes, counted on the UTC instant, so a DST change does not move it) and/or `cutoff_time` ("14:00",
  the shop's local time: from then on the slots of that same day are no longer offered). With both, the
  earlier one counts. From the cut-off instant on (inclusive) the slot is "cutoff".
- Capacity: `slot_capacity` orders per slot (None: no limit). A slot holding that many orders (not
  cancelled, of the zone, whose window lies inside the slot on its local day) is "full". An order that
  comes for it all the same is taken and flagged "slot_full" (kept in sales_order.zone_problems like the
  other zone problems): the slot's first `slot_capacity` orders by order number fit, every later one is
  flagged. A window that lies inside two overlapping slots counts in both.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from server.domain.zones.slots import Slot, _hhmm, window_day


def _(msgid: str) -> str:
    """Marks a msgid for the translation check; it is translated where it is shown."""
    return msgid


SLOT_REASONS = {
    "cutoff": _("Orders for this slot are no longer taken: the cut-off has passed"),
    "full": _("This slot is full"),
}
NO_SLOTS_AVAILABLE = _("No delivery slot of %(date)s can be booked any more: choose a later day")
SLOT_FULL = _("The slot %(slot)s on %(date)s is full: the zone takes %(capacity)s orders per slot")


def cutoff_instant(zone: dict, day: date, start_utc: datetime, tz: ZoneInfo) -> datetime | None:
    """The instant from which a slot of the local `day` starting at `start_utc` is no longer offered."""
    found = []
    minutes = zone.get("cutoff_minutes")
    if minutes is not None:
        found.append(start_utc - timedelta(minutes=int(minutes)))
    if zone.get("cutoff_time"):
        found.append(datetime.combine(day, _hhmm(zone["cutoff_time"]), tz).astimezone(UTC))
    return min(found) if found else None


def mark_slot(zone: dict, day: date, slot: Slot, tz: ZoneInfo, now: datetime, taken: int) -> Slot:
    """The slot marked available or not ("cutoff" before "full"), with its cut-off, capacity and count."""
    cutoff = cutoff_instant(zone, day, slot.start_utc, tz)
    capacity = zone.get("slot_capacity")
    reason = None
    if cutoff is not None and now >= cutoff:
        reason = "cutoff"
    elif capacity is not None and taken >= int(capacity):
        reason = "full"
    return replace(slot, available=reason is None, reason=reason, cutoff_utc=cutoff,
                   capacity=int(capacity) if capacity is not None else None, taken=taken)


def window_in_slot(start: datetime | None, end: datetime | None, slot: Slot) -> bool:
    """The window (one end given: that moment) lies inside the slot."""
    first, last = start or end, end or start
    return first is not None and last is not None and slot.start_utc <= first and last <= slot.end_utc


def slot_full_problem(zone: dict, slot: Slot, tz: ZoneInfo) -> dict:
    return {"kind": "slot_full", "msgid": SLOT_FULL,
            "params": {"slot": f"{slot.start}–{slot.end}", "date": slot.start_utc.astimezone(tz).strftime("%d.%m.%Y"),
                       "capacity": zone.get("slot_capacity")}}


def order_day(start: datetime | None, end: datetime | None, tz: ZoneInfo) -> date | None:
    return window_day(start, end, tz)
