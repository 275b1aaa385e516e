"""Small problem builders shared by the routing tests."""

from __future__ import annotations

from pathlib import Path

from server.routing import solomon
from server.routing.problem import Problem, Vehicle, Visit
from server.routing.timing import impossible_reason

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture(name: str) -> solomon.SolomonInstance:
    return solomon.read(FIXTURES / f"{name}_25.txt")


def possible_only(problem: Problem) -> Problem:
    """The problem without the visits no vehicle could ever serve (what the solver reports before its search)."""
    return Problem(problem.distances, problem.times,
                   [v for v in problem.visits if impossible_reason(problem, v, set()) is None], problem.vehicles)


def line_problem(positions: list[int], *, windows=None, demands=None, service: int = 60,
                 vehicles: list[Vehicle] | None = None) -> Problem:
    """Depot at 0 on a straight road, visits at `positions` metres; 1 m = 1 s of travel."""
    nodes = [0, *positions]
    n = len(nodes)
    dist = [[abs(nodes[i] - nodes[j]) for j in range(n)] for i in range(n)]
    visits = [Visit(id=f"o{i}", node=i, demand=(demands[i - 1] if demands else 1,), service_s=service,
                    window=windows[i - 1] if windows else (0, 100_000)) for i in range(1, n)]
    fleet = vehicles or [Vehicle(id="c1", capacity=(10,), start_node=0, end_node=0, shift=(0, 100_000))]
    return Problem(distances=dist, times=[row[:] for row in dist], visits=visits, vehicles=fleet)


def van(vid: str, capacity: int = 10, shift=(0, 100_000), fixed=()) -> Vehicle:
    return Vehicle(id=vid, capacity=(capacity,), start_node=0, end_node=0, shift=shift, fixed=tuple(fixed))
