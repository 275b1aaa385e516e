"""Planning the day: a small city planned and checked by recomputation (windows, capacity, shifts, every
order once), reasons for what cannot be placed, re-plans keeping done and locked stops, moving an order,
publishing, two plans at once, a road service that fails. Short time limits (1 s), one solver process."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from delivery_helpers import POINTS, PRICE, at_local, city, courier, local_today, new_uuid, packed
from harness import free_port

from server.domain.delivery._common import day_origin, hhmm_seconds, service_seconds
from server.domain.delivery._plan_write import FALLBACK_NOTE
from server.domain.delivery.courier_day import mark_stop, start_route, todays_route
from server.domain.delivery.planning import (
    add_urgent_order,
    day_plan,
    move_order,
    plan_day,
    publish_routes,
    route_sheet,
    set_stop_locked,
)
from server.domain.delivery.tables import Courier, DeliveryRoute, PlanRun, RouteStop
from server.domain.orders.edits import record_payment
from server.domain.orders.tables import Order
from server.domain.outbox.tables import OutboxEvent
from server.errors import Conflict, ValidationFailed
from server.routing.matrix import HaversineMatrix
from server.routing.problem import Point

LIMIT = 1


def _tomorrow():
    return local_today() + timedelta(days=1)


async def _routes(day) -> list[dict]:
    rows = await DeliveryRoute.select().where(DeliveryRoute.day == day).order_by(DeliveryRoute.id)
    for r in rows:
        r["stops"] = await RouteStop.select().where(RouteStop.route == r["id"]).order_by(RouteStop.seq)
    return rows


async def _check_feasible(c, routes: list[dict]) -> None:
    """Walks every route again with the haversine matrix: windows, service times, shift, capacity."""
    depot = (55.7558, 37.6173)
    origin = day_origin(c.day)
    for r in routes:
        courier_row = await Courier.select().where(Courier.id == r["courier"]).first()
        orders = {o["id"]: o for o in await Order.select().where(Order.id.is_in([s["order"] for s in r["stops"]]))}
        points = [Point(*depot)] + [Point(orders[s["order"]]["delivery_lat"], orders[s["order"]]["delivery_lon"])
                                    for s in r["stops"]]
        times = HaversineMatrix().compute(points)[1]
        clock = int((r["planned_start"] - origin).total_seconds())
        assert clock >= hhmm_seconds(courier_row["shift_start"]) - 1
        here = 0
        for n, s in enumerate(r["stops"], start=1):
            o = orders[s["order"]]
            arrival = clock + times[here][n]
            w0 = int((o["window_start"] - origin).total_seconds()) if o["window_start"] else 0
            w1 = int((o["window_end"] - origin).total_seconds()) if o["window_end"] else 10 ** 9
            assert arrival <= w1 + 1, f"stop {n} of route {r['id']} arrives after its window"
            assert abs((s["eta"] - origin).total_seconds() - arrival) <= 2 * n + 1  # the stored ETA is the arrival
            clock = max(arrival, w0) + service_seconds(1)
            here = n
        assert clock + times[here][0] <= hhmm_seconds(courier_row["shift_end"]) + 1
        loads = await Order.raw("SELECT SUM(l.qty) AS units FROM order_line l WHERE l.\"order\" IN ("
                                + ", ".join(str(s["order"]) for s in r["stops"]) + ")")
        assert loads[0]["units"] * 1000 <= courier_row["capacity_weight_g"]


async def _small_city():
    c = await city(_tomorrow())
    await courier(c, "ivan", kg=20, shift=("09:00", "18:00"))
    await courier(c, "petr", kg=20, shift=("10:00", "20:00"))
    windows = [(10, 14), (12, 18), (14, 20), None, (10, 12), (15, 19), (9, 13), None, (11, 17), (16, 20), (10, 20),
               (13, 16)]
    ok = [await packed(c, POINTS[i], qty=2, window=w) for i, w in enumerate(windows)]
    no_point = await packed(c, None)
    bad_window = await packed(c, POINTS[12], window=(6, 7))
    too_heavy = await packed(c, POINTS[13], qty=25)
    return c, ok, no_point, bad_window, too_heavy


async def test_a_small_city_is_planned_feasibly_and_what_cannot_fit_says_why():
    c, ok, no_point, bad_window, too_heavy = await _small_city()
    elsewhere = await packed(c, POINTS[14], window=None, status="confirmed")  # not packed: not planned
    run = await plan_day(c.day, c.warehouse, actor="manager", time_limit_s=LIMIT)
    assert run["status"] in ("solved", "time_limit") and run["orders"] == 15
    reasons = {u["order_id"]: u["reason"] for u in run["unassigned"]}
    assert reasons == {no_point: "no_point", bad_window: "window", too_heavy: "capacity"}
    assert all(u["number"] for u in run["unassigned"])
    details = {u["order_id"]: u["detail"] for u in run["unassigned"]}
    assert details[too_heavy] == ("заказ 25 кг, 50 л — больше, чем берёт самая вместительная машина (20 кг, 100 л)")
    assert details[bad_window].startswith("окно 06:00–07:00") and "метку" in details[no_point]
    routes = await _routes(c.day)
    planned = [s["order"] for r in routes for s in r["stops"]]
    assert sorted(planned) == sorted(ok) and elsewhere not in planned
    assert all(r["status"] == "draft" and r["sheet_token"] for r in routes)
    assert run["vehicles_used"] == len(routes) and run["distance_m"] == sum(r["distance_m"] for r in routes)
    await _check_feasible(c, routes)
    view = await day_plan(c.day, c.warehouse)
    assert {u["order_id"]: u["reason"] for u in view["unassigned"]} == reasons
    assert len(view["couriers"]) == 2 and view["last_run"]["id"] == run["id"]
    stop = view["routes"][0]["stops"][0]
    assert stop["order_number"] and stop["amount_due"] == 2 * PRICE and stop["lat"] is not None
    sheet = await route_sheet(routes[0]["id"])
    assert sheet["sheet_token"] == routes[0]["sheet_token"] and sheet["totals"]["stops"] == len(routes[0]["stops"])


async def test_plans_are_refused_without_a_depot_and_without_couriers_everything_waits():
    c = await city(_tomorrow(), depot=None)
    await packed(c, POINTS[0])
    with pytest.raises(ValidationFailed) as no_depot:
        await plan_day(c.day, c.warehouse, actor="manager", time_limit_s=LIMIT)
    assert no_depot.value.field == "warehouse"
    from server.domain.stock.tables import Warehouse

    await Warehouse.update({Warehouse.lat: 55.75, Warehouse.lon: 37.61}).where(Warehouse.id == c.warehouse)
    run = await plan_day(c.day, c.warehouse, actor="manager", time_limit_s=LIMIT)
    assert [u["reason"] for u in run["unassigned"]] == ["no_courier"] and "No courier" in run["message"]
    with pytest.raises(ValidationFailed):
        await plan_day(c.day, c.warehouse, actor="manager", time_limit_s=0)


async def test_publishing_hands_the_drafts_to_their_couriers():
    c = await city(_tomorrow())
    await courier(c, "ivan")
    for i in range(4):
        await packed(c, POINTS[i])
    await plan_day(c.day, c.warehouse, actor="manager", time_limit_s=LIMIT)
    assert await todays_route("ivan", c.day) is None
    assert await publish_routes(c.day, c.warehouse, actor="manager") == 1
    assert await publish_routes(c.day, c.warehouse, actor="manager") == 0
    got = await todays_route("ivan", c.day)
    assert got["route"]["status"] == "published" and len(got["stops"]) == 4
    events = await OutboxEvent.select(OutboxEvent.payload).where(OutboxEvent.topic == "delivery.route_published") \
        .output(load_json=True)
    assert [e["payload"]["courier_id"] for e in events] == [c.couriers["ivan"]]


async def test_a_replan_keeps_done_and_locked_stops_and_the_started_courier_keeps_the_goods_in_the_car():
    c = await city(local_today())
    await courier(c, "ivan", shift=("00:00", "23:59"))
    await courier(c, "petr", shift=("00:00", "23:59"))
    orders = [await packed(c, POINTS[i], window=None) for i in range(6)]
    morning = at_local(c.day, 8)
    await plan_day(c.day, c.warehouse, actor="manager", time_limit_s=LIMIT, now=morning)
    await publish_routes(c.day, c.warehouse, actor="manager")
    routes = await _routes(c.day)
    busy = max(routes, key=lambda r: len(r["stops"]))
    login = "ivan" if busy["courier"] == c.couriers["ivan"] else "petr"
    other_login = "petr" if login == "ivan" else "ivan"
    if len(busy["stops"]) < 3:  # the solver used both couriers evenly: give this one three stops by moving
        for r in routes:
            if r["id"] != busy["id"]:
                for s in r["stops"][: 3 - len(busy["stops"])]:
                    await move_order(s["order"], busy["courier"], actor="manager", time_limit_s=LIMIT, now=morning)
        busy = next(r for r in await _routes(c.day) if r["courier"] == busy["courier"])
    await start_route(busy["id"], actor=login)
    first, second = busy["stops"][0], busy["stops"][2]
    await record_payment(first["order"], 2 * PRICE, "cash_on_delivery", actor=login)
    await mark_stop(first["id"], "delivered", actor=login, client_uuid=new_uuid())
    await set_stop_locked(second["id"], True, actor="manager")
    with pytest.raises(Conflict):
        await set_stop_locked(first["id"], True, actor="manager")
    in_car = {s["order"] for s in busy["stops"]} - {first["order"]}
    urgent = await packed(c, POINTS[8], window=None)
    run = await add_urgent_order(urgent, c.day, actor="manager", time_limit_s=LIMIT, now=at_local(c.day, 11))
    assert run["unassigned"] == []
    after = {r["id"]: r for r in await _routes(c.day)}
    kept = after[busy["id"]]
    assert kept["status"] == "started"
    assert (kept["stops"][0]["id"], kept["stops"][0]["status"], kept["stops"][0]["seq"]) == (first["id"], "delivered", 1)
    assert (kept["stops"][1]["id"], kept["stops"][1]["locked"], kept["stops"][1]["seq"]) == (second["id"], True, 2)
    assert {s["order"] for s in kept["stops"][1:]} == in_car  # the goods in the car stay with their courier
    others = [r for r in after.values() if r["courier"] == c.couriers[other_login]]
    assert [urgent in {s["order"] for s in r["stops"]} for r in others] == [True]
    assert sorted(s["order"] for r in after.values() for s in r["stops"]) == sorted([*orders, urgent])
    assert kept["stops"][1]["eta"] >= at_local(c.day, 11)  # the courier goes on from where they are, now


async def test_moving_an_order_pins_it_to_the_courier_and_a_courier_who_cannot_take_it_changes_nothing():
    c = await city(_tomorrow())
    await courier(c, "ivan")
    await courier(c, "petr")
    small = await courier(c, "tiny", kg=1)
    orders = [await packed(c, POINTS[i]) for i in range(5)]
    await plan_day(c.day, c.warehouse, actor="manager", time_limit_s=LIMIT)
    stop = await RouteStop.select(RouteStop.order, RouteStop.route.courier.as_alias("courier")).where(
        RouteStop.order == orders[0]).first()
    target = c.couriers["petr"] if stop["courier"] == c.couriers["ivan"] else c.couriers["ivan"]
    await move_order(orders[0], target, actor="manager", time_limit_s=LIMIT)
    moved = await RouteStop.select(RouteStop.pinned, RouteStop.route.courier.as_alias("courier")).where(
        RouteStop.order == orders[0]).first()
    assert (moved["courier"], moved["pinned"]) == (target, True)
    await plan_day(c.day, c.warehouse, actor="manager", time_limit_s=LIMIT)  # a later re-plan keeps the pin
    again = await RouteStop.select(RouteStop.route.courier.as_alias("courier")).where(
        RouteStop.order == orders[0]).first()
    assert again["courier"] == target
    before = await _routes(c.day)
    runs = await PlanRun.count()
    with pytest.raises(Conflict) as refused:
        await move_order(orders[1], small, actor="manager", time_limit_s=LIMIT)
    assert refused.value.params["reason"] == "capacity"
    assert await _routes(c.day) == before and await PlanRun.count() == runs


async def test_two_plans_at_once_do_not_make_two_sets_of_routes():
    c = await city(_tomorrow())
    await courier(c, "ivan")
    await courier(c, "petr")
    orders = [await packed(c, POINTS[i]) for i in range(8)]
    results = await asyncio.gather(*(plan_day(c.day, c.warehouse, actor=f"m{i}", time_limit_s=LIMIT)
                                     for i in range(2)), return_exceptions=True)
    won = [r for r in results if isinstance(r, dict)]
    lost = [r for r in results if not isinstance(r, dict)]
    assert won and all(isinstance(e, Conflict) for e in lost)
    routes = await _routes(c.day)
    placed = [s["order"] for r in routes for s in r["stops"]]
    assert sorted(placed) == sorted(orders)  # each order once
    assert len({r["courier"] for r in routes}) == len(routes)  # one route per courier
    assert await PlanRun.count() == len(won)


async def test_a_road_service_that_fails_falls_back_to_straight_lines_and_says_so(monkeypatch):
    c = await city(_tomorrow())
    await courier(c, "ivan")
    for i in range(3):
        await packed(c, POINTS[i])
    monkeypatch.setenv("KLADOVKA_OSRM_URL", f"http://127.0.0.1:{free_port()}")
    run = await plan_day(c.day, c.warehouse, actor="manager", time_limit_s=LIMIT)
    assert FALLBACK_NOTE in run["notes"] and run["vehicles_used"] == 1
    assert (await Order.count()) == 3


async def test_a_run_stopped_by_the_time_limit_says_the_best_plan_found_is_shown(monkeypatch):
    from server.domain.delivery import planning
    from server.domain.delivery._plan_write import TIME_LIMIT_NOTE

    real = planning.solve

    def stopped(problem, **kwargs):  # the real search, reported as the limit having stopped it
        solution = real(problem, **kwargs)
        solution.status = "time_limit"
        return solution

    monkeypatch.setattr(planning, "solve", stopped)
    c = await city(_tomorrow())
    await courier(c, "ivan")
    for i in range(3):
        await packed(c, POINTS[i])
    run = await plan_day(c.day, c.warehouse, actor="manager", time_limit_s=LIMIT)
    assert (run["status"], run["timed_out"], run["notes"][0]) == ("time_limit", True, TIME_LIMIT_NOTE)
    assert len(await RouteStop.select()) == 3  # the best routes found are kept


async def test_a_failing_optimiser_changes_nothing_and_says_why(monkeypatch):
    from server.domain.delivery import planning

    def broken(problem, **kwargs):
        raise ValueError("matrix is not square")

    c = await city(_tomorrow())
    await courier(c, "ivan")
    await packed(c, POINTS[0])
    await plan_day(c.day, c.warehouse, actor="manager", time_limit_s=LIMIT)
    before, runs = await _routes(c.day), await PlanRun.count()
    monkeypatch.setattr(planning, "solve", broken)
    with pytest.raises(Conflict) as failed:
        await plan_day(c.day, c.warehouse, actor="manager", time_limit_s=LIMIT)
    assert "matrix is not square" in failed.value.params["error"]
    assert await _routes(c.day) == before and await PlanRun.count() == runs
