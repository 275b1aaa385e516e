"""For shop sites: which zone delivers to a point, at what price and minimum, and which of its slots are
still open on a day (GET /api/v1/delivery/slots). Every input problem is reported at once, nothing is
written. Outside every zone is an answer (zone None and a reason), not an error.

Reasons (`reason`, with an English msgid and params in `message`): "outside_zones", "past_date",
"closed_day", "no_slots_left" (today, every slot has ended), "no_slots_available" (slots are listed but
none can be booked: past the cut-off or full); None when a slot can be booked. Slots that have ended are
left out; the others are listed each with `available` and, when not, its `reason` ("cutoff", "full";
their words in SLOT_REASONS) — zones/limits.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from server.domain.zones.assign import check_point, shop_zone
from server.domain.zones.capacity import slot_counts
from server.domain.zones.index import zone_at
from server.domain.zones.limits import NO_SLOTS_AVAILABLE
from server.domain.zones.slots import CLOSED_DAY, Slot, day_slots
from server.errors import ValidationFailed

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_KOPECKS = 10**13


def _(msgid: str) -> str:
    """Marks a msgid for the translation check; the route translates it into the request's language."""
    return msgid


REASONS = {
    "outside_zones": _("We do not deliver to this point: it is outside every delivery zone"),
    "past_date": _("The date %(date)s has passed: choose today or a later day"),
    "no_slots_left": _("Every delivery slot of %(date)s has ended: choose a later day"),
    "no_slots_available": NO_SLOTS_AVAILABLE,
}


def current_time() -> datetime:
    """Now, for the slots on offer (the tests put their own moment here)."""
    return datetime.now(UTC)


@dataclass
class DaySlots:
    day: date
    timezone: str
    zone: dict | None = None  # {"id", "name"}
    price: int | None = None  # kopecks
    minimum: int | None = None
    total: int | None = None
    reaches_minimum: bool | None = None  # None: no total given, or no zone
    reason: str | None = None
    msgid: str | None = None
    params: dict = field(default_factory=dict)
    slots: list[Slot] = field(default_factory=list)


def _day(text: object, problems: list[ValidationFailed]) -> date | None:
    value = str(text or "").strip()
    try:
        if DATE.match(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    problems.append(ValidationFailed("The date is written as YYYY-MM-DD, e.g. 2026-12-08", field="date"))
    return None


def _total(text: object | None, problems: list[ValidationFailed]) -> int | None:
    if text is None or str(text).strip() == "":
        return None
    try:
        amount = Decimal(str(text).strip().replace(",", "."))
        if amount.is_finite() and 0 <= amount < MAX_KOPECKS // 100 and amount == amount.quantize(Decimal("0.01")):
            return int(amount * 100)
    except InvalidOperation:
        pass
    problems.append(ValidationFailed("The total is a sum in roubles with at most two decimals, e.g. 1500 or 899.90",
                                     field="total"))
    return None


async def delivery_slots(lat: object, lon: object, day: object, total: object | None = None, *,
                         now: datetime | None = None) -> DaySlots:
    """The zone at (lat, lon) and its slots on the local `day` (YYYY-MM-DD); `total` in roubles, optional.
    Raises ValidationFailed (every problem, with its field) for bad input."""
    problems: list[ValidationFailed] = []
    point = None
    try:
        point = check_point(lat, lon)
    except ValidationFailed as exc:
        problems += exc.problems or [exc]
    local_day = _day(day, problems)
    kopecks = _total(total, problems)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationFailed("The request has %(n)s problems", problems=problems, n=len(problems))
    assert point is not None and local_day is not None
    tz = shop_zone()
    answer = DaySlots(day=local_day, timezone=tz.key, total=kopecks)
    zone = await zone_at(point[0], point[1], None)
    if zone is None:
        answer.reason, answer.msgid = "outside_zones", REASONS["outside_zones"]
        return answer
    answer.zone = {"id": zone["id"], "name": zone["name"]}
    answer.price, answer.minimum = zone["delivery_price"], zone["min_order"]
    if kopecks is not None:
        answer.reaches_minimum = kopecks >= zone["min_order"]
    taken = await slot_counts(zone, local_day, tz)
    reason, slots = day_slots(zone, local_day, tz, now or current_time(), taken)
    answer.slots, answer.reason = slots, reason
    if reason == "closed_day":
        answer.msgid, answer.params = CLOSED_DAY[local_day.isoweekday()], {"zone": zone["name"]}
    elif reason is not None:
        answer.msgid, answer.params = REASONS[reason], {"date": local_day.isoformat()}
    return answer
