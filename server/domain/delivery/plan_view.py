"""The read side of planning: the day's plan as the manager's screen shows it, a route's printed sheet,
a plan run."""

from __future__ import annotations

from datetime import date

from server.domain.delivery._common import day_origin, local_day_of
from server.domain.delivery._plan_input import works_on
from server.domain.delivery._read import couriers_by_id, order_rows, route_dict, stops_of
from server.domain.delivery.route_load import add_route_loads
from server.domain.delivery.tables import (
    DONE_STOP_STATUSES,
    Courier,
    CourierPosition,
    DeliveryRoute,
    PlanRun,
    RouteStop,
)
from server.domain.orders.tables import Order
from server.domain.stock.tables import Warehouse
from server.domain.zones.tables import DeliveryZone
from server.errors import NotFound


async def plan_run(run_id: int) -> dict:
    row = await PlanRun.select().where(PlanRun.id == run_id).output(load_json=True).first()
    if row is None:
        raise NotFound("Plan run %(id)s not found", id=run_id)
    row["routes"] = await DeliveryRoute.count().where((DeliveryRoute.day == row["day"])
                                                       & (DeliveryRoute.warehouse == row["warehouse"]))
    row["notes"] = [n for n in (row["message"] or "").split("\n") if n]
    row["warnings"] = list(row.get("warnings") or [])  # _zones.py: [{kind, msgid, params, order_ids, zone_id}]
    return row


def _order_brief(o: dict) -> dict:
    return {"order_id": o["id"], "number": o["number"], "status": o["status"], "address": o["delivery_address"],
            "lat": o["delivery_lat"], "lon": o["delivery_lon"], "window_start": o["window_start"],
            "window_end": o["window_end"], "amount_due": o.get("amount_due", 0), "items_count": o.get("items_count", 0),
            "contact_name": o["contact_name"], "contact_phone": o["contact_phone"],
            "zone_id": o.get("delivery_zone_id"), "zone_status": o.get("zone_status", "")}


async def _waiting(day: date, warehouse_id: int, on_routes: set[int]) -> list[dict]:
    """Packed courier orders of the day (or without a window) that are on no route of the day."""
    rows = await Order.select(Order.id, Order.window_start, Order.window_end).where(
        (Order.warehouse == warehouse_id) & (Order.delivery_method == "courier") & (Order.status == "packed"))
    busy = {r["order"] for r in await RouteStop.select(RouteStop.order).where(
        RouteStop.route.status.is_in(["published", "started"]) & (RouteStop.route.day != day))}
    ids = []
    for r in rows:
        if r["id"] in on_routes or r["id"] in busy:
            continue
        moments = [m for m in (r["window_start"], r["window_end"]) if m is not None]
        if not moments or any(local_day_of(m) == day for m in moments):
            ids.append(r["id"])
    return [_order_brief(o) for o in (await order_rows(ids)).values()]


async def _positions(courier_ids: list[int], day: date) -> dict[int, dict]:
    if not courier_ids:
        return {}
    rows = await CourierPosition.select().where(CourierPosition.courier.is_in(courier_ids)
                                                & (CourierPosition.at >= day_origin(day))).order_by(
        CourierPosition.at, ascending=False)
    latest: dict[int, dict] = {}
    for r in rows:
        latest.setdefault(r["courier"], {"lat": r["lat"], "lon": r["lon"], "accuracy_m": r["accuracy_m"], "at": r["at"]})
    return latest


async def day_plan(day: date, warehouse_id: int) -> dict:
    """{"day", "warehouse", "routes": [route + "stops" + totals], "unassigned": [order + reason, detail],
    "couriers": [on shift, with "route_id" and "position"], "positions": {courier id: latest}, "last_run"}."""
    warehouse = await Warehouse.select(Warehouse.id, Warehouse.code, Warehouse.name, Warehouse.lat, Warehouse.lon).where(
        Warehouse.id == warehouse_id).first()
    if warehouse is None:
        raise NotFound("Warehouse %(id)s not found", id=warehouse_id)
    rows = await DeliveryRoute.select().where((DeliveryRoute.day == day)
                                              & (DeliveryRoute.warehouse == warehouse_id)).order_by(DeliveryRoute.id)
    couriers = [c for c in await Courier.select(*Courier.all_columns(), Courier.user.username.as_alias("username")).where(
        (Courier.warehouse == warehouse_id) & (Courier.active == True)).order_by(Courier.name).output(  # noqa: E712
        load_json=True) if day.isoweekday() in works_on(c)]  # on shift that weekday
    by_id = {c["id"]: c for c in couriers} | await couriers_by_id([r["courier"] for r in rows])
    stops = await stops_of([r["id"] for r in rows])
    routes = []
    on_routes: set[int] = set()
    for r in rows:
        route = route_dict(r, by_id.get(r["courier"]))
        route["stops"] = stops[r["id"]]
        route["stops_count"] = len(route["stops"])
        route["items_count"] = sum(s["items_count"] for s in route["stops"])
        route["amount_to_collect"] = sum(s["amount_due"] for s in route["stops"])
        on_routes |= {s["order_id"] for s in route["stops"]}
        routes.append(route)
    await add_route_loads(routes)  # "load_weight_g", "load_volume_cm3": what each route carries
    last = await PlanRun.select(PlanRun.id).where((PlanRun.day == day) & (PlanRun.warehouse == warehouse_id)).order_by(
        PlanRun.id, ascending=False).first()
    last_run = await plan_run(last["id"]) if last else None
    reasons = {u["order_id"]: u for u in (last_run or {}).get("unassigned", [])}
    unassigned = []
    for o in await _waiting(day, warehouse_id, on_routes):
        why = reasons.get(o["order_id"], {"reason": "not_planned", "detail": ""})
        unassigned.append({**o, "reason": why["reason"], "detail": why.get("detail", "")})
    await _zone_flags(day, [s for r in routes for s in r["stops"]] + unassigned, last_run)
    for route in routes:
        route["late_stops"] = sum(1 for s in route["stops"] if s["late_by_s"] > 0
                                  and s["status"] not in DONE_STOP_STATUSES)
    positions = await _positions(list(by_id), day)
    route_of = {r["courier_id"]: r["id"] for r in routes}
    on_shift = [{"id": c["id"], "name": c["name"], "username": c["username"], "phone": c["phone"],
                 "vehicle": c["vehicle"], "capacity_weight_g": c["capacity_weight_g"],
                 "capacity_volume_cm3": c["capacity_volume_cm3"], "shift_start": c["shift_start"],
                 "shift_end": c["shift_end"], "route_id": route_of.get(c["id"]), "position": positions.get(c["id"])}
                for c in couriers]
    return {"day": day, "warehouse": warehouse, "routes": routes, "unassigned": unassigned, "couriers": on_shift,
            "positions": positions, "last_run": last_run, "warnings": (last_run or {}).get("warnings", [])}


async def _zone_flags(day: date, items: list[dict], last_run: dict | None) -> None:
    """Each stop and waiting order gets "zone_name" and "zone_flags": "outside_zones" (no zone covers it),
    "zone_closed_day" (its zone does not deliver on this weekday), "zone_no_courier" (the last plan run
    found none of its zone's couriers on shift)."""
    ids = sorted({i["zone_id"] for i in items if i.get("zone_id") is not None})
    zones = {r["id"]: r for r in await DeliveryZone.select(DeliveryZone.id, DeliveryZone.name, DeliveryZone.days).where(
        DeliveryZone.id.is_in(ids)).output(load_json=True)} if ids else {}
    no_courier = {oid for w in (last_run or {}).get("warnings", []) if w.get("kind") == "zone_no_courier"
                  for oid in w.get("order_ids", [])}
    for item in items:
        zone = zones.get(item.get("zone_id"))
        flags = []
        if item.get("zone_status") == "outside":
            flags.append("outside_zones")
        if zone is not None and day.isoweekday() not in (zone["days"] or []):
            flags.append("zone_closed_day")
        if item["order_id"] in no_courier:
            flags.append("zone_no_courier")
        item["zone_name"] = zone["name"] if zone else ""
        item["zone_flags"] = flags


async def route_sheet(route_id: int) -> dict:
    """The printed route sheet: the route, its courier and warehouse, each stop with address, window, items
    count and amount to collect (and the order's tracking token for its QR), totals, the sheet token."""
    row = await DeliveryRoute.select().where(DeliveryRoute.id == route_id).first() if isinstance(route_id, int) else None
    if row is None:
        raise NotFound("Route %(id)s not found", id=route_id)
    courier = (await couriers_by_id([row["courier"]])).get(row["courier"])
    warehouse = await Warehouse.select(Warehouse.id, Warehouse.code, Warehouse.name, Warehouse.address,
                                       Warehouse.lat, Warehouse.lon).where(Warehouse.id == row["warehouse"]).first()
    stops = (await stops_of([route_id]))[route_id]
    return {"route": route_dict(row, courier), "warehouse": warehouse, "sheet_token": row["sheet_token"],
            "stops": stops, "totals": {"stops": len(stops), "items": sum(s["items_count"] for s in stops),
                                       "amount_to_collect": sum(s["amount_due"] for s in stops)}}
