"""The courier's day, as the courier app calls it: who the courier is, today's route, leaving the
warehouse with it, marking each stop (stop_actions.py) and sending the phone's position.

A courier sees only their own route, and only once it is published (draft plans are the manager's);
anybody else's route or stop is "not found". Every write opens write_tx() and raises the day's planning
version, so a plan being computed meanwhile does not overwrite what happened on the road.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.delivery import eta as eta_mod
from server.domain.delivery._common import bump_version, device_moment, local_today, lock_suffix, now_utc
from server.domain.delivery._read import route_dict, route_with_stops, stops_of
from server.domain.delivery.stop_actions import mark_stop
from server.domain.delivery.tables import Courier, CourierPosition, DeliveryRoute, RouteStop
from server.domain.orders.status import change_status
from server.domain.outbox.events import emit
from server.errors import Conflict, NotFound, ValidationFailed

VISIBLE = ("published", "started", "finished")
POSITIONS_KEPT = timedelta(days=7)

__all__ = ["courier_for_user", "todays_route", "start_route", "mark_stop", "record_position"]


async def courier_for_user(username: str) -> dict | None:
    """The courier row of this user (with `username`), or None when the user is no courier."""
    row = await Courier.select(*Courier.all_columns(), Courier.user.username.as_alias("username")).where(
        Courier.user.username == (username or "")).first()
    return row


async def todays_route(username: str, day: date | None = None) -> dict | None:
    """{"route": {...}, "stops": [...]} of the courier's published, started or finished route of `day`
    (default: today in the shop's time zone), or None."""
    courier = await courier_for_user(username)
    if courier is None:
        return None
    row = await DeliveryRoute.select().where(
        (DeliveryRoute.courier == courier["id"]) & (DeliveryRoute.day == (day or local_today()))
        & DeliveryRoute.status.is_in(list(VISIBLE))).order_by(DeliveryRoute.id, ascending=False).first()
    if row is None:
        return None
    stops = (await stops_of([row["id"]]))[row["id"]]
    return {"route": route_dict(row, courier), "stops": stops}


async def own_route(route_id: int, actor: str, *, lock: bool = False) -> dict:
    """The route row if `actor` is its courier and it is visible to them; else NotFound."""
    rows = await DeliveryRoute.raw(f"SELECT * FROM delivery_route WHERE id = {{}}{lock_suffix() if lock else ''}",
                                   route_id)
    courier = await courier_for_user(actor)
    if not rows or courier is None or rows[0]["courier"] != courier["id"] or rows[0]["status"] not in VISIBLE:
        raise NotFound("Route %(id)s not found", id=route_id)
    return rows[0]


async def start_route(route_id: int, *, actor: str) -> dict:
    """published → started: the courier leaves with the goods. Each stop's order goes out for delivery
    (orders/status.change_status consumes its reservations into the shipment); a stop whose order can
    no longer leave (cancelled meanwhile) is taken off the route and listed in "skipped". The stops' ETAs
are re-computed from this moment (eta.refresh_etas: a route started late is late). Starting a
    started route again changes nothing. Returns the route with its stops and "skipped"."""
    skipped: list[str] = []
    await own_route(route_id, actor)  # (a stranger learns nothing, not even the road times)
    legs = await eta_mod.read_legs(route_id)  # from the depot, read before the write transaction
    async with write_tx():
        route = await own_route(route_id, actor, lock=True)
        if route["status"] == "finished":
            raise Conflict("This route is finished already", field="route")
        if route["status"] == "published":
            stops = await RouteStop.select(RouteStop.id, RouteStop.order, RouteStop.status,
                                           RouteStop.order.number.as_alias("number"),
                                           RouteStop.order.status.as_alias("order_status")).where(
                RouteStop.route == route_id).order_by(RouteStop.seq)
            for stop in stops:
                if stop["status"] != "planned" or stop["order_status"] == "out_for_delivery":
                    continue
                if stop["order_status"] == "packed":
                    await change_status(stop["order"], "out_for_delivery", actor=actor)
                else:
                    await RouteStop.delete().where(RouteStop.id == stop["id"])
                    skipped.append(stop["number"])
            now = now_utc()
            await DeliveryRoute.update({DeliveryRoute.status: "started", DeliveryRoute.started_at: now,
                                        DeliveryRoute.version: DeliveryRoute.version + 1}).where(
                DeliveryRoute.id == route_id)
            await eta_mod.refresh_etas(route_id, now, legs)  # leaving later or earlier than planned
            await bump_version(route["day"], route["warehouse"])
            await record(actor, "delivery.route_start", "delivery_route", route_id,
                         {"stops": len(stops) - len(skipped), "skipped": skipped})
            await emit("delivery.route_changed", {"route_id": route_id, "courier_id": route["courier"],
                                                  "day": route["day"].isoformat(), "change": "started",
                                                  "warehouse_id": route["warehouse"]})
    out = await route_with_stops(route_id) or {}
    out["skipped"] = skipped
    return out


def _number(value: object, low: float, high: float, field: str, message: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or not low <= value <= high:
        raise ValidationFailed(message, field=field)
    return float(value)


async def record_position(username: str, lat: float, lon: float, accuracy_m: float | None,
                          at: datetime | None) -> None:
    """Stores where the courier's phone is (the manager's map shows the latest); positions older than a
    week are dropped."""
    courier = await courier_for_user(username)
    if courier is None or not courier["active"]:
        raise NotFound("You are not a courier of this shop")
    lat = _number(lat, -90, 90, "lat", "The latitude must be a number from -90 to 90")
    lon = _number(lon, -180, 180, "lon", "The longitude must be a number from -180 to 180")
    if accuracy_m is not None:
        accuracy_m = _number(accuracy_m, 0, 100_000, "accuracy_m",
                             "The accuracy must be a number of metres from 0 to 100000")
    moment = device_moment(at)
    now = now_utc()
    if moment < now - POSITIONS_KEPT:
        raise ValidationFailed("The position is older than a week", field="at")
    async with write_tx():
        await CourierPosition.insert(CourierPosition(courier=courier["id"], lat=lat, lon=lon,
                                                     accuracy_m=accuracy_m, at=moment))
        await CourierPosition.delete().where((CourierPosition.courier == courier["id"])
                                             & (CourierPosition.at < now - POSITIONS_KEPT))
        await emit("delivery.position", {"courier_id": courier["id"], "warehouse_id": courier["warehouse"],
                                         "lat": lat, "lon": lon, "at": moment.isoformat()})


