"""What a plan run starts from: the day's orders to deliver, the couriers on shift, the routes already
there (published or started ones are kept; their done, locked and en-route stops stay where they are),
turned into a routing Problem whose nodes are the depot, the orders' points and the points couriers on
the road start from.

Which orders: courier delivery from this warehouse, status packed (goods ready and not on the road yet;
confirmed or picking orders are not planned — their goods may never be ready), a window on that day or
no window (then the whole shift), plus every not-done stop of the day's published and started routes
(a started route's orders are out for delivery: in that courier's car, so they stay with that courier).
Orders without a point cannot be routed: they are reported as "no_point", never dropped.
Couriers: active ones of the warehouse with a capacity, whose weekly schedule (work_days) has the day's
weekday. Zones (_zones.py): a zone's default couriers take its orders when one of them is on shift; a
zone closed that weekday and orders outside every zone are planned and listed as warnings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime

from server.domain.delivery._common import (
    day_origin,
    hhmm_seconds,
    local_day_of,
    plan_version,
    seconds_since,
    service_seconds,
    volume_cm3,
)
from server.domain.delivery._zones import zone_couriers, zone_warnings, zones_of
from server.domain.delivery.tables import DONE_STOP_STATUSES, Courier, DeliveryRoute, RouteStop
from server.domain.orders.tables import Order
from server.domain.stock.tables import Warehouse
from server.errors import NotFound, ValidationFailed
from server.routing.problem import Point, Problem, Vehicle, Visit

WHOLE_DAY = 2 * 86400
EN_ROUTE = ("on_the_way", "arrived")


@dataclass
class PlanInput:
    day: date
    warehouse: dict
    origin: datetime
    now_s: int
    version: int
    orders: dict[int, dict] = field(default_factory=dict)  # candidates: id → row + weight_g, volume_cm3, lines
    couriers: dict[int, dict] = field(default_factory=dict)  # vehicles: courier id → row
    routes: dict[int, dict] = field(default_factory=dict)  # the day's routes by courier id (not finished)
    finished: set[int] = field(default_factory=set)  # couriers whose route of the day is finished
    stops: list[dict] = field(default_factory=list)  # the stops of those routes
    unassigned: list[dict] = field(default_factory=list)  # found before solving: {order_id, reason, detail}
    problem: Problem | None = None
    points: list[Point] = field(default_factory=list)  # node → point
    done_points: dict[int, tuple[float, float]] = field(default_factory=dict)  # done stops' orders
    notes: list[str] = field(default_factory=list)
    zones: dict[int, dict] = field(default_factory=dict)  # the orders' delivery zones (_zones.py)
    warnings: list[dict] = field(default_factory=list)  # zones' days, default couriers, outside (_zones.py)


def workers() -> int:
    raw = (os.environ.get("KLADOVKA_ROUTING_WORKERS") or "").strip()
    return max(1, int(raw)) if raw.isdigit() else 2


async def _warehouse(warehouse_id: int) -> dict:
    row = await Warehouse.select().where(Warehouse.id == warehouse_id).first()
    if row is None:
        raise NotFound("Warehouse %(id)s not found", id=warehouse_id)
    if row["lat"] is None or row["lon"] is None:
        raise ValidationFailed("Warehouse %(code)s has no point on the map: routes start there, set it first",
                               field="warehouse", code=row["code"])
    return row


async def _day_routes(inp: PlanInput) -> None:
    rows = await DeliveryRoute.select().where((DeliveryRoute.day == inp.day)
                                              & (DeliveryRoute.warehouse == inp.warehouse["id"])).order_by(DeliveryRoute.id)
    for r in rows:
        if r["status"] == "finished":
            inp.finished.add(r["courier"])
        else:
            inp.routes[r["courier"]] = r  # the latest route of a courier wins (there is one)
    ids = [r["id"] for r in inp.routes.values()]
    inp.stops = await RouteStop.select().where(RouteStop.route.is_in(ids)).order_by(RouteStop.seq) if ids else []


async def _orders(inp: PlanInput, extra: set[int]) -> None:
    on_routes = {s["order"] for s in inp.stops if s["status"] not in DONE_STOP_STATUSES}
    done_here = {s["order"] for s in inp.stops if s["status"] in DONE_STOP_STATUSES}
    busy_elsewhere = {r["order"] for r in await RouteStop.select(RouteStop.order).where(
        RouteStop.route.status.is_in(["published", "started"]) & (RouteStop.route.day != inp.day))}
    rows = await Order.select().where((Order.warehouse == inp.warehouse["id"]) & (Order.delivery_method == "courier")
                                      & (Order.status == "packed"))
    wanted = []
    for row in rows:
        if row["id"] in done_here or row["id"] in busy_elsewhere:
            continue
        start, end = row["window_start"], row["window_end"]
        on_day = (start is None and end is None) or any(
            m is not None and local_day_of(m) == inp.day for m in (start, end))
        if on_day or row["id"] in extra or row["id"] in on_routes:
            wanted.append(row)
    have = {r["id"] for r in wanted}
    missing = sorted(on_routes - have)
    if missing:  # out for delivery on a started route, or no longer packed (cancelled: dropped below)
        wanted += await Order.select().where(Order.id.is_in(missing))
    for row in wanted:
        if row["status"] not in ("packed", "out_for_delivery"):
            continue
        inp.orders[row["id"]] = row
    await _loads(inp)


async def _loads(inp: PlanInput) -> None:
    ids = sorted(inp.orders)
    if not ids:
        return
    marks = ", ".join("{}" for _ in ids)
    rows = await Order.raw(
        "SELECT l.\"order\" AS order_id, l.qty AS qty, p.weight_g AS weight_g, p.length_mm AS l, "
        "p.width_mm AS w, p.height_mm AS h FROM order_line l JOIN variant v ON v.id = l.variant "
        f"JOIN product p ON p.id = v.product WHERE l.\"order\" IN ({marks}) AND l.qty > 0", *ids)
    for order in inp.orders.values():
        order.update(weight_g=0, volume_cm3=0, lines=0)
    for r in rows:
        order = inp.orders[r["order_id"]]
        order["weight_g"] += r["qty"] * (r["weight_g"] or 0)
        order["volume_cm3"] += r["qty"] * volume_cm3(r["l"], r["w"], r["h"])
        order["lines"] += 1


async def _couriers(inp: PlanInput) -> None:
    rows = await Courier.select(*Courier.all_columns(), Courier.user.username.as_alias("username")).where(
        (Courier.warehouse == inp.warehouse["id"]) & (Courier.active == True)  # noqa: E712
    ).order_by(Courier.id).output(load_json=True)
    weekday = inp.day.isoweekday()
    for r in rows:
        if r["id"] in inp.finished or r["capacity_weight_g"] <= 0 or r["capacity_volume_cm3"] <= 0:
            continue
        if weekday not in works_on(r):  # the courier's weekly schedule
            continue
        inp.couriers[r["id"]] = r
    for courier_id in list(inp.routes):  # a route of a courier no longer on shift keeps its stops as they are
        if courier_id not in inp.couriers:
            inp.notes.append(f"courier {courier_id} is not active any more")


def works_on(courier: dict) -> list[int]:
    """The ISO weekdays the courier works (all seven when not set)."""
    days = courier.get("work_days")
    return list(days) if isinstance(days, list) and days else [1, 2, 3, 4, 5, 6, 7]


def _window(inp: PlanInput, order: dict) -> tuple[int, int]:
    start, end = order["window_start"], order["window_end"]
    w0 = max(0, seconds_since(inp.origin, start)) if start else 0
    w1 = seconds_since(inp.origin, end) if end else WHOLE_DAY
    return w0, w1


def _build(inp: PlanInput, pins: dict[int, int]) -> None:
    """The Problem: node 0 the depot, then one node per routable order, then the road starts."""
    depot = Point(inp.warehouse["lat"], inp.warehouse["lon"])
    points: list[Point] = [depot]
    node_of: dict[int, int] = {}
    for oid, order in sorted(inp.orders.items()):
        if order["delivery_lat"] is None or order["delivery_lon"] is None:
            inp.unassigned.append({"order_id": oid, "reason": "no_point",
                                   "detail": "the address has no point on the map: place the pin"})
            continue
        node_of[oid] = len(points)
        points.append(Point(order["delivery_lat"], order["delivery_lon"]))
    by_route: dict[int, list[dict]] = {}
    for s in inp.stops:
        by_route.setdefault(s["route"], []).append(s)
    started = {cid for cid, r in inp.routes.items() if r["status"] == "started"}
    vehicles: list[Vehicle] = []
    owner: dict[int, str] = {}  # order id → the only vehicle it may go to
    for cid, courier in inp.couriers.items():
        route = inp.routes.get(cid)
        stops = by_route.get(route["id"], []) if route else []
        shift = (hhmm_seconds(courier["shift_start"]), hhmm_seconds(courier["shift_end"]))
        if inp.now_s > shift[0]:
            shift = (min(inp.now_s, shift[1]), shift[1])
        start_node = 0
        if cid in started:
            done = [s for s in stops if s["status"] in DONE_STOP_STATUSES]
            last = max(done, key=lambda s: (s["done_at"] is not None, s["done_at"] or inp.origin, s["seq"]),
                       default=None)
            if last is not None:
                order = last["order"]
                lat_lon = inp.done_points.get(order)
                if lat_lon is not None:
                    start_node = len(points)
                    points.append(Point(*lat_lon))
        fixed = [s for s in stops if s["status"] in EN_ROUTE] + [
            s for s in stops if s["locked"] and s["status"] == "planned"]
        fixed_ids = tuple(str(s["order"]) for s in fixed if s["order"] in node_of and s["order"] not in pins)
        for s in stops:
            if s["status"] in DONE_STOP_STATUSES:
                continue
            if cid in started or s["pinned"] or s["locked"] or s["status"] in EN_ROUTE:
                owner[s["order"]] = str(cid)
        vehicles.append(Vehicle(id=str(cid), capacity=(courier["capacity_weight_g"], courier["capacity_volume_cm3"]),
                                start_node=start_node, end_node=0, shift=shift, fixed=fixed_ids))
    for oid, cid in pins.items():
        owner[oid] = str(cid)
    free = tuple(v.id for v in vehicles if int(v.id) not in started)
    no_zone_courier: dict[int, list[int]] = {}
    visits: list[Visit] = []
    for oid, node in node_of.items():
        order = inp.orders[oid]
        if oid in owner:
            allowed: tuple[str, ...] = (owner[oid],)
        elif len(free) < len(vehicles):
            allowed = free
        else:
            allowed = ()
        if not vehicles or (len(free) < len(vehicles) and not allowed):
            inp.unassigned.append({"order_id": oid, "reason": "no_courier",
                                   "detail": "no courier on shift can take it"})
            continue
        if oid not in owner:  # the zone's own couriers first, when one of them is on shift
            zone = inp.zones.get(order.get("delivery_zone_id"))
            mine = zone_couriers(zone, inp.couriers, allowed or tuple(v.id for v in vehicles))
            if mine:
                allowed = mine
            elif mine is not None:
                no_zone_courier.setdefault(zone["id"], []).append(oid)
        visits.append(Visit(id=str(oid), node=node, demand=(order["weight_g"], order["volume_cm3"]),
                            service_s=service_seconds(order["lines"]), window=_window(inp, order),
                            allowed_vehicles=allowed))
    inp.points = points
    inp.problem = Problem(distances=[], times=[], visits=visits, vehicles=vehicles)
    inp.warnings = zone_warnings(inp.day, inp.orders, inp.zones, no_zone_courier)


async def collect(day: date, warehouse_id: int, *, now: datetime, pins: dict[int, int] | None = None,
                  extra: set[int] | None = None) -> PlanInput:
    warehouse = await _warehouse(warehouse_id)
    origin = day_origin(day)
    version = await plan_version(day, warehouse_id)
    inp = PlanInput(day=day, warehouse=warehouse, origin=origin, now_s=seconds_since(origin, now), version=version)
    await _day_routes(inp)
    await _orders(inp, set(extra or ()) | set((pins or {}).keys()))
    await _couriers(inp)
    inp.zones = await zones_of(inp.orders)
    done_orders = [s["order"] for s in inp.stops if s["status"] in DONE_STOP_STATUSES]
    if done_orders:
        rows = await Order.select(Order.id, Order.delivery_lat, Order.delivery_lon).where(Order.id.is_in(done_orders))
        inp.done_points = {r["id"]: (r["delivery_lat"], r["delivery_lon"]) for r in rows
                           if r["delivery_lat"] is not None and r["delivery_lon"] is not None}
    _build(inp, pins or {})
    return inp
