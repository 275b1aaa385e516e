"""The remaining stops' ETAs from where the courier is now — a pure function (no database, no clock).

The courier leaves the current place at `start`; each stop is reached after the travel time of its leg
(the matrix: OSRM when configured, else the haversine estimate). The ETA is the arrival at the door
(as the solver's `arrival_s`); a courier there before the window opens waits for it, then spends the
stop's service time, then drives on. A stop reached after its window's end is late by that many
seconds (`late_by_s`; 0 when on time or when the stop has no window end).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class StopTimes:
    stop_id: int
    service_s: int
    window_start: datetime | None = None
    window_end: datetime | None = None


@dataclass(frozen=True)
class Projected:
    stop_id: int
    eta: datetime  # arrival at the door
    departure: datetime  # after waiting for the window's start and the service time
    wait_s: int
    late_by_s: int


def project_etas(start: datetime, legs_s: Sequence[int], stops: Sequence[StopTimes]) -> list[Projected]:
    """`legs_s[i]` is the travel time in seconds to `stops[i]` from the place before it (the first one from
    where the courier is at `start`). Returns one Projected per stop, in the same order."""
    if len(legs_s) != len(stops):
        raise ValueError("one travel time per stop is needed")
    out: list[Projected] = []
    clock = start
    for leg, stop in zip(legs_s, stops, strict=True):
        arrival = clock + timedelta(seconds=max(0, int(leg)))
        begin = max(arrival, stop.window_start) if stop.window_start is not None else arrival
        late = int((arrival - stop.window_end).total_seconds()) if stop.window_end is not None else 0
        departure = begin + timedelta(seconds=max(0, int(stop.service_s)))
        out.append(Projected(stop_id=stop.stop_id, eta=arrival, departure=departure,
                             wait_s=int((begin - arrival).total_seconds()), late_by_s=max(0, late)))
        clock = departure
    return out
