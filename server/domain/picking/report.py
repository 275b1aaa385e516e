"""Who picked what and how fast: the picker report for a period.

Per person: pick lists finished and orders packed (on lists they were the picker of), lines done and
units picked, seconds per line — for each line from the previous line's done_at on the same list (or
the list's started_at for the first one) to its own done_at; the median and the average — wrong scans
(every scan result but ok, bin and needs_serial) and their share of all their scans, shortages
reported. Lists, lines and packing count for the list's picker; scans for who scanned; shortages for
who reported them. Moments are those of the device (offline scans keep theirs); [since, until) in UTC.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from server.domain.picking._context import utc
from server.domain.picking.tables import PickList
from server.errors import ValidationFailed

GOOD_SCANS = ("ok", "bin", "needs_serial")


@dataclass
class PickerStats:
    picker: str
    lists: int = 0  # pick lists finished
    orders: int = 0  # orders packed
    lines: int = 0  # pick lines done
    units: int = 0  # units picked on them
    seconds: list[float] = field(default_factory=list, repr=False)
    scans: int = 0
    wrong_scans: int = 0
    shortages: int = 0  # lines reported short
    short_units: int = 0

    @property
    def median_seconds(self) -> float | None:
        return round(statistics.median(self.seconds), 1) if self.seconds else None

    @property
    def average_seconds(self) -> float | None:
        return round(statistics.fmean(self.seconds), 1) if self.seconds else None

    @property
    def wrong_share(self) -> float | None:
        """Wrong scans as a share of all scans (0.0–1.0)."""
        return round(self.wrong_scans / self.scans, 4) if self.scans else None


def _check(since: datetime, until: datetime) -> None:
    if not isinstance(since, datetime) or not isinstance(until, datetime) or since.tzinfo is None \
            or until.tzinfo is None:
        raise ValidationFailed("The period must be given as two moments with their time zone", field="from")
    if until <= since:
        raise ValidationFailed("The end date is before the start date", field="to")


async def _line_times(since: datetime, until: datetime, stats) -> None:
    """Lines done in the period, their units and seconds (the previous line may be done before it)."""
    rows = await PickList.raw(
        "SELECT l.id, l.picker, l.started_at, pl.done_at, pl.picked FROM pick_line pl "
        "JOIN pick_list l ON l.id = pl.pick_list WHERE pl.done_at IS NOT NULL AND l.id IN ("
        "SELECT pick_list FROM pick_line WHERE done_at >= {} AND done_at < {}) ORDER BY l.id, pl.done_at, pl.id",
        since, until)
    previous: dict[int, datetime | None] = {}
    for r in rows:
        done = utc(r["done_at"])
        start = previous.get(r["id"], utc(r["started_at"]))
        previous[r["id"]] = done
        if not since <= done < until:
            continue
        person = stats[r["picker"]]
        person.lines += 1
        person.units += int(r["picked"])
        if start is not None:
            person.seconds.append(max(0.0, (done - start).total_seconds()))


async def picker_report(since: datetime, until: datetime) -> list[PickerStats]:
    """One row per person who picked, scanned or reported in [since, until), by name."""
    _check(since, until)
    stats: dict[str, PickerStats] = defaultdict(lambda: PickerStats(picker=""))
    for r in await PickList.raw("SELECT picker, COUNT(*) AS n FROM pick_list WHERE status = 'done' AND "
                                "finished_at >= {} AND finished_at < {} GROUP BY picker", since, until):
        stats[r["picker"]].lists = int(r["n"])
    for r in await PickList.raw("SELECT l.picker, COUNT(*) AS n FROM pick_list_order o JOIN pick_list l "
                                "ON l.id = o.pick_list WHERE o.packed_at >= {} AND o.packed_at < {} "
                                "GROUP BY l.picker", since, until):
        stats[r["picker"]].orders = int(r["n"])
    await _line_times(since, until, stats)
    good = ", ".join("{}" for _ in GOOD_SCANS)
    for r in await PickList.raw(
            f"SELECT actor, COUNT(*) AS n, SUM(CASE WHEN result IN ({good}) THEN 0 ELSE 1 END) AS wrong "
            "FROM pick_scan WHERE scanned_at >= {} AND scanned_at < {} GROUP BY actor", *GOOD_SCANS, since, until):
        stats[r["actor"]].scans, stats[r["actor"]].wrong_scans = int(r["n"]), int(r["wrong"] or 0)
    for r in await PickList.raw("SELECT reported_by, COUNT(*) AS n, SUM(qty) AS units FROM pick_shortage "
                                "WHERE reported_at >= {} AND reported_at < {} GROUP BY reported_by", since, until):
        stats[r["reported_by"]].shortages, stats[r["reported_by"]].short_units = int(r["n"]), int(r["units"] or 0)
    for name, row in stats.items():
        row.picker = name
    return sorted(stats.values(), key=lambda s: (s.picker.casefold(), s.picker))
