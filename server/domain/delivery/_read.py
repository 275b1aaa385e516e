"""Reading routes and their stops with what the courier and the manager need of each order."""

from __future__ import annotations

from typing import Any

from server.domain.delivery._common import amount_due
from server.domain.delivery.tables import Courier, DeliveryRoute, RouteStop
from server.domain.orders.tables import Order, OrderLine

ROUTE_FIELDS = ("id", "day", "warehouse", "courier", "status", "sheet_token", "distance_m", "duration_s",
                "planned_start", "planned_end", "published_at", "started_at", "finished_at", "version")


def route_dict(row: dict, courier: dict | None = None) -> dict:
    out = {k: row.get(k) for k in ROUTE_FIELDS}
    out["courier_id"] = row.get("courier")
    if courier is not None:
        out["courier_name"] = courier.get("name", "")
        out["courier_phone"] = courier.get("phone", "")
        out["vehicle"] = courier.get("vehicle", "")
        out["username"] = courier.get("username", "")
    return out


async def couriers_by_id(ids: list[int]) -> dict[int, dict]:
    if not ids:
        return {}
    rows = await Courier.select(*Courier.all_columns(), Courier.user.username.as_alias("username")).where(
        Courier.id.is_in(sorted(set(ids))))
    return {r["id"]: r for r in rows}


async def stops_of(route_ids: list[int], *, with_due: bool = True) -> dict[int, list[dict]]:
    """route id → its stops in visiting order, each with the order's delivery data and lines."""
    out: dict[int, list[dict]] = {rid: [] for rid in route_ids}
    if not route_ids:
        return out
    stops = await RouteStop.select().where(RouteStop.route.is_in(list(route_ids))).order_by(
        RouteStop.route).order_by(RouteStop.seq).order_by(RouteStop.id)
    orders = await order_rows([s["order"] for s in stops], with_due=with_due)
    for s in stops:
        out[s["route"]].append(stop_dict(s, orders.get(s["order"], {})))
    return out


async def order_rows(order_ids: list[int], *, with_due: bool = True) -> dict[int, dict]:
    """order id → the order row with `lines`, `items_count` and `amount_due`."""
    ids = sorted(set(order_ids))
    if not ids:
        return {}
    rows = await Order.select().where(Order.id.is_in(ids))
    lines = await OrderLine.select().where(OrderLine.order.is_in(ids)).order_by(OrderLine.line_no)
    by_order: dict[int, list[dict]] = {}
    for line in lines:
        by_order.setdefault(line["order"], []).append(line)
    out: dict[int, dict] = {}
    for row in rows:
        mine = [x for x in by_order.get(row["id"], []) if x["qty"] > 0]
        row["lines"] = [{"line_id": x["id"], "line_no": x["line_no"], "variant_id": x["variant"], "sku": x["sku"],
                         "name": x["name"], "qty": x["qty"], "price": x["price"], "discount": x["discount"],
                         "shipped": x["shipped"]} for x in mine]
        row["items_count"] = sum(x["qty"] for x in mine)
        row["amount_due"] = await amount_due(row) if with_due else max(0, row["total"] - row["paid"])
        out[row["id"]] = row
    return out


def stop_dict(stop: dict, order: dict[str, Any]) -> dict:
    return {
        "id": stop["id"], "route_id": stop["route"], "seq": stop["seq"], "status": stop["status"],
        "eta": stop["eta"], "eta_departure": stop["eta_departure"], "planned_eta": stop.get("planned_eta"),
        "late_by_s": stop.get("late_by_s") or 0, "locked": stop["locked"],
        "pinned": stop["pinned"], "fail_reason": stop["fail_reason"], "stop_comment": stop["comment"],
        "done_at": stop["done_at"],
        "order_id": stop["order"], "order_number": order.get("number", ""), "order_status": order.get("status", ""),
        "tracking_token": order.get("tracking_token", ""),
        "window_start": order.get("window_start"), "window_end": order.get("window_end"),
        "address": order.get("delivery_address", ""), "lat": order.get("delivery_lat"),
        "lon": order.get("delivery_lon"), "contact_name": order.get("contact_name", ""),
        "contact_phone": order.get("contact_phone", ""), "comment": order.get("comment", ""),
        "payment_method": order.get("payment_method", ""), "total": order.get("total", 0),
        "paid": order.get("paid", 0), "amount_due": order.get("amount_due", 0),
        "items_count": order.get("items_count", 0), "lines": order.get("lines", []),
        "zone_id": order.get("delivery_zone_id"), "zone_status": order.get("zone_status", ""),
    }


async def route_with_stops(route_id: int) -> dict | None:
    row = await DeliveryRoute.select().where(DeliveryRoute.id == route_id).first()
    if row is None:
        return None
    courier = (await couriers_by_id([row["courier"]])).get(row["courier"])
    stops = (await stops_of([route_id]))[route_id]
    return {"route": route_dict(row, courier), "stops": stops}
