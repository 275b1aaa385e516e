"""The independent checker itself catches what it must (else the solver tests prove nothing)."""

from __future__ import annotations

import dataclasses

import pytest
from checker import check_solution
from helpers import line_problem, van

from server.routing.problem import PlannedRoute, PlannedVisit, Solution, Unassigned
from server.routing.timing import plan_route

pytestmark = pytest.mark.db_free


def _solution(problem, routes, unassigned=()):
    planned = [plan_route(problem, problem.vehicles[k], [problem.visits[i] for i in r]) for k, r in routes]
    return Solution(routes=planned, unassigned=list(unassigned), status="solved", wall_s=0.0,
                    vehicles_used=len(planned))


def test_a_correct_answer_passes():
    p = line_problem([100, 200, 300])
    assert check_solution(p, _solution(p, [(0, [0, 1, 2])])) == []


def test_a_missing_or_doubled_visit_is_caught():
    p = line_problem([100, 200, 300])
    assert any("o3 appears 0" in e for e in check_solution(p, _solution(p, [(0, [0, 1])])))
    doubled = _solution(p, [(0, [0, 1, 2])], [Unassigned("o3", "no_room")])
    assert any("o3 appears 2" in e for e in check_solution(p, doubled))


def test_capacity_window_shift_and_reported_times_are_recomputed():
    p = line_problem([100, 200], demands=[6, 6], windows=[(0, 50), (0, 10_000)])
    errors = check_solution(p, _solution(p, [(0, [0, 1])]))
    assert any("over capacity" in e for e in errors)
    assert any("after its window" in e for e in errors)
    p = line_problem([1000], vehicles=[van("c1", shift=(0, 1500))])
    assert any("after the shift" in e for e in check_solution(p, _solution(p, [(0, [0])])))
    p = line_problem([100])
    sol = _solution(p, [(0, [0])])
    route = sol.routes[0]
    sol.routes[0] = dataclasses.replace(route, visits=[PlannedVisit("o1", 1, 1, 61)])
    assert any("recomputed" in e for e in check_solution(p, sol))


def test_locks_and_allowed_vehicles_are_checked():
    p = line_problem([100, 200], vehicles=[van("c1", fixed=("o2",)), van("c2")])
    p.visits[0] = dataclasses.replace(p.visits[0], allowed_vehicles=("c2",))
    errors = check_solution(p, _solution(p, [(0, [0, 1])]))
    assert any("locked prefix" in e for e in errors)
    assert any("allowed only" in e for e in errors)
    bad_vehicle = Solution(routes=[PlannedRoute("zz", [], 0, 0, 0, (0,))], unassigned=[
        Unassigned("o1", "no_room"), Unassigned("o2", "because")], status="solved", wall_s=0, vehicles_used=1)
    errors = check_solution(p, bad_vehicle)
    assert any("unknown vehicle" in e for e in errors) and any("unknown reason" in e for e in errors)
