"""Zones and the couriers' weekly schedule in planning: a zone's orders go to its default couriers when one
of them works that day, else to anybody with a warning; a zone closed on that weekday and orders outside
every zone are planned all the same and listed; only the couriers working on the weekday get routes.
Short time limits (1 s), one solver process."""

from __future__ import annotations

from datetime import timedelta

import pytest
from delivery_helpers import POINTS, city, courier, local_today, packed

from server.domain.delivery._zones import CLOSED_DAY, NO_ZONE_COURIER, OUTSIDE
from server.domain.delivery.couriers import CourierInput, get_courier, update_courier
from server.domain.delivery.planning import NO_COURIER_NOTE, day_plan, move_order, plan_day
from server.domain.delivery.tables import Courier, DeliveryRoute, RouteStop
from server.domain.orders.tables import Order
from server.domain.zones.tables import DeliveryZone
from server.errors import ValidationFailed

LIMIT = 1
FAR_AWAY = {"type": "Polygon", "coordinates": [[[0, 0], [0.01, 0], [0.01, 0.01], [0, 0.01], [0, 0]]]}  # no order's


async def _zone(name: str, *, days=None, couriers=()) -> int:
    rows = await DeliveryZone.insert(DeliveryZone(name=name, geometry=FAR_AWAY, days=list(days or range(1, 8)),
                                                  default_couriers=list(couriers))).returning(DeliveryZone.id)
    return rows[0]["id"]


async def _in_zone(order_ids, zone_id: int | None, status: str = "in_zone") -> None:
    await Order.update({Order.delivery_zone_id: zone_id, Order.zone_status: status}).where(Order.id.is_in(order_ids))


async def _courier_of(order_ids) -> dict[int, int]:
    rows = await RouteStop.select(RouteStop.order, RouteStop.route.courier.as_alias("courier")).where(
        RouteStop.order.is_in(list(order_ids)))
    return {r["order"]: r["courier"] for r in rows}


async def _city():
    c = await city(local_today() + timedelta(days=1))
    for login in ("ivan", "petr", "olga"):
        await courier(c, login, kg=30)
    north = [await packed(c, POINTS[i], qty=1) for i in (1, 5, 9, 14)]
    other = [await packed(c, POINTS[i], qty=1) for i in (2, 6, 10)]
    zone_n, zone_s = await _zone("Север", couriers=["olga"]), await _zone("Юг")
    await _in_zone(north, zone_n)
    await _in_zone(other, zone_s)
    return c, north, other, zone_n, zone_s


async def _off_that_day(courier_id: int, day) -> None:
    await Courier.update({Courier.work_days: [d for d in range(1, 8) if d != day.isoweekday()]}).where(
        Courier.id == courier_id)


async def test_a_zones_orders_go_to_its_default_courier_when_she_works_that_day():
    c, north, other, *_ = await _city()
    run = await plan_day(c.day, c.warehouse, actor="manager", time_limit_s=LIMIT)
    placed = await _courier_of(north + other)
    assert set(placed) == set(north + other)
    assert {placed[o] for o in north} == {c.couriers["olga"]}
    assert [w["kind"] for w in run["warnings"]] == []


async def test_when_none_of_the_zones_couriers_works_its_orders_go_to_anybody_and_the_run_says_so():
    c, north, other, zone_n, _ = await _city()
    await _off_that_day(c.couriers["olga"], c.day)
    run = await plan_day(c.day, c.warehouse, actor="manager", time_limit_s=LIMIT)
    placed = await _courier_of(north + other)
    assert set(placed) == set(north + other) and c.couriers["olga"] not in placed.values()
    warning = next(w for w in run["warnings"] if w["kind"] == "zone_no_courier")
    assert warning["msgid"] == NO_ZONE_COURIER and warning["zone_id"] == zone_n
    assert sorted(warning["order_ids"]) == sorted(north) and warning["params"]["couriers"] == "olga"
    plan = await day_plan(c.day, c.warehouse)
    flags = {s["order_id"]: s["zone_flags"] for r in plan["routes"] for s in r["stops"]}
    assert all(flags[o] == ["zone_no_courier"] for o in north) and all(flags[o] == [] for o in other)
    assert {s["zone_name"] for r in plan["routes"] for s in r["stops"] if s["order_id"] in north} == {"Север"}
    assert "olga" not in {x["username"] for x in plan["couriers"]}  # not on shift that day
    assert plan["warnings"] == run["warnings"]


async def test_a_zone_closed_that_weekday_and_orders_outside_every_zone_are_planned_and_listed():
    c, north, other, zone_n, zone_s = await _city()
    await DeliveryZone.update({DeliveryZone.days: [d for d in range(1, 8) if d != c.day.isoweekday()]}).where(
        DeliveryZone.id == zone_s)
    outside = await packed(c, POINTS[3], qty=1)
    await _in_zone([outside], None, "outside")
    run = await plan_day(c.day, c.warehouse, actor="manager", time_limit_s=LIMIT)
    placed = await _courier_of(north + other + [outside])
    assert set(placed) == set(north + other + [outside])  # nothing dropped
    kinds = {w["kind"]: w for w in run["warnings"]}
    assert set(kinds) == {"zone_closed_day", "outside_zones"}
    closed = kinds["zone_closed_day"]
    assert closed["msgid"] == CLOSED_DAY[c.day.isoweekday()] and closed["params"]["zone"] == "Юг"
    assert sorted(closed["order_ids"]) == sorted(other)
    assert kinds["outside_zones"]["msgid"] == OUTSIDE and kinds["outside_zones"]["order_ids"] == [outside]
    numbers = {r["id"]: r["number"] for r in await Order.select(Order.id, Order.number)}
    assert closed["params"]["orders"] == ", ".join(numbers[o] for o in sorted(other))
    plan = await day_plan(c.day, c.warehouse)
    flags = {s["order_id"]: s["zone_flags"] for r in plan["routes"] for s in r["stops"]}
    assert all(flags[o] == ["zone_closed_day"] for o in other) and flags[outside] == ["outside_zones"]
    assert all(flags[o] == [] for o in north)


async def test_only_the_couriers_working_that_weekday_get_routes_and_none_at_all_says_so():
    c, north, other, *_ = await _city()
    for login in ("ivan", "olga"):
        await _off_that_day(c.couriers[login], c.day)
    await plan_day(c.day, c.warehouse, actor="manager", time_limit_s=LIMIT)
    routes = await DeliveryRoute.select(DeliveryRoute.courier).where(DeliveryRoute.day == c.day)
    assert {r["courier"] for r in routes} == {c.couriers["petr"]}
    with pytest.raises(ValidationFailed) as refused:  # moving an order to a courier off that day
        await move_order(north[0], c.couriers["ivan"], actor="manager", time_limit_s=LIMIT)
    assert refused.value.field == "courier"
    await _off_that_day(c.couriers["petr"], c.day)
    run = await plan_day(c.day, c.warehouse, actor="manager", time_limit_s=LIMIT)
    assert NO_COURIER_NOTE in run["notes"]
    assert not await DeliveryRoute.exists().where(DeliveryRoute.day == c.day)


async def test_the_weekly_schedule_is_checked_and_kept_when_not_given():
    c = await city()
    cid = await courier(c, "ivan")
    assert (await get_courier(cid))["work_days"] == [1, 2, 3, 4, 5, 6, 7]  # a new courier works every day
    row = await get_courier(cid)
    data = dict(user_id=row["user"], name="ivan", phone="", vehicle="", capacity_weight_g=1000,
                capacity_volume_cm3=1000, shift_start="09:00", shift_end="18:00", warehouse_id=c.warehouse)
    await update_courier(cid, CourierInput(**data, work_days=[5, 1, 3, 3]), actor="manager")
    assert (await get_courier(cid))["work_days"] == [1, 3, 5]
    await update_courier(cid, CourierInput(**data), actor="manager")  # not given: as it was
    assert (await get_courier(cid))["work_days"] == [1, 3, 5]
    for wrong in ([], [0], [8], ["1"], [True]):
        with pytest.raises(ValidationFailed) as refused:
            await update_courier(cid, CourierInput(**data, work_days=wrong), actor="manager")
        assert refused.value.field == "work_days"
    assert (await get_courier(cid))["work_days"] == [1, 3, 5]
