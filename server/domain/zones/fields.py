"""What a delivery zone is made of, checked: every problem of a zone at once, as ValidationFailed with the
field it is about. Used by the zone form and by the GeoJSON import (the same rules for both)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from server.errors import ValidationFailed
from server.routing.zones import parse_geometry, to_geojson

COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_CUTOFF_MINUTES = 7 * 24 * 60  # a week
MAX_CAPACITY = 100_000
MAX_MONEY = 100_000_000_00  # kopecks: a hundred million roubles
ALL_DAYS = [1, 2, 3, 4, 5, 6, 7]
DEFAULT_COLOR = "#3388ff"


@dataclass
class ZoneInput:
    name: str
    geometry: object  # GeoJSON dict or its text
    delivery_price: int = 0  # kopecks
    min_order: int = 0  # kopecks
    days: list[int] = field(default_factory=lambda: list(ALL_DAYS))
    slots: list[list[str]] = field(default_factory=list)  # [["10:00", "14:00"], …] local time
    default_couriers: list[str] = field(default_factory=list)  # usernames
    color: str = DEFAULT_COLOR
    priority: int = 0
    active: bool = True
    warehouse_id: int | None = None
    cutoff_minutes: object = None  # whole minutes before a slot starts; None: no cut-off
    cutoff_time: object = ""  # "14:00" local: from then on the day's own slots are not offered; "": none
    slot_capacity: object = None  # orders per slot; None: no limit


@dataclass
class CheckedZone:
    values: dict  # the DeliveryZone columns
    problems: list[ValidationFailed]


def parse_slots(text: str) -> list[list[str]] | str:
    """"10:00-14:00, 18:00–22:00" → [["10:00", "14:00"], ["18:00", "22:00"]]; the text itself when it is
    not that (check_zone then says why)."""
    slots = []
    for part in re.split(r"[,;\n]+", text or ""):
        part = part.strip()
        if not part:
            continue
        pieces = re.split(r"\s*[-–—]\s*", part)
        if len(pieces) != 2:
            return text
        slots.append([p.strip() for p in pieces])
    return slots


def format_slots(slots: list[list[str]]) -> str:
    return ", ".join(f"{a}–{b}" for a, b in slots)


def parse_list(text: str) -> list[str]:
    """"ivan, petr" → ["ivan", "petr"] (usernames)."""
    return [w for w in re.split(r"[\s,;]+", text or "") if w]


def roubles_to_kopecks(value) -> int | None:
    """300 / 300.5 / "300,50" / "1 500" (roubles) → kopecks; None when it is not such a sum."""
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace("₽", "").replace(",", ".")
    if not text:
        return 0
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        return None
    return int(amount * 100)


def kopecks_to_roubles(kopecks: int) -> int | str:
    """For GeoJSON properties: whole roubles as a number, else a string "300.50" (never a float)."""
    return kopecks // 100 if kopecks % 100 == 0 else f"{kopecks // 100}.{kopecks % 100:02d}"


def _money(value, name: str, problems: list[ValidationFailed]) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_MONEY:
        problems.append(ValidationFailed("The sum must be from 0 to 100 000 000 roubles, e.g. 300 or 299,90",
                                         field=name))
        return 0
    return value


def _days(value, problems: list[ValidationFailed]) -> list[int]:
    if not isinstance(value, list) or not value or not all(
            isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in value):
        problems.append(ValidationFailed("Delivery days are weekdays 1 (Monday) to 7 (Sunday), at least one",
                                         field="days"))
        return list(ALL_DAYS)
    return sorted(set(value))


def _slots(value, problems: list[ValidationFailed]) -> list[list[str]]:
    if isinstance(value, str) or not isinstance(value, list):
        problems.append(ValidationFailed("Time slots are written like 10:00–14:00, 18:00–22:00", field="slots"))
        return []
    out = []
    for slot in value:
        ok = isinstance(slot, list | tuple) and len(slot) == 2 and all(
            isinstance(t, str) and TIME.match(t) for t in slot)
        if not ok:
            problems.append(ValidationFailed("Time slots are written like 10:00–14:00, 18:00–22:00", field="slots"))
            return []
        if slot[0] >= slot[1]:
            problems.append(ValidationFailed("The slot %(slot)s ends before it starts", field="slots",
                                             slot=f"{slot[0]}–{slot[1]}"))
            return []
        out.append([slot[0], slot[1]])
    return sorted(out)


def _whole(value, low: int, high: int) -> int | None | str:
    """None (not given), the whole number, or "bad"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,9}", value.strip()):
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    return "bad"


def _limits(z: ZoneInput, problems: list[ValidationFailed]) -> dict:
    """The zone's booking limits (zones/limits.py): cut-off minutes, cut-off time, orders per slot."""
    minutes = _whole(z.cutoff_minutes, 0, MAX_CUTOFF_MINUTES)
    if minutes == "bad":
        problems.append(ValidationFailed("The cut-off is a whole number of minutes from 0 to 10080 (a week), "
                                         "e.g. 120", field="cutoff_minutes"))
        minutes = None
    capacity = _whole(z.slot_capacity, 1, MAX_CAPACITY)
    if capacity == "bad":
        problems.append(ValidationFailed("The orders per slot are a whole number from 1 to 100000, e.g. 20",
                                         field="slot_capacity"))
        capacity = None
    cutoff = z.cutoff_time if z.cutoff_time is not None else ""
    cutoff = cutoff.strip() if isinstance(cutoff, str) else cutoff
    if cutoff != "" and not (isinstance(cutoff, str) and TIME.match(cutoff.zfill(5))):
        problems.append(ValidationFailed("The cut-off time is written like 14:00", field="cutoff_time"))
        cutoff = ""
    return {"cutoff_minutes": minutes, "cutoff_time": cutoff.zfill(5) if cutoff else "",
            "slot_capacity": capacity}


def check_zone(z: ZoneInput, *, near: tuple[float, float] | None = None) -> CheckedZone:
    """Every problem of the zone (not only the first); the column values when there are none.
    Couriers and the warehouse are checked against the database by the caller."""
    problems: list[ValidationFailed] = []
    name = " ".join(str(z.name or "").split())
    if not name or len(name) > 200:
        problems.append(ValidationFailed("The zone needs a name of 1 to 200 characters", field="name"))
    color = str(z.color or DEFAULT_COLOR).strip()
    if not COLOR.match(color):
        problems.append(ValidationFailed("The colour is written like #3388ff", field="color"))
    geometry: dict = {}
    try:
        geometry = to_geojson(parse_geometry(z.geometry, near=near))
    except ValidationFailed as exc:
        problems += exc.problems or [exc]
    if not isinstance(z.priority, int) or isinstance(z.priority, bool) or not -1000 <= z.priority <= 1000:
        problems.append(ValidationFailed("The priority is a whole number from −1000 to 1000", field="priority"))
    couriers = z.default_couriers if isinstance(z.default_couriers, list) and all(
        isinstance(c, str) and 0 < len(c) <= 64 for c in z.default_couriers) else None
    if couriers is None:
        problems.append(ValidationFailed("Default couriers are a list of logins", field="default_couriers"))
    values = {
        "name": name, "color": color.lower(), "geometry": geometry,
        "delivery_price": _money(z.delivery_price, "delivery_price", problems),
        "min_order": _money(z.min_order, "min_order", problems),
        "days": _days(z.days, problems), "slots": _slots(z.slots, problems),
        "default_couriers": list(dict.fromkeys(couriers or [])), "priority": z.priority,
        "active": bool(z.active), "warehouse": z.warehouse_id, **_limits(z, problems),
    }
    return CheckedZone(values=values, problems=problems)
