"""Generated small instances (hypothesis): whatever the windows, loads, shifts, locks and allowed vehicles,
the answer passes the independent checker — every stop routed feasibly or reported with a reason."""

from __future__ import annotations

import pytest
from checker import check_solution
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.routing.problem import Problem, Vehicle, Visit
from server.routing.vrp import solve

pytestmark = pytest.mark.db_free


@st.composite
def problems(draw) -> Problem:
    n = draw(st.integers(1, 10))
    coords = [(0, 0)] + [(draw(st.integers(-3000, 3000)), draw(st.integers(-3000, 3000))) for _ in range(n)]
    dist = [[abs(a[0] - b[0]) + abs(a[1] - b[1]) for b in coords] for a in coords]
    times = [[d // 5 for d in row] for row in dist]            # 5 m/s
    nveh = draw(st.integers(1, 3))
    vids = [f"c{k}" for k in range(nveh)]
    visits = []
    for i in range(1, n + 1):
        start = draw(st.integers(0, 4000))
        visits.append(Visit(id=f"o{i}", node=i, demand=(draw(st.integers(0, 6)), draw(st.integers(0, 6))),
                            service_s=draw(st.integers(0, 300)),
                            window=(start, start + draw(st.integers(-100, 3000))),
                            allowed_vehicles=tuple(draw(st.lists(st.sampled_from(vids), max_size=1)))))
    ids = [v.id for v in visits]
    fleet = []
    free = list(ids)
    for vid in vids:
        begin = draw(st.integers(0, 2000))
        # locks never contradict allowed vehicles (that contradiction is left out of the lock, by design)
        lockable = [x for x in free if not visits[int(x[1:]) - 1].allowed_vehicles
                    or vid in visits[int(x[1:]) - 1].allowed_vehicles]
        fixed = tuple(draw(st.lists(st.sampled_from(lockable), max_size=2, unique=True))) if lockable else ()
        free = [x for x in free if x not in fixed]
        fleet.append(Vehicle(id=vid, capacity=(draw(st.integers(0, 15)), draw(st.integers(0, 15))), start_node=0,
                             end_node=0, shift=(begin, begin + draw(st.integers(500, 8000))), fixed=fixed))
    return Problem(distances=dist, times=times, visits=visits, vehicles=fleet)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_generated_instances_pass_the_checker(problem):
    sol = solve(problem, time_limit_s=0.15, workers=1)
    assert check_solution(problem, sol) == []
    assert sol.status in {"solved", "time_limit"}
