"""The Solomon reader and `kladovka routing solve FILE --format solomon` (JSON as the last line)."""

from __future__ import annotations

import json
import math

import pytest
from helpers import FIXTURES, fixture

from server.cli import main
from server.routing import solomon

pytestmark = pytest.mark.db_free


def test_the_reader_takes_fleet_depot_and_customers_from_the_file():
    inst = fixture("R101")
    assert inst.name == "R101" and inst.vehicles == 25 and inst.capacity == 200
    assert len(inst.coords) == 26 and inst.numbers[:3] == [0, 1, 2]
    assert inst.coords[0] == (35.0, 35.0) and inst.due[0] == 230
    assert (inst.demand[1], inst.ready[1], inst.due[1], inst.service[1]) == (10, 161, 171, 10)
    short = solomon.read(FIXTURES / "R101_25.txt", limit=5)
    assert len(short.coords) == 6


def test_the_problem_is_scaled_with_travel_times_rounded_up():
    inst = fixture("R101")
    p = solomon.to_problem(inst)
    assert len(p.vehicles) == 25 and p.vehicles[0].capacity == (200,) and p.vehicles[0].shift == (0, 230_000)
    e = inst.euclid(0, 1) * solomon.SCALE
    assert p.distances[0][1] == round(e) and p.times[0][1] == math.ceil(e) >= e
    assert p.visits[0].window == (161_000, 171_000) and p.visits[0].service_s == 10_000
    assert solomon.euclidean_length(inst, [[1]]) == pytest.approx(2 * inst.euclid(0, 1))


def test_a_file_that_is_not_solomon_is_refused(tmp_path):
    bad = tmp_path / "x.txt"
    bad.write_text("hello\nworld\n")
    with pytest.raises(solomon.SolomonFormatError):
        solomon.read(bad)
    assert main(["routing", "solve", str(bad)]) == 1
    assert main(["routing", "solve", str(tmp_path / "missing.txt")]) == 1


def test_cli_prints_one_json_object_as_its_last_line(capsys):
    code = main(["routing", "solve", str(FIXTURES / "C101_25.txt"), "--format", "solomon",
                 "--time-limit", "1", "--workers", "1"])
    assert code == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    answer = json.loads(last)
    assert answer["vehicles"] == len(answer["routes"]) == 3
    assert sorted(c for r in answer["routes"] for c in r) == list(range(1, 26))
    inst = fixture("C101")
    assert answer["distance"] == pytest.approx(solomon.euclidean_length(inst, answer["routes"]))
    assert answer["distance"] < 200 and answer["unassigned"] == []
