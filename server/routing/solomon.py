"""Solomon VRPTW benchmark files → Problem.

Integer model: distances and times are the Euclidean distance × SCALE (distances rounded, travel times
rounded UP so that a schedule feasible in integers is feasible in exact doubles too); ready/due times and
service times × SCALE. Visit ids are the customer numbers; vehicles "v1"… with the file's capacity, all
starting and ending at the depot (row 0), shift = [0, depot due date]. `euclidean_length` gives the exact
(unrounded) length of routes for reporting against best-known solutions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from server.routing.problem import Problem, Vehicle, Visit

SCALE = 1000


class SolomonFormatError(ValueError):
    pass


@dataclass
class SolomonInstance:
    name: str
    vehicles: int
    capacity: int
    coords: list[tuple[float, float]]   # row 0 = depot
    demand: list[int]
    ready: list[int]
    due: list[int]
    service: list[int]
    numbers: list[int]                  # customer numbers as in the file (row 0 = depot)

    def euclid(self, a: int, b: int) -> float:
        (x1, y1), (x2, y2) = self.coords[a], self.coords[b]
        return math.hypot(x1 - x2, y1 - y2)


def parse(text: str, *, limit: int | None = None) -> SolomonInstance:
    """Parse the file text; limit keeps only the first `limit` customers (small test fixtures)."""
    lines = [ln.strip() for ln in text.replace("\r", "").split("\n")]
    lines = [ln for ln in lines if ln]
    if not lines:
        raise SolomonFormatError("empty file")
    name = lines[0]
    try:
        v_at = next(i for i, ln in enumerate(lines) if ln.upper().startswith("VEHICLE"))
        number, capacity = (int(x) for x in lines[v_at + 2].split()[:2])
        c_at = next(i for i, ln in enumerate(lines) if ln.upper().startswith("CUSTOMER"))
    except (StopIteration, ValueError, IndexError) as exc:
        raise SolomonFormatError("no VEHICLE block with NUMBER and CAPACITY, or no CUSTOMER table") from exc
    rows = []
    for ln in lines[c_at + 1:]:
        parts = ln.split()
        if not parts or not parts[0].lstrip("-").isdigit():
            continue   # the column header
        if len(parts) < 7:
            raise SolomonFormatError(f"customer row with {len(parts)} fields, expected 7: {ln!r}")
        try:
            rows.append((int(parts[0]), float(parts[1]), float(parts[2]), *(int(float(x)) for x in parts[3:7])))
        except ValueError as exc:
            raise SolomonFormatError(f"not a number in customer row {ln!r}") from exc
    if not rows:
        raise SolomonFormatError("no customers")
    if limit is not None:
        rows = rows[:limit + 1]
    return SolomonInstance(
        name=name, vehicles=number, capacity=capacity, coords=[(r[1], r[2]) for r in rows],
        demand=[r[3] for r in rows], ready=[r[4] for r in rows], due=[r[5] for r in rows],
        service=[r[6] for r in rows], numbers=[r[0] for r in rows])


def read(path: str | Path, *, limit: int | None = None) -> SolomonInstance:
    return parse(Path(path).read_text(encoding="utf-8", errors="replace"), limit=limit)


def to_problem(inst: SolomonInstance, *, vehicles: int | None = None) -> Problem:
    n = len(inst.coords)
    dist = [[0] * n for _ in range(n)]
    time = [[0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            if i != j:
                e = inst.euclid(i, j) * SCALE
                dist[i][j] = round(e)
                time[i][j] = math.ceil(e - 1e-9)
    visits = [Visit(id=str(inst.numbers[i]), node=i, demand=(inst.demand[i],), service_s=inst.service[i] * SCALE,
                    window=(inst.ready[i] * SCALE, inst.due[i] * SCALE)) for i in range(1, n)]
    fleet = [Vehicle(id=f"v{k + 1}", capacity=(inst.capacity,), start_node=0, end_node=0,
                     shift=(inst.ready[0] * SCALE, inst.due[0] * SCALE))
             for k in range(vehicles if vehicles is not None else inst.vehicles)]
    return Problem(distances=dist, times=time, visits=visits, vehicles=fleet)


def euclidean_length(inst: SolomonInstance, routes: list[list[int]]) -> float:
    """Exact length of routes given as customer numbers (depot to depot), in the file's units."""
    row = {num: i for i, num in enumerate(inst.numbers)}
    total = 0.0
    for route in routes:
        path = [0, *(row[c] for c in route), 0]
        total += sum(inst.euclid(a, b) for a, b in zip(path, path[1:], strict=False))
    return total
