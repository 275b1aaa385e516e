"""Where the delivery is, as the customer's tracking page /t/<token> tells it: one phase and, while the
courier is expected, the arrival (tracking_eta.py).

The phases, from the order's newest stop on a route the courier can see (published, started or finished;
a draft plan is the manager's and counts as no route):
- "assigning": a courier order that is packed and has no open stop on a published or started route of
  today or later (not planned yet, planned in a draft, or its route of an earlier day, or a finished one,
  left without it) — «Заказ собран, курьер будет назначен».
- "published": its open stop is on today's route that the manager published (planning.publish_routes
  sets DeliveryRoute.status "published" and published_at) and the courier has not started — «Курьер
  выедет к вам сегодня…» with the window the plan gives (the stop's ETA, composed as when started) and
  how many addresses the plan puts before this one (nothing is done yet: all the route's stops with a
  smaller seq, as the route is now — an order the manager moved to another courier left it — but an
  order cancelled meanwhile, which the start takes off the route).
- "started": that route is started. The start is recorded: courier_day.start_route sets
  DeliveryRoute.status "started" and started_at when the courier taps «Начать маршрут» and leaves with
  the goods (the orders go out for delivery then), so nothing is derived from the stops' statuses — the
  arrival window, the addresses still before this one and the apology when late.
- "delivered": the newest stop was delivered or partly delivered — when (RouteStop.done_at).
- "failed": the newest stop failed and the order was not packed again for another try.
None otherwise (another delivery method, an order not packed yet, cancelled, a route of a later day,
delivered without a courier): the page shows its status steps only.

Nothing about the courier (who, where) or the other stops but how many are still before this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from server.config import get_settings
from server.domain.delivery import tracking_eta
from server.domain.delivery.tables import RouteStop
from server.domain.delivery.tracking_eta import FINISHED_ORDERS, OPEN_STOPS, Arrival, arrival_at_stop
from server.domain.orders.tables import Order
from server.errors import NotFound

PHASES = ("assigning", "published", "started", "delivered", "failed")
SEEN_ROUTES = ("published", "started", "finished")  # the routes a courier sees (courier_day.VISIBLE)


@dataclass(frozen=True)
class Tracking:
    phase: str  # PHASES
    arrival: Arrival | None = None  # "published" and "started" (None there too when no ETA is known)
    done_at: datetime | None = None  # "delivered": when the courier marked it (UTC)


async def _newest_stop(order_id: int) -> dict | None:
    return await RouteStop.select(
        RouteStop.id, RouteStop.route, RouteStop.seq, RouteStop.status, RouteStop.eta, RouteStop.planned_eta,
        RouteStop.late_by_s, RouteStop.done_at, RouteStop.route.day.as_alias("day"),
        RouteStop.route.status.as_alias("route_status")).where(
        (RouteStop.order == order_id) & RouteStop.route.status.is_in(list(SEEN_ROUTES))).order_by(
        RouteStop.route, ascending=False).first()


async def tracking_for_order(order: dict, now: datetime | None = None) -> Tracking | None:
    """`order` has id, status, delivery_method, window_start, window_end. None: nothing to say."""
    if order["status"] == "cancelled":
        return None
    now = now or tracking_eta.now_utc()
    tz = ZoneInfo(get_settings().timezone)
    today = now.astimezone(tz).date()
    stop = await _newest_stop(order["id"])
    if stop is not None and stop["status"] in ("delivered", "partial"):
        return Tracking("delivered", done_at=stop["done_at"])
    if stop is not None and stop["status"] == "failed" and order["status"] != "packed":
        return Tracking("failed")
    if order["status"] in FINISHED_ORDERS:
        return None
    open_ahead = (stop is not None and stop["status"] in OPEN_STOPS and stop["day"] >= today
                  and stop["route_status"] != "finished")
    if open_ahead and stop["day"] == today and stop["route_status"] in ("published", "started"):
        return Tracking(stop["route_status"], arrival=await arrival_at_stop(
            stop, order, now, tz, leaving_only=stop["route_status"] == "published"))
    if order["status"] == "packed" and order["delivery_method"] == "courier" and not open_ahead:
        return Tracking("assigning")
    return None


async def tracking_by_token(token: str, now: datetime | None = None) -> dict:
    """{"status": the order's status code, "tracking": Tracking | None} for a tracking token; NotFound."""
    token = (token or "").strip()
    order = None
    if 0 < len(token) <= 64:
        order = await Order.select(Order.id, Order.status, Order.delivery_method, Order.window_start,
                                   Order.window_end).where(Order.tracking_token == token).first()
    if order is None:
        raise NotFound("No order with this tracking link")
    return {"status": order["status"], "tracking": await tracking_for_order(order, now)}
