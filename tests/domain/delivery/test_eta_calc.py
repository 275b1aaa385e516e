"""eta_calc.project_etas, the pure re-computation of the remaining stops' ETAs: travel, waiting for a
window's start, service, lateness against the window's end; and the zones' pure helpers. No database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from server.domain.delivery._zones import (
    CLOSED_DAY,
    NO_ZONE_COURIER,
    OUTSIDE,
    english,
    zone_couriers,
    zone_warnings,
)
from server.domain.delivery.eta_calc import StopTimes, project_etas
from server.web.i18n import gettext

pytestmark = pytest.mark.db_free
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_travel_and_service_add_up():
    out = project_etas(T0, [600, 900], [StopTimes(1, 300), StopTimes(2, 120)])
    assert [p.stop_id for p in out] == [1, 2]
    assert out[0].eta == at(10) and out[0].departure == at(15)
    assert out[1].eta == at(30) and out[1].departure == at(32)
    assert [p.late_by_s for p in out] == [0, 0] and [p.wait_s for p in out] == [0, 0]


def test_an_early_courier_waits_for_the_window_and_the_next_stop_moves_with_it():
    stops = [StopTimes(1, 300, window_start=at(60), window_end=at(120)), StopTimes(2, 0)]
    out = project_etas(T0, [600, 600], stops)
    assert out[0].eta == at(10)  # the arrival at the door …
    assert out[0].wait_s == 50 * 60 and out[0].departure == at(65)  # … waits till 10:00, then 5 min there
    assert out[1].eta == at(75)


def test_a_late_start_makes_a_stop_late_for_its_window():
    stops = [StopTimes(1, 300, window_end=at(40)), StopTimes(2, 300, window_start=at(0), window_end=at(120))]
    on_time = project_etas(T0, [1800, 1800], stops)
    assert [p.late_by_s for p in on_time] == [0, 0]
    late = project_etas(at(25), [1800, 1800], stops)  # left 25 minutes later than planned
    assert late[0].eta == at(55) and late[0].late_by_s == 15 * 60
    assert late[1].eta == at(90) and late[1].late_by_s == 0
    earlier = project_etas(T0 - timedelta(minutes=20), [1800, 1800], stops)  # earlier: ETAs earlier too
    assert earlier[0].eta == at(10)


def test_no_stops_and_a_wrong_number_of_legs():
    assert project_etas(T0, [], []) == []
    with pytest.raises(ValueError):
        project_etas(T0, [60], [])


ZONE = {"id": 3, "name": "Север", "days": [1, 2, 3, 4, 5], "default_couriers": ["ivan", "olga"]}
COURIERS = {1: {"username": "ivan"}, 2: {"username": "petr"}, 4: {"username": "olga"}}


def test_zone_couriers():
    assert zone_couriers(ZONE, COURIERS, ("1", "2", "4")) == ("1", "4")
    assert zone_couriers(ZONE, COURIERS, ("2",)) == ()  # none of them on shift
    assert zone_couriers({**ZONE, "default_couriers": []}, COURIERS, ("1", "2")) is None
    assert zone_couriers(None, COURIERS, ("1",)) is None


def test_zone_warnings_name_the_zone_the_day_and_the_orders():
    orders = {10: {"number": "A-10", "delivery_zone_id": 3, "zone_status": "in_zone"},
              11: {"number": "A-11", "delivery_zone_id": None, "zone_status": "outside"},
              12: {"number": "A-12", "delivery_zone_id": 3, "zone_status": "in_zone"}}
    saturday = date(2026, 12, 12)
    warnings = zone_warnings(saturday, orders, {3: ZONE}, {3: [12]})
    assert [w["kind"] for w in warnings] == ["zone_closed_day", "zone_no_courier", "outside_zones"]
    assert english(warnings[0]) == "Zone Север does not deliver on Saturdays: orders A-10, A-12 are planned anyway"
    assert warnings[0]["order_ids"] == [10, 12]
    assert "ivan, olga" in english(warnings[1]) and warnings[2]["order_ids"] == [11]
    assert [w["kind"] for w in zone_warnings(date(2026, 12, 7), orders, {3: ZONE}, {})] == ["outside_zones"]


@pytest.mark.parametrize("msgid", [*CLOSED_DAY.values(), NO_ZONE_COURIER, OUTSIDE])
def test_the_warnings_speak_russian(msgid):
    assert gettext(msgid, "ru") != msgid
