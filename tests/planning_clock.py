"""Tests of a day's delivery plan that run at any hour of the day.

Planning *today* starts each courier's shift at the current time (nobody can deliver in the past), so after
18:00 shop time every test order (windows 10:00–18:00 today) would be impossible and the tests would pass
only in office hours. Here the planning clock is no later than 09:00 shop time today — earlier real times
pass through unchanged. Only the clock the plan is built with moves; publishing, statuses and the rest keep
the real time. In-process tests take the `morning_planning` fixture (import it into the test module: it is
autouse there); browser tests serve `morning_app:app` (tests/morning_app.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from server.config import get_settings
from server.domain.delivery import planning


def morning(now: datetime) -> datetime:
    zone = ZoneInfo(get_settings().timezone)
    nine = datetime.combine(now.astimezone(zone).date(), time(9), tzinfo=zone).astimezone(UTC)
    return min(now, nine)


def _with_morning_clock(collect):
    if getattr(collect, "morning_clock", False):
        return collect

    async def morning_collect(day, warehouse_id, *, now, **kwargs):
        return await collect(day, warehouse_id, now=morning(now), **kwargs)

    morning_collect.morning_clock = True
    return morning_collect


def install() -> None:
    """Plan with the morning clock in this process (idempotent)."""
    planning.collect = _with_morning_clock(planning.collect)


@pytest.fixture(autouse=True)
def morning_planning(monkeypatch):
    monkeypatch.setattr(planning, "collect", _with_morning_clock(planning.collect))
