"""A zone's booking limits — pure functions, no database (the counts come from zones/capacity.py).

- Same-day cut-off: `cutoff_minutes` (a slot is no longer offered from that many minutes before it starts:
  real minutes, counted on the UTC instant, so a DST change does not move it) and/or `cutoff_time` ("14:00",
  the shop's local time: from then on the slots of that same day are no longer offered). With both, the
  earlier one counts. From the cut-off instant on (inclusive) the slot is "cutoff".
- Capacity: `slot_capacity` orders per slot (None: no limit). A slot holding that many orders (not
  cancelled, of the zone, whose window lies inside the slot on its local day) is "full". An order that
  comes for it all the same is taken and flagged "slot_full" (kept in sales_order.zone_problems like the
  other zone problems): the slot's first `slot_capacity` orders by order number fit, every later one is
  flagged.
- One slot per order (`home_slot`): a window that lies inside several overlapping slots (10–14 and
  12–16 both hold 12:00–13:00) belongs to the one of them that starts latest (of those starting together,
  the one that ends first: the narrowest) — it is counted there only (the count, the slot's `remaining`
  in GET /api/v1/delivery/slots, "slot_full") and its cut-off is that slot's.
- Past the cut-off: an order that comes all the same (site exchange, API, the manager) for a slot whose
  cut-off had passed at the order's *booking moment* is taken and flagged "past_cutoff". The booking
  moment is when the order's current window was set: when the customer placed the order
  (sales_order.placed_at, the channel's own time — an order placed in time on the site that reaches us
  after the cut-off is in time), but never later than its intake (sales_order.created_at, "now" while the
  intake runs: a channel's clock cannot push it later); or the latest time the manager moved it to another
  window (change_order_window; sales_order.window_moved_at) — never the time of a later re-check (its
  lines, the pin, the zones or a neighbour in the slot changed), so an order that was in time when taken
  stays unflagged. Saving the same window again is not a move. Only windows inside one of the day's slots are checked (a whole-day window
  "some time that day" in a zone with slots, a window outside the slots or on a closed day is not), and
  the zone's cut-off as it is at the check (zones/cutoff.py).
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
PAST_CUTOFF = _("The order for the slot %(slot)s on %(date)s came in at %(at)s, after the cut-off at %(cutoff)s")


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


def home_slot(start: datetime | None, end: datetime | None, slots: list[Slot]) -> int | None:
    """The index in `slots` of the one slot the window belongs to (see the module docstring), or None."""
    inside = [n for n, slot in enumerate(slots) if window_in_slot(start, end, slot)]
    if not inside:
        return None
    return max(inside, key=lambda n: (slots[n].start_utc, -slots[n].end_utc.timestamp()))


def _local(moment: datetime, day: date, tz: ZoneInfo) -> str:
    """"13:05" on the slot's local day, "06.12.2030 21:40" on another."""
    here = moment.astimezone(tz)
    return here.strftime("%H:%M") if here.date() == day else here.strftime("%d.%m.%Y %H:%M")


def past_cutoff_problem(zone: dict, slot: Slot, tz: ZoneInfo, booked: datetime) -> dict | None:
    """The "past_cutoff" problem of an order booked at `booked` for the slot, or None (in time, or the
    zone has no cut-off)."""
    day = slot.start_utc.astimezone(tz).date()
    cutoff = cutoff_instant(zone, day, slot.start_utc, tz)
    if cutoff is None or booked < cutoff:
        return None
    return {"kind": "past_cutoff", "msgid": PAST_CUTOFF,
            "params": {"slot": f"{slot.start}–{slot.end}", "date": day.strftime("%d.%m.%Y"),
                       "at": _local(booked, day, tz), "cutoff": _local(cutoff, day, tz)}}


def slot_full_problem(zone: dict, slot: Slot, tz: ZoneInfo) -> dict:
    return {"kind": "slot_full", "msgid": SLOT_FULL,
            "params": {"slot": f"{slot.start}–{slot.end}", "date": slot.start_utc.astimezone(tz).strftime("%d.%m.%Y"),
                       "capacity": zone.get("slot_capacity")}}


def order_day(start: datetime | None, end: datetime | None, tz: ZoneInfo) -> date | None:
    return window_day(start, end, tz)
