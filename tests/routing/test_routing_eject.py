"""The ejection-pool route minimisation (server.routing.eject): fewer routes than its seed, every stop once,
every route feasible by the independent checker — on Solomon fixtures and on generated problems whose
matrices need not obey the triangle inequality."""

from __future__ import annotations

import time

import pytest
from checker import check_solution
from helpers import fixture, possible_only
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.routing import eject, solomon
from server.routing.ormodel import Instance
from server.routing.problem import Problem, Solution, Vehicle, Visit
from server.routing.timing import plan_route

pytestmark = pytest.mark.db_free


def _solution(problem: Problem, inst: Instance, routes: list[list[int]]) -> Solution:
    planned = [plan_route(problem, problem.vehicles[k], [problem.visits[inst.visits[n]] for n in r])
               for k, r in enumerate(routes)]
    return Solution(routes=planned, unassigned=[], status="solved", wall_s=0.0, vehicles_used=len(planned),
                    distance=sum(r.distance for r in planned))


@pytest.mark.parametrize(("name", "most"), [("R101", 9), ("RC101", 5), ("C101", 4)])
def test_from_one_route_per_stop_to_few_feasible_routes(name, most):
    problem = solomon.to_problem(fixture(name))
    inst = Instance(problem, list(range(len(problem.visits))), {})
    assert eject.applicable(inst)
    seed = [[n] for n in range(len(inst.visits))]
    notes: list[str] = []
    routes = eject.minimise(inst, seed, time.time() + 1.0, notes=notes)
    assert sorted(n for r in routes for n in r) == list(range(25))
    assert check_solution(problem, _solution(problem, inst, routes)) == []
    assert len(routes) <= most, notes   # 25 routes in; the 1.5 s solver test reaches 8 / 4 / 3


def test_not_applicable_with_locks_or_mixed_fleet():
    problem = solomon.to_problem(fixture("R101"))
    locked = Problem(problem.distances, problem.times, problem.visits,
                     [Vehicle("a", (200,), 0, 0, (0, 230_000), fixed=("1",)), *problem.vehicles[1:]])
    assert not eject.applicable(Instance(locked, list(range(25)), {0: [0]}))
    mixed = Problem(problem.distances, problem.times, problem.visits,
                    [Vehicle("a", (100,), 0, 0, (0, 230_000)), *problem.vehicles[1:]])
    assert not eject.applicable(Instance(mixed, list(range(25)), {}))


@st.composite
def problems(draw) -> Problem:
    n = draw(st.integers(2, 12))
    nodes = n + 1
    # arbitrary (asymmetric, no triangle inequality) matrices
    times = [[0 if a == b else draw(st.integers(1, 600)) for b in range(nodes)] for a in range(nodes)]
    visits = []
    for i in range(1, nodes):
        start = draw(st.integers(0, 3000))
        visits.append(Visit(id=f"o{i}", node=i, demand=(draw(st.integers(0, 5)), draw(st.integers(0, 5))),
                            service_s=draw(st.integers(0, 200)), window=(start, start + draw(st.integers(0, 2000)))))
    shift = (0, draw(st.integers(2000, 8000)))
    fleet = [Vehicle(id=f"c{k}", capacity=(8, 8), start_node=0, end_node=0, shift=shift) for k in range(n)]
    return Problem(distances=[row[:] for row in times], times=times, visits=visits, vehicles=fleet)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(problems(), st.integers(0, 5))
def test_generated_answers_stay_feasible(monkeypatch, problem, seed):
    # every route the search writes must be feasible at once (not only the final answer, which minimise
    # would replace by its seed if it were not)
    update = eject.Pool._update

    def checked(pool, r):
        update(pool, r)
        assert pool.feasible_seq(pool.seq[r]), pool.seq[r]

    monkeypatch.setattr(eject.Pool, "_update", checked)
    sub = possible_only(problem)
    m = len(sub.visits)
    if not m:
        return
    inst = Instance(sub, list(range(m)), {})
    routes = eject.minimise(inst, [[n] for n in range(m)], time.time() + 0.2, seed=seed)
    assert sorted(n for r in routes for n in r) == list(range(m))
    assert len(routes) <= m
    assert check_solution(sub, _solution(sub, inst, routes)) == []


@pytest.mark.parametrize("patience", [1, 2])
def test_patience_stops_after_that_many_failed_attempts(patience):
    # R101's 25 stops need 8 routes (the 1.5 s solver test): the pool reaches a count it cannot improve
    # well within the deadline, and with patience it stops after that many failed attempts instead of
    # trying other routes until the deadline; the answer is still complete and feasible
    problem = solomon.to_problem(fixture("R101"))
    inst = Instance(problem, list(range(len(problem.visits))), {})
    notes: list[str] = []
    routes = eject.minimise(inst, [[n] for n in range(25)], time.time() + 3.0, notes=notes, patience=patience)
    failed = [n for n in notes if "failed" in n]
    assert len(failed) == patience, notes
    assert notes[-1] in failed, notes          # it stopped right after the last failure
    assert sorted(n for r in routes for n in r) == list(range(25))
    assert check_solution(problem, _solution(problem, inst, routes)) == []
    assert len(routes) <= 9, notes
