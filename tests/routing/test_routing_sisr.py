"""SISR ruin & recreate in C (server.routing.sisr): compiled on first use, answers every stop once on the
vehicles given, each route feasible by the independent checker, never longer than its start; the solver keeps
OR-Tools for distance when no compiler is there."""

from __future__ import annotations

import dataclasses

import pytest
from checker import check_solution
from helpers import fixture, line_problem, possible_only, van
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.routing import sisr, solomon, vrp
from server.routing.ormodel import Instance, Model
from server.routing.problem import Problem, Solution, Vehicle, Visit
from server.routing.timing import plan_route

pytestmark = pytest.mark.db_free


def _solution(problem: Problem, inst: Instance, vehicles: list[int], routes: list[list[int]]) -> Solution:
    planned = [plan_route(problem, problem.vehicles[k], [problem.visits[inst.visits[n]] for n in r])
               for k, r in zip(vehicles, routes, strict=True) if r]
    return Solution(routes=planned, unassigned=[], status="solved", wall_s=0.0, vehicles_used=len(planned),
                    distance=sum(r.distance for r in planned))


def _length(inst: Instance, vehicles: list[int], routes: list[list[int]]) -> int:
    p = inst.problem
    total = 0
    for k, r in zip(vehicles, routes, strict=True):
        if r:
            path = [inst.depot_node[p.vehicles[k].start_node], *r, inst.depot_node[p.vehicles[k].end_node]]
            total += sum(inst.dist[a][b] for a, b in zip(path, path[1:], strict=False))
    return total


def test_the_library_compiles_and_loads():
    assert sisr.available(), "a C compiler is on every machine this project runs its tests on"


@pytest.mark.parametrize(("name", "best_known"), [("R101", 617.1), ("RC101", 461.1), ("C101", 191.3)])
def test_from_one_route_per_stop_to_near_the_optimum(name, best_known):
    # 25-stop Solomon fixtures, optimum distances published with the instances (R101 8 routes 617.1,
    # RC101 4 routes 461.1, C101 3 routes 191.3); 25 routes in, one stop each
    inst_s = fixture(name)
    problem = solomon.to_problem(inst_s)
    inst = Instance(problem, list(range(25)), {})
    vehicles = list(range(25))
    start = [[n] for n in range(25)]
    notes: list[str] = []
    routes = sisr.improve(inst, vehicles, start, None, iterations=60_000, notes=notes)
    assert routes is not None, notes
    assert len(routes) == 25 and sorted(n for r in routes for n in r) == list(range(25))
    assert check_solution(problem, _solution(problem, inst, vehicles, routes)) == []
    numbers = [[int(problem.visits[n].id) for n in r] for r in routes if r]
    assert solomon.euclidean_length(inst_s, numbers) <= best_known * 1.01, notes
    assert _length(inst, vehicles, routes) < _length(inst, vehicles, start)


def test_same_seed_and_iterations_same_answer_other_seed_searches_elsewhere():
    problem = solomon.to_problem(fixture("R101"))
    inst = Instance(problem, list(range(25)), {})
    start = [[n] for n in range(25)]
    a = sisr.improve(inst, list(range(25)), start, None, iterations=3_000, seed=7)
    b = sisr.improve(inst, list(range(25)), start, None, iterations=3_000, seed=7)
    others = [sisr.improve(inst, list(range(25)), start, None, iterations=3_000, seed=s) for s in (1, 2, 3)]
    assert a == b
    assert any(o != a for o in others)


def test_routes_stay_on_their_own_vehicles_in_a_mixed_fleet():
    # two stops far apart, two vans from different depots, one parcel each: each stop belongs to the van next
    # to it; the start gives each to the other van, and the answer swaps them (routes come back per vehicle)
    dist = [[0, 1000, 10, 1010],        # 0 depot west, 1 depot east, 2 stop west, 3 stop east
            [1000, 0, 990, 10],
            [10, 990, 0, 1000],
            [1010, 10, 1000, 0]]
    visits = [Visit("w", 2, (1,), 0, (0, 10_000)), Visit("e", 3, (1,), 0, (0, 10_000))]
    fleet = [Vehicle("west", (1,), 0, 0, (0, 10_000)), Vehicle("east", (1,), 1, 1, (0, 10_000))]
    problem = Problem(dist, [row[:] for row in dist], visits, fleet)
    assert sisr.improve(Instance(problem, [0, 1], {}), [0, 1], [[1], [0]], None, iterations=500) == [[0], [1]]
    # the west stop is too heavy for the west van (2 > 1), the east van holds 5: both stay on the east van
    # (one route: fewer vehicles come before distance)
    heavy = dataclasses.replace(problem, visits=[Visit("w", 2, (2,), 0, (0, 10_000)), visits[1]],
                                vehicles=[fleet[0], dataclasses.replace(fleet[1], capacity=(5,))])
    routes = sisr.improve(Instance(heavy, [0, 1], {}), [0, 1], [[], [1, 0]], None, iterations=500)
    assert routes is not None and routes[0] == [] and sorted(routes[1]) == [0, 1]


def test_a_stop_goes_only_on_the_vehicles_it_allows():
    # three stops on a road, two vans at the depot: one route is shortest, but stop "x" (the middle one) allows
    # only van b — the answers keep it on b, and the fleet search cannot close b's route
    problem = line_problem([100, 200, 300], vehicles=[van("a"), van("b")])
    problem = dataclasses.replace(problem, visits=[problem.visits[0],
                                                   dataclasses.replace(problem.visits[1], allowed_vehicles=("b",)),
                                                   problem.visits[2]])
    inst = Instance(problem, [0, 1, 2], {})
    start = [[0, 2], [1]]
    for answer in (sisr.improve(inst, [0, 1], start, None, iterations=2_000),
                   sisr.minimise(inst, [0, 1], start, None, iterations=2_000)):
        assert answer is not None and 1 in answer[1] and 1 not in answer[0]
        assert check_solution(problem, _solution(problem, inst, [0, 1], answer)) == []
    # without the restriction the three stops share one route
    free = Instance(line_problem([100, 200, 300], vehicles=[van("a"), van("b")]), [0, 1, 2], {})
    assert sum(1 for r in sisr.minimise(free, [0, 1], start, None, iterations=2_000) if r) == 1
    # a start that breaks the restriction is refused
    assert sisr.improve(inst, [0, 1], [[0, 1, 2], []], None, iterations=10) is None


def test_the_solver_uses_sisr_with_per_visit_vehicle_lists():
    # a zone's orders for its default couriers: R101's 25 stops, every third only for the first ten vans
    problem = solomon.to_problem(fixture("R101"))
    few = tuple(v.id for v in problem.vehicles[:10])
    problem = dataclasses.replace(problem, visits=[
        dataclasses.replace(v, allowed_vehicles=few) if i % 3 == 0 else v for i, v in enumerate(problem.visits)])
    sol = vrp.solve(problem, time_limit_s=2, workers=1)
    assert check_solution(problem, sol) == [] and sol.unassigned == []
    assert any(n.startswith("SISR: ") for n in sol.stats["notes"]), sol.stats["notes"]


def test_the_solver_uses_sisr_with_locked_stops():
    # a re-plan: the first courier is on the way to customer 5 and has customer 3 locked next
    problem = solomon.to_problem(fixture("R101"))
    locked = dataclasses.replace(problem.vehicles[0], fixed=("5", "3"))
    problem = dataclasses.replace(problem, vehicles=[locked, *problem.vehicles[1:]])
    sol = vrp.solve(problem, time_limit_s=2, workers=1)
    assert check_solution(problem, sol) == [] and sol.unassigned == []
    first = next(r for r in sol.routes if r.vehicle_id == locked.id)
    assert [v.visit_id for v in first.visits[:2]] == ["5", "3"]
    assert any(n.startswith("SISR: ") for n in sol.stats["notes"]), sol.stats["notes"]


def test_bad_starts_are_refused():
    problem = solomon.to_problem(fixture("C101"))
    inst = Instance(problem, list(range(25)), {})
    missing = [list(range(24))]
    assert sisr.improve(inst, [0], missing, None, iterations=10) is None            # a stop missing
    assert sisr.improve(inst, [0, 1], [list(range(25)), [3]], None, iterations=10) is None   # a stop twice
    assert sisr.improve(inst, [0], [list(range(25))], 0.0) is None                  # no time, no iterations


def test_without_a_compiler_the_solver_keeps_or_tools(monkeypatch, tmp_path):
    monkeypatch.setenv("KLADOVKA_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("CC", "/bin/false")
    sisr._library.cache_clear()
    try:
        assert not sisr.available()
        problem = solomon.to_problem(fixture("R101"))
        sol = vrp.solve(problem, time_limit_s=1.5, workers=1)
        assert check_solution(problem, sol) == [] and sol.unassigned == []
        assert not any(n.startswith("SISR") for n in sol.stats["notes"])
        assert any(n.startswith("last phase (ILS") for n in sol.stats["notes"])
    finally:
        monkeypatch.undo()
        sisr._library.cache_clear()
    assert sisr.available()
    sol = vrp.solve(solomon.to_problem(fixture("R101")), time_limit_s=1.5, workers=1)
    assert any(n.startswith("SISR") for n in sol.stats["notes"]), sol.stats["notes"]


@st.composite
def problems(draw) -> Problem:
    n = draw(st.integers(2, 14))
    depots = 2
    nodes = n + depots
    # arbitrary (asymmetric, no triangle inequality) matrices
    times = [[0 if a == b else draw(st.integers(1, 600)) for b in range(nodes)] for a in range(nodes)]
    fleet = []
    for k in range(draw(st.integers(1, 4))):
        lo = draw(st.integers(0, 1500))
        fleet.append(Vehicle(id=f"c{k}", capacity=(draw(st.integers(5, 15)), draw(st.integers(5, 15))),
                             start_node=draw(st.integers(0, 1)), end_node=draw(st.integers(0, 1)),
                             shift=(lo, lo + draw(st.integers(1000, 8000)))))
    ids = [v.id for v in fleet]
    visits = []
    for i in range(depots, nodes):
        start = draw(st.integers(0, 3000))
        # some visits allow only some couriers (a zone's default couriers, an order moved to a courier)
        allowed = draw(st.one_of(st.just(()), st.lists(st.sampled_from(ids), min_size=1, unique=True).map(tuple)))
        visits.append(Visit(id=f"o{i}", node=i, demand=(draw(st.integers(0, 5)), draw(st.integers(0, 5))),
                            service_s=draw(st.integers(0, 200)), window=(start, start + draw(st.integers(0, 2000))),
                            allowed_vehicles=allowed))
    # some couriers have stops locked first on their route (on the way, or locked by the manager)
    vids = [v.id for v in visits]
    fleet = [dataclasses.replace(v, fixed=tuple(draw(st.lists(st.sampled_from(vids), max_size=2, unique=True))))
             for v in fleet]
    return Problem(distances=[row[:] for row in times], times=times, visits=visits, vehicles=fleet)


def complete_start(problem: Problem) -> tuple[Problem, Instance, list[int], list[list[int]]] | None:
    """The problem without its impossible visits and with the locks the solver keeps, its instance, the vehicles
    and a complete first answer (one route per vehicle) by OR-Tools; None when nothing is left, a lock had to be
    dropped or the first answer leaves a visit out."""
    sub = possible_only(problem)
    m = len(sub.visits)
    if not m:
        return None
    node_of = {v.id: i for i, v in enumerate(sub.visits)}
    dropped: list = []
    chains = vrp._fixed_chains(sub, dict(node_of), [], dropped)
    if dropped:
        return None
    sub = dataclasses.replace(sub, vehicles=[dataclasses.replace(v, fixed=tuple(chains.get(k, [])))
                                             for k, v in enumerate(sub.vehicles)])
    inst = Instance(sub, list(range(m)), {k: [node_of[vid] for vid in chain] for k, chain in chains.items()})
    vehicles = list(range(len(sub.vehicles)))
    start = Model(inst, vehicles).search(first="PARALLEL_CHEAPEST_INSERTION", meta="GREEDY_DESCENT",
                                         seconds=0.2)
    if start is None or start.dropped:
        return None   # the SISR searches start from complete answers only
    return sub, inst, vehicles, [start.routes[k] for k in vehicles]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.integers(0, 5))
def test_generated_mixed_fleets_stay_feasible_never_get_more_routes_or_longer(problem, seed):
    # both searches (distance: improve; fewer routes: minimise) on generated mixed fleets whose visits may
    # allow only some vehicles and whose couriers may have locked stops
    started = complete_start(problem)
    if started is None:
        return
    sub, inst, vehicles, routes = started
    used0 = sum(1 for r in routes if r)
    for search in (sisr.improve, sisr.minimise):
        answer = search(inst, vehicles, routes, None, iterations=2_000, seed=seed)
        assert answer is not None, search.__name__
        assert sorted(n for r in answer for n in r) == list(range(len(sub.visits)))
        assert check_solution(sub, _solution(sub, inst, vehicles, answer)) == [], search.__name__
        used = sum(1 for r in answer if r)
        assert used <= used0
        if search is sisr.improve:   # fewer routes, or as many and no longer
            assert used < used0 or _length(inst, vehicles, answer) <= _length(inst, vehicles, routes)
