"""What the route optimiser is given and what it answers (the issue #5 contract).

Units: distances in metres (Solomon instances: scaled integer units, see solomon.py), times in seconds
counted from the problem's origin (e.g. midnight of the day, local time — the caller decides), demands in the
units of the matching vehicle capacity component (e.g. grams, cm³).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float


@dataclass(frozen=True)
class Visit:
    """One delivery."""

    id: str                       # e.g. str(order_id)
    node: int                     # index into the matrices
    demand: tuple[int, ...]       # same length as Vehicle.capacity, e.g. (weight_g, volume_cm3)
    service_s: int
    window: tuple[int, int]       # earliest, latest ARRIVAL, seconds since the problem's origin
    allowed_vehicles: tuple[str, ...] = ()   # empty: any vehicle


@dataclass(frozen=True)
class Vehicle:
    id: str                       # e.g. str(courier_id)
    capacity: tuple[int, ...]
    start_node: int
    end_node: int
    shift: tuple[int, int]        # may leave start_node at shift[0]; must be at end_node by shift[1]
    fixed: tuple[str, ...] = ()   # visit ids this vehicle does first, in this order (locked stops)


@dataclass
class Problem:
    distances: list[list[int]]    # metres between nodes
    times: list[list[int]]        # travel seconds between nodes
    visits: list[Visit]
    vehicles: list[Vehicle]


@dataclass
class PlannedVisit:
    visit_id: str
    arrival_s: int
    start_s: int                  # max(arrival, window[0])
    departure_s: int              # start_s + service_s


@dataclass
class PlannedRoute:
    vehicle_id: str
    visits: list[PlannedVisit]
    distance: int
    start_s: int                  # departure from start_node
    end_s: int                    # arrival at end_node
    load: tuple[int, ...]


@dataclass
class Unassigned:
    visit_id: str
    reason: str                   # "window" | "capacity" | "shift" | "no_room"
    detail: str = ""


@dataclass
class Solution:
    routes: list[PlannedRoute]    # only vehicles that got visits
    unassigned: list[Unassigned]  # every visit is in routes or here
    status: str                   # "solved" | "time_limit" | "no_solution"
    wall_s: float
    message: str = ""
    vehicles_used: int = 0
    distance: int = 0             # sum of route distances
    stats: dict = field(default_factory=dict)   # solver details (strategy, phases) for benches and logs
