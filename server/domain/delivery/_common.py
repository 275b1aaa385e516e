"""Shared by the delivery services: the shop's clock (local days and shift times), the service-time
settings, the per-day planning lock, money due on an order, small row helpers."""

from __future__ import annotations

import math
import os
import re
import secrets
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from server.config import get_settings
from server.db import is_sqlite, write_tx
from server.domain.delivery.tables import PlanDay
from server.errors import Conflict, ValidationFailed

HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
FUTURE_SKEW = timedelta(minutes=5)  # a device clock this far ahead is believed; more is clamped to now


def zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def now_utc() -> datetime:
    return datetime.now(UTC)


def local_today() -> date:
    return datetime.now(zone()).date()


def day_origin(day: date) -> datetime:
    """The day's local midnight, as a UTC moment: second 0 of the solver's clock."""
    return datetime.combine(day, time(0, 0), zone()).astimezone(UTC)


def seconds_since(origin: datetime, moment: datetime) -> int:
    return int((moment - origin).total_seconds())


def at_seconds(origin: datetime, seconds: int) -> datetime:
    return origin + timedelta(seconds=int(seconds))


def hhmm_seconds(value: str) -> int:
    """"09:30" → 34200 (seconds after local midnight)."""
    match = HHMM.match(value or "")
    if not match:
        raise ValidationFailed("A time must look like 09:00", field="time")
    return int(match.group(1)) * 3600 + int(match.group(2)) * 60


def local_day_of(moment: datetime) -> date:
    return moment.astimezone(zone()).date()


def _env_seconds(name: str, default: int) -> int:
    raw = (os.environ.get(name) or "").strip()
    return int(raw) if raw.isdigit() else default


def service_seconds(lines: int) -> int:
    """Time at the door: KLADOVKA_DELIVERY_SERVICE_S (default 5 min) + KLADOVKA_DELIVERY_SERVICE_PER_LINE_S
    (default 1 min) per order line."""
    return (_env_seconds("KLADOVKA_DELIVERY_SERVICE_S", 300)
            + _env_seconds("KLADOVKA_DELIVERY_SERVICE_PER_LINE_S", 60) * max(0, int(lines)))


def volume_cm3(length_mm: int, width_mm: int, height_mm: int) -> int:
    return math.ceil((length_mm or 0) * (width_mm or 0) * (height_mm or 0) / 1000)


def device_moment(at: datetime | None) -> datetime:
    """The device's time of an action (offline queues send it later): aware, never in the future."""
    now = now_utc()
    if at is None:
        return now
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise ValidationFailed("The time of an action must be a time zone aware moment", field="at")
    if at > now + FUTURE_SKEW:
        raise ValidationFailed("The time of an action is in the future: check the phone's clock", field="at")
    return min(at.astimezone(UTC), now)


def new_sheet_token() -> str:
    return secrets.token_urlsafe(18)


def roubles(kopecks: int) -> str:
    return f"{kopecks // 100}.{kopecks % 100:02d}"


async def amount_due(order: dict) -> int:
    """What the customer still has to pay, kopecks ≥ 0: server.domain.payments.amount_due when the
    payments context provides it, else total − paid from the order row."""
    try:
        from server.domain.payments import payments as _payments  # type: ignore[attr-defined]
    except ImportError:
        _payments = None
    fn = getattr(_payments, "amount_due", None) if _payments is not None else None
    if fn is not None:
        return int(await fn(order["id"]))
    return max(0, int(order["total"]) - int(order["paid"]))


async def ensure_plan_day(day: date, warehouse_id: int) -> None:
    """The day's PlanDay row exists (made on first use; a concurrent maker is no error)."""
    await PlanDay.raw("INSERT INTO plan_day (day, warehouse, version, updated_at) VALUES ({}, {}, 0, {}) "
                      "ON CONFLICT (day, warehouse) DO NOTHING", day, warehouse_id, now_utc())


async def plan_version(day: date, warehouse_id: int) -> int:
    """The day's planning version."""
    row = await PlanDay.select(PlanDay.version).where(PlanDay.day == day).where(
        PlanDay.warehouse == warehouse_id).first()
    if row is not None:
        return row["version"]
    async with write_tx():
        await ensure_plan_day(day, warehouse_id)
    return 0


async def bump_version(day: date, warehouse_id: int, expected: int | None = None) -> int:
    """Raises the day's version inside the caller's transaction (taking the row lock on PostgreSQL).
    With `expected`, only when the version is still that one — else Conflict: someone changed the day's
    routes meanwhile."""
    if expected is None:
        await ensure_plan_day(day, warehouse_id)
        rows = await PlanDay.raw("UPDATE plan_day SET version = version + 1, updated_at = {} "
                                 "WHERE day = {} AND warehouse = {} RETURNING version", now_utc(), day, warehouse_id)
    else:
        rows = await PlanDay.raw("UPDATE plan_day SET version = version + 1, updated_at = {} "
                                 "WHERE day = {} AND warehouse = {} AND version = {} RETURNING version",
                                 now_utc(), day, warehouse_id, expected)
    if not rows:
        raise Conflict("The routes of this day were changed while the plan was being made: "
                       "look at the new plan and optimise again if needed", field="plan")
    return rows[0]["version"]


def lock_suffix() -> str:
    return "" if is_sqlite() else " FOR UPDATE"
