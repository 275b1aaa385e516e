"""SISR fleet minimisation in C (server.routing.sisr.minimise): from one route per stop to the optimal vehicle
count on the 25-stop fixtures, every stop once, each route feasible by the independent checker; the lower bound
stops it; bad starts are refused (generated mixed fleets: test_routing_sisr.py)."""

from __future__ import annotations

import pytest
from checker import check_solution
from helpers import fixture
from test_routing_sisr import _solution

from server.routing import sisr, solomon, vrp
from server.routing.ormodel import Instance
from server.routing.problem import Problem, Vehicle, Visit

pytestmark = pytest.mark.db_free


@pytest.mark.parametrize(("name", "optimal_routes"), [("R101", 8), ("RC101", 4), ("C101", 3)])
def test_from_one_route_per_stop_to_the_optimal_vehicle_count(name, optimal_routes):
    # the 25-stop Solomon fixtures' optima use 8, 4 and 3 vehicles; 25 routes in, one stop each
    problem = solomon.to_problem(fixture(name), vehicles=25)
    inst = Instance(problem, list(range(25)), {})
    vehicles = list(range(25))
    notes: list[str] = []
    routes = sisr.minimise(inst, vehicles, [[n] for n in range(25)], None, iterations=40_000, notes=notes)
    assert routes is not None, notes
    assert len(routes) == 25 and sorted(n for r in routes for n in r) == list(range(25))
    assert sum(1 for r in routes if r) == optimal_routes, notes
    assert check_solution(problem, _solution(problem, inst, vehicles, routes)) == []


def test_same_seed_same_answer_and_the_lower_bound_stops_the_search():
    problem = solomon.to_problem(fixture("R101"), vehicles=25)
    inst = Instance(problem, list(range(25)), {})
    start = [[n] for n in range(25)]
    a = sisr.minimise(inst, list(range(25)), start, None, iterations=5_000, seed=3)
    b = sisr.minimise(inst, list(range(25)), start, None, iterations=5_000, seed=3)
    assert a is not None and a == b
    # told that 20 routes is the least possible, it stops at its first complete answer on 20 or fewer (one
    # step may empty several one-stop routes), long before the 5,000 steps that reach far fewer
    notes: list[str] = []
    twenty = sisr.minimise(inst, list(range(25)), start, None, iterations=5_000, seed=3, min_routes=20,
                           notes=notes)
    assert twenty is not None and sum(1 for r in a if r) < sum(1 for r in twenty if r) <= 20, notes
    # and told that the start is already as few as can be, the start comes back
    assert sisr.minimise(inst, list(range(25)), start, None, iterations=5_000, min_routes=25) == start


def test_bad_starts_are_refused():
    problem = solomon.to_problem(fixture("C101"))
    inst = Instance(problem, list(range(25)), {})
    assert sisr.minimise(inst, [0], [list(range(24))], None, iterations=10) is None           # a stop missing
    assert sisr.minimise(inst, [0, 1], [list(range(25)), [3]], None, iterations=10) is None   # a stop twice
    assert sisr.minimise(inst, [0], [list(range(25))], 0.0) is None                 # no time, no iterations


def test_the_lower_bound_counts_the_roomiest_vehicles_first():
    # demands 4 + 4 + 4 = 12: vans of 10, 5 and 3 — two vans carry it (10 + 5); three of 5 would need all three
    dist = [[0, 1, 1, 1], [1, 0, 1, 1], [1, 1, 0, 1], [1, 1, 1, 0]]
    visits = [Visit(f"v{i}", i, (4,), 0, (0, 100)) for i in (1, 2, 3)]
    mixed = Problem(dist, dist, visits, [Vehicle(f"c{c}", (c,), 0, 0, (0, 100)) for c in (3, 10, 5)])
    assert vrp._fewest_vehicles(Instance(mixed, [0, 1, 2], {}), [0, 1, 2]) == 2
    same = Problem(dist, dist, visits, [Vehicle(f"c{k}", (5,), 0, 0, (0, 100)) for k in range(3)])
    assert vrp._fewest_vehicles(Instance(same, [0, 1, 2], {}), [0, 1, 2]) == 3
