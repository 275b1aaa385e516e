"""When a zone delivers, checked against an order's day, window and sum — pure functions, no database.

A zone's `days` are ISO weekdays (1 = Monday … 7 = Sunday) and its `slots` (["10:00", "14:00"]) are
local times of the shop (KLADOVKA_TIMEZONE) on the day of delivery. Order windows are stored in UTC.
A slot becomes two UTC instants on one local day through zoneinfo (a DST change moves them with the
clock); a window is read in local time to find its day.

An order's problems against its zone (kept in `sales_order.zone_problems`; an order is never refused
for them — it is taken and the manager sees why):
- "closed_day": the window's local day (of its start; of its end when only the end is given) is not one
  of the zone's days;
- "outside_slots": the window does not fall inside one of that day's slots (start ≥ slot start and
  end ≤ slot end). A zone without slots delivers at any time. A window of a whole local day (midnight
  to midnight: "some time that day", as the phone order form makes it) is checked for its day only;
- "below_minimum": the goods less discounts are below the zone's minimum order;
- "slot_full": the slot the window lies in already held the zone's `slot_capacity` of earlier orders
  (zones/limits.py, counted by zones/capacity.py; added by assign.problems_for, not here);
- "past_cutoff": the slot's same-day cut-off had passed when the order was booked (its intake, or the
  manager's move of its window: zones/limits.py, zones/cutoff.py; added by assign.problems_for).
An order without a window is checked for the minimum only. Each problem is {"kind", "msgid",
"params"}; the msgid is English with %(name)s params (formatted here, Russian style for money),
translated where it is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def _(msgid: str) -> str:
    """Marks a msgid for the translation check; it is translated where the problem is shown."""
    return msgid


CLOSED_DAY = {
    1: _("Zone «%(zone)s» does not deliver on Mondays"),
    2: _("Zone «%(zone)s» does not deliver on Tuesdays"),
    3: _("Zone «%(zone)s» does not deliver on Wednesdays"),
    4: _("Zone «%(zone)s» does not deliver on Thursdays"),
    5: _("Zone «%(zone)s» does not deliver on Fridays"),
    6: _("Zone «%(zone)s» does not deliver on Saturdays"),
    7: _("Zone «%(zone)s» does not deliver on Sundays"),
}
OUTSIDE_SLOTS = _("The window %(window)s is outside the zone's slots (%(slots)s)")
BELOW_MINIMUM = _("The order total %(total)s is below the zone's minimum (%(minimum)s)")
KINDS = ("closed_day", "outside_slots", "below_minimum", "slot_full", "past_cutoff")  # the last two: zones/limits.py


@dataclass(frozen=True)
class Slot:
    start: str  # "10:00", local
    end: str
    start_utc: datetime
    end_utc: datetime
    available: bool = True  # False: past the zone's cut-off or full (zones/limits.py)
    reason: str | None = None  # "cutoff", "full"
    cutoff_utc: datetime | None = None  # from this instant on the slot is no longer offered
    capacity: int | None = None  # orders per slot; None: no limit
    taken: int = 0  # orders already taken for the slot (not cancelled)


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def slot_instants(day: date, slot: Sequence[str], tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where the slot ["10:00", "14:00"] begins and ends on the local `day`."""
    return (datetime.combine(day, _hhmm(slot[0]), tz).astimezone(UTC),
            datetime.combine(day, _hhmm(slot[1]), tz).astimezone(UTC))


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tz).astimezone(UTC)


def window_day(start: datetime | None, end: datetime | None, tz: ZoneInfo) -> date | None:
    """The local day of a window (its start's, else its end's); None without a window."""
    moment = start or end
    return moment.astimezone(tz).date() if moment is not None else None


def is_whole_day(start: datetime | None, end: datetime | None, tz: ZoneInfo) -> bool:
    """The window is exactly one local day, midnight to midnight."""
    if start is None or end is None:
        return False
    day = start.astimezone(tz).date()
    return start == local_midnight(day, tz) and end == local_midnight(day + timedelta(days=1), tz)


def window_in_slots(start: datetime | None, end: datetime | None, slots: Sequence[Sequence[str]],
                    tz: ZoneInfo) -> bool:
    """The window lies inside one slot of its local day (a window with one end given: that moment does)."""
    day = window_day(start, end, tz)
    if day is None or not slots:
        return True
    first, last = start or end, end or start
    assert first is not None and last is not None
    for slot in slots:
        begin, finish = slot_instants(day, slot, tz)
        if begin <= first and last <= finish:
            return True
    return False


def local_window(start: datetime | None, end: datetime | None, tz: ZoneInfo) -> dict:
    """{"date", "from", "to"} of a window in local time, for a form ("" when unset; a whole day has no times)."""
    if start is None and end is None:
        return {"date": "", "from": "", "to": ""}
    first = (start if start is not None else end).astimezone(tz)  # type: ignore[union-attr]
    if is_whole_day(start, end, tz):
        return {"date": first.date().isoformat(), "from": "", "to": ""}
    return {"date": first.date().isoformat(), "from": start.astimezone(tz).strftime("%H:%M") if start else "",
            "to": end.astimezone(tz).strftime("%H:%M") if end else ""}


def format_slots(slots: Sequence[Sequence[str]]) -> str:
    return ", ".join(f"{a}–{b}" for a, b in slots)


def format_window(start: datetime | None, end: datetime | None, tz: ZoneInfo) -> str:
    """"22:00–23:00" in local time (with the dates when the window crosses midnight)."""
    if start is None or end is None:
        moment = start or end
        return moment.astimezone(tz).strftime("%H:%M") if moment is not None else ""
    a, b = start.astimezone(tz), end.astimezone(tz)
    if a.date() == b.date():
        return f"{a:%H:%M}–{b:%H:%M}"
    return f"{a:%d.%m %H:%M} – {b:%d.%m %H:%M}"


def format_roubles(kopecks: int) -> str:
    """150000 → "1 500 ₽", 89990 → "899,90 ₽" (no-break spaces)."""
    whole, cents = divmod(abs(int(kopecks)), 100)
    text = f"{whole:,}".replace(",", "\u00a0") + (f",{cents:02d}" if cents else "")
    return f"{'-' if kopecks < 0 else ''}{text}\u00a0₽"


def zone_problems(zone: dict, start: datetime | None, end: datetime | None, goods: int,
                  tz: ZoneInfo) -> list[dict]:
    """What does not fit the zone (see the module docstring); [] when everything does."""
    problems: list[dict] = []
    day = window_day(start, end, tz)
    days = list(zone.get("days") or [])
    slots = [list(s) for s in zone.get("slots") or []]
    if day is not None and day.isoweekday() not in days:
        problems.append({"kind": "closed_day", "msgid": CLOSED_DAY[day.isoweekday()],
                         "params": {"zone": zone["name"]}})
    elif day is not None and slots and not is_whole_day(start, end, tz) and not window_in_slots(
            start, end, slots, tz):
        problems.append({"kind": "outside_slots", "msgid": OUTSIDE_SLOTS,
                         "params": {"window": format_window(start, end, tz), "slots": format_slots(slots)}})
    minimum = int(zone.get("min_order") or 0)
    if goods < minimum:
        problems.append({"kind": "below_minimum", "msgid": BELOW_MINIMUM,
                         "params": {"total": format_roubles(goods), "minimum": format_roubles(minimum)}})
    return problems


def day_slots(zone: dict, day: date, tz: ZoneInfo, now: datetime,
              taken: Sequence[int] | None = None) -> tuple[str | None, list[Slot]]:
    """(reason, slots) of the zone on the local `day` for a customer choosing now: a reason
    ("past_date", "closed_day", "no_slots_left") and no slots, or the slots that have not ended yet —
    each marked available or not (past the cut-off, full: zones/limits.py; `taken` is the count of
    orders per slot of `zone_slot_list`) — and None, or "no_slots_available" when none of them is.
    A zone without slots offers the whole day as one slot, 00:00–24:00."""
    from server.domain.zones.limits import mark_slot

    today = now.astimezone(tz).date()
    if day < today:
        return "past_date", []
    if day.isoweekday() not in list(zone.get("days") or []):
        return "closed_day", []
    found = [mark_slot(zone, day, slot, tz, now, (taken or [])[n] if n < len(taken or []) else 0)
             for n, slot in enumerate(zone_slot_list(zone, day, tz))]
    found = [s for s in found if s.end_utc > now]
    if not found:
        return "no_slots_left", []
    return (None if any(s.available for s in found) else "no_slots_available"), found


def zone_slot_list(zone: dict, day: date, tz: ZoneInfo) -> list[Slot]:
    """The zone's slots on the local `day` (every one, ended or not; a zone without slots: the whole day)."""
    slots = [list(s) for s in zone.get("slots") or []]
    if not slots:
        return [Slot("00:00", "24:00", local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz))]
    return [Slot(slot[0], slot[1], *slot_instants(day, slot, tz)) for slot in slots]
