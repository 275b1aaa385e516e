"""The picker report: lists, orders, lines and units per picker, seconds per line (median and average) from
the device's scan times, wrong scans and their share, shortages reported."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from picking_helpers import confirmed_order, floor, scan

from server.domain.picking.lists import create_pick_list
from server.domain.picking.packing import complete_pick_list
from server.domain.picking.report import picker_report
from server.domain.picking.shortages import report_shortage
from server.domain.picking.tables import PickLine
from server.errors import ValidationFailed


async def test_seconds_per_line_wrong_scans_and_shortages_per_picker():
    f = await floor()
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    order = await confirmed_order(("KEN-250", 2), ("GR-1", 1), ("KEN-250-M", 1))
    pick_list = await create_pick_list([order], actor="manager", picker="anna")
    at = {"scanned_at": None}

    async def scan_at(seconds: int, code: str, **extra):
        at["scanned_at"] = t0 + timedelta(seconds=seconds)
        return await scan(pick_list, code, actor="anna", scanned_at=at["scanned_at"], **extra)

    await scan_at(0, f.codes["KEN-250"])  # the list starts here
    assert (await scan_at(5, "4600000000000")).result == "unknown"
    await scan_at(10, f.codes["KEN-250"])  # line 1 done: 10 s
    await scan_at(40, f.codes["GR-1"], serial="SN-1")  # line 2: 30 s
    await scan_at(100, f.codes["KEN-250-M"])  # line 3: 60 s
    assert (await complete_pick_list(pick_list, actor="anna")).list_done
    other = await confirmed_order(("KEN-250", 1))
    ivan_list = await create_pick_list([other], actor="manager", picker="ivan")
    line = (await PickLine.select(PickLine.id).where(PickLine.pick_list == ivan_list).first())["id"]
    await report_shortage(ivan_list, line, 1, actor="ivan")

    rows = await picker_report(t0 - timedelta(hours=1), datetime.now(UTC) + timedelta(minutes=1))
    assert [r.picker for r in rows] == ["anna", "ivan"]
    anna, ivan = rows
    assert (anna.lists, anna.orders, anna.lines, anna.units) == (1, 1, 3, 4)
    assert anna.seconds == [10.0, 30.0, 60.0]
    assert (anna.median_seconds, anna.average_seconds) == (30.0, 33.3)
    assert (anna.scans, anna.wrong_scans, anna.wrong_share) == (5, 1, 0.2)
    assert (anna.shortages, anna.short_units) == (0, 0)
    assert (ivan.lists, ivan.orders, ivan.lines, ivan.units, ivan.scans) == (0, 0, 1, 0, 0)
    assert (ivan.shortages, ivan.short_units, ivan.wrong_share) == (1, 1, None)
    # the period only: the second half of anna's walk
    later = await picker_report(t0 + timedelta(seconds=20), t0 + timedelta(seconds=120))
    assert [(r.picker, r.lines, r.seconds, r.scans) for r in later] == [("anna", 2, [30.0, 60.0], 2)]
    assert await picker_report(t0 - timedelta(hours=3), t0 - timedelta(hours=2)) == []


async def test_a_period_must_be_two_aware_moments_in_order():
    now = datetime.now(UTC)
    with pytest.raises(ValidationFailed):
        await picker_report(now, now - timedelta(days=1))
    with pytest.raises(ValidationFailed):
        await picker_report(now.replace(tzinfo=None), now)
