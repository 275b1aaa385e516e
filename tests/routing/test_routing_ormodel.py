"""One OR-Tools search (server.routing.ormodel.Model): iterated local search from routes given."""

from __future__ import annotations

import pytest
from helpers import fixture

from server.routing import solomon
from server.routing.ormodel import Instance, Model

pytestmark = pytest.mark.db_free


def _instance(name: str) -> Instance:
    problem = solomon.to_problem(fixture(name))
    return Instance(problem, list(range(len(problem.visits))), {})


def test_iterated_local_search_starts_from_the_routes_given():
    inst = _instance("C101")
    # one stop per vehicle: no first-solution heuristic of OR-Tools would build this
    alone = {k: [k] for k in range(len(inst.visits))}
    first = Model(inst, list(range(len(inst.problem.vehicles)))).search(
        first="PARALLEL_CHEAPEST_INSERTION", meta="ILS", seconds=2.0, initial=alone, first_only=True)
    assert first is not None
    assert first.routes == alone
    assert first.dropped == 0


@pytest.mark.parametrize("name", ["R101", "RC101"])
def test_iterated_local_search_from_routes_keeps_them_complete_and_no_longer(name):
    inst = _instance(name)
    fleet = list(range(len(inst.problem.vehicles)))
    start = Model(inst, fleet).search(first="PATH_CHEAPEST_ARC", meta="GUIDED_LOCAL_SEARCH", seconds=1.0)
    assert start is not None and start.dropped == 0
    used = [k for k, r in start.routes.items() if r]
    better = Model(inst, used).search(first="PARALLEL_CHEAPEST_INSERTION", meta="ILS", seconds=0.1,
                                      initial=start.routes)
    assert better is not None
    assert better.dropped == 0
    assert better.vehicles <= len(used)
    assert better.distance <= start.distance
    assert sorted(n for r in better.routes.values() for n in r) == list(range(len(inst.visits)))
