"""ETAs that follow the road: leaving with the route and each stop done re-compute every remaining stop's
ETA from that moment (travel + waiting for the window + service), the planned ETA stays, a stop that
will be late for its window says by how much — in the courier's route, the day plan and the next
customer's message alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from delivery_helpers import POINTS, at_local, city, courier, new_uuid, packed, route

from server.db import write_tx
from server.domain.delivery._common import service_seconds
from server.domain.delivery.courier_day import mark_stop, start_route, todays_route
from server.domain.delivery.eta import minutes_of, read_legs, refresh_etas
from server.domain.delivery.planning import day_plan
from server.domain.delivery.tables import RouteStop
from server.domain.outbox.tables import OutboxEvent
from server.routing.matrix import HaversineMatrix
from server.routing.problem import Point

DEPOT = (55.7558, 37.6173)


def _travel(a, b) -> int:
    return int(HaversineMatrix().compute([Point(*a), Point(*b)])[1][0][1])


async def _stops(route_id: int) -> list[dict]:
    return await RouteStop.select().where(RouteStop.route == route_id).order_by(RouteStop.seq)


async def _day(windows):
    c = await city()
    await courier(c, "ivan")
    ids = [await packed(c, POINTS[i], qty=1, window=w) for i, w in enumerate(windows)]
    route_id, stop_ids = await route(c, "ivan", ids, status="published")
    planned = at_local(c.day, 10, 30)
    for n, sid in enumerate(stop_ids):  # the plan's ETAs, kept as planned_eta
        await RouteStop.update({RouteStop.planned_eta: planned + timedelta(hours=n),
                                RouteStop.eta: planned + timedelta(hours=n)}).where(RouteStop.id == sid)
    return c, route_id, stop_ids, ids


async def test_leaving_with_the_route_recomputes_every_eta_from_now_and_keeps_the_planned_one():
    c, route_id, stop_ids, _ids = await _day([None, None, None])
    before = datetime.now(UTC)
    await start_route(route_id, actor="ivan")
    stops = await _stops(route_id)
    legs = [_travel(DEPOT, POINTS[0]), _travel(POINTS[0], POINTS[1]), _travel(POINTS[1], POINTS[2])]
    service = service_seconds(1)
    expected = before + timedelta(seconds=legs[0])
    for n, s in enumerate(stops):
        assert abs((s["eta"] - expected).total_seconds()) < 60, n
        assert s["planned_eta"] == at_local(c.day, 10, 30) + timedelta(hours=n)  # the plan's figure stays
        assert s["late_by_s"] == 0
        assert abs((s["eta_departure"] - s["eta"]).total_seconds() - service) < 1
        if n + 1 < len(legs):
            expected = s["eta_departure"] + timedelta(seconds=legs[n + 1])


async def test_a_stop_the_courier_will_reach_after_its_window_is_flagged_in_the_route_and_the_day_plan():
    c, route_id, stop_ids, ids = await _day([(10, 18), (10, 18), (10, 18)])
    async with write_tx():  # the courier leaves at 17:55 local: the second stop is reached after 18:00
        got = await refresh_etas(route_id, at_local(c.day, 17, 55))
    first, second = _travel(DEPOT, POINTS[0]), _travel(POINTS[0], POINTS[1])
    arrival2 = at_local(c.day, 17, 55) + timedelta(seconds=first + service_seconds(1) + second)
    assert [g["stop_id"] for g in got] == stop_ids
    assert got[0]["late_by_s"] == max(0, int((at_local(c.day, 17, 55) + timedelta(seconds=first)
                                              - at_local(c.day, 18)).total_seconds()))
    assert got[1]["eta"] == arrival2 and got[1]["late_by_s"] == int((arrival2 - at_local(c.day, 18)).total_seconds())
    assert got[1]["late_by_s"] > 0 and got[2]["late_by_s"] > got[1]["late_by_s"]
    async with write_tx():  # leaving at 09:00: everybody waits for 10:00 and nobody is late
        early = await refresh_etas(route_id, at_local(c.day, 9))
    assert [g["late_by_s"] for g in early] == [0, 0, 0]
    stops = await _stops(route_id)  # waited at the first door for 10:00, then drove on
    assert stops[0]["eta"] == at_local(c.day, 9) + timedelta(seconds=first)
    assert stops[0]["eta_departure"] == at_local(c.day, 10) + timedelta(seconds=service_seconds(1))
    assert stops[1]["eta"] == stops[0]["eta_departure"] + timedelta(seconds=second)
    async with write_tx():
        await refresh_etas(route_id, at_local(c.day, 17, 55))
    plan = await day_plan(c.day, c.warehouse)
    shown = {s["id"]: s for s in plan["routes"][0]["stops"]}
    assert shown[stop_ids[1]]["late_by_s"] == got[1]["late_by_s"] and shown[stop_ids[1]]["planned_eta"] is not None
    assert plan["routes"][0]["late_stops"] == sum(1 for g in got if g["late_by_s"] > 0)
    mine = await todays_route("ivan", c.day)
    assert [s["late_by_s"] for s in mine["stops"]] == [g["late_by_s"] for g in got]


async def test_after_a_stop_done_the_rest_follow_and_the_next_customer_hears_the_same_figure():
    c, route_id, stop_ids, ids = await _day([None, None, None])
    await start_route(route_id, actor="ivan")
    legs = await read_legs(route_id, after_stop=(await _stops(route_id))[0])
    assert legs.stop_ids == tuple(stop_ids[1:])
    assert list(legs.times) == [_travel(POINTS[0], POINTS[1]), _travel(POINTS[1], POINTS[2])]
    done = await mark_stop(stop_ids[0], "failed", actor="ivan", client_uuid=new_uuid(), reason="not_home")
    stops = await _stops(route_id)
    moment = stops[0]["done_at"]
    assert stops[1]["eta"] == moment + timedelta(seconds=legs.times[0])
    assert stops[2]["eta"] == stops[1]["eta_departure"] + timedelta(seconds=legs.times[1])
    assert done["next_stop"]["stop_id"] == stop_ids[1] and done["next_stop"]["eta"] == stops[1]["eta"]
    events = await OutboxEvent.select(OutboxEvent.payload).where(OutboxEvent.topic == "delivery.eta").output(
        load_json=True)
    assert len(events) == 1 and events[0]["payload"]["minutes"] == minutes_of(legs.times[0])
    assert events[0]["payload"]["eta"] == stops[1]["eta"].isoformat()
    mine = await todays_route("ivan", c.day)
    assert [s["eta"] for s in mine["stops"]][1:] == [stops[1]["eta"], stops[2]["eta"]]
