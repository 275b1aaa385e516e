"""The next customer hears when the courier will come.

ETAs follow the road: when the courier leaves with the route (start_route) and after each stop done
(delivered, failed, partly delivered), every remaining open stop's ETA is re-computed from that moment
(eta_calc.project_etas: the matrix provider's travel times — OSRM when configured, else the offline
haversine estimate — plus waiting for a window's start and each stop's service time); a stop that will
now be reached after its window's end gets `late_by_s`. The planned arrival stays in `planned_eta`. The
next customer is told the same figure. The outbox event "delivery.eta" carries
the minutes; its handler sends «Курьер приедет примерно через N минут» (English: "Your courier will
arrive in about N minutes") by web push to every browser following the order's tracking page, or by SMS
when no browser follows it. Each (event, channel, recipient) is sent once (the notification log).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from server.config import get_settings
from server.domain.delivery._common import service_seconds
from server.domain.delivery.eta_calc import StopTimes, project_etas
from server.domain.delivery.tables import RouteStop
from server.domain.outbox.events import emit
from server.routing.matrix import HaversineMatrix, matrix_provider
from server.routing.problem import Point

TOPIC = "delivery.eta"
OPEN = ("planned", "on_the_way", "arrived")
log = logging.getLogger("kladovka.delivery")


def minutes_word_ru(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return "минуту"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return "минуты"
    return "минут"


def eta_text(minutes: int, lang: str | None = None) -> str:
    """«Курьер приедет примерно через 12 минут» / "Your courier will arrive in about 12 minutes"."""
    lang = lang or get_settings().default_locale
    if lang == "en":
        return f"Your courier will arrive in about {minutes} minute{'' if minutes == 1 else 's'}"
    return f"Курьер приедет примерно через {minutes} {minutes_word_ru(minutes)}"


def eta_title(number: str, lang: str | None = None) -> str:
    return f"Order {number}" if (lang or get_settings().default_locale) == "en" else f"Заказ № {number}"


@dataclass(frozen=True)
class Legs:
    """Travel seconds along the route's open stops `stop_ids`, read before the write transaction (OSRM
    may take a while): times[0] from where the courier is to the first, then stop to stop."""

    stop_ids: tuple[int, ...]
    times: tuple[int, ...]


async def _open_stops(route_id: int, skip: int | None) -> list[dict]:
    from server.domain.orders.tables import OrderLine

    rows = await RouteStop.select(RouteStop.id, RouteStop.seq, RouteStop.order, RouteStop.status, RouteStop.eta,
                                  RouteStop.order.delivery_lat.as_alias("lat"),
                                  RouteStop.order.delivery_lon.as_alias("lon"),
                                  RouteStop.order.window_start.as_alias("window_start"),
                                  RouteStop.order.window_end.as_alias("window_end")).where(
        (RouteStop.route == route_id) & (RouteStop.id != (skip or 0)) & RouteStop.status.is_in(list(OPEN))
    ).order_by(RouteStop.seq).order_by(RouteStop.id)
    if rows:
        ids = [r["order"] for r in rows]
        lines = await OrderLine.select(OrderLine.order).where(OrderLine.order.is_in(ids) & (OrderLine.qty > 0))
        count: dict[int, int] = {}
        for x in lines:
            count[x["order"]] = count.get(x["order"], 0) + 1
        for r in rows:
            r["service_s"] = service_seconds(count.get(r["order"], 0))
    return rows


async def _origin(route_id: int, after_stop: dict | None) -> Point | None:
    """Where the courier drives from: the stop just done, else the last stop done, else the depot."""
    from server.domain.delivery.tables import DeliveryRoute
    from server.domain.stock.tables import Warehouse

    if after_stop is not None:
        return await _point_of_order(after_stop["order"])
    last = await RouteStop.select(RouteStop.order).where(
        (RouteStop.route == route_id) & RouteStop.done_at.is_not_null()).order_by(
        RouteStop.done_at, ascending=False).first()
    if last is not None:
        return await _point_of_order(last["order"])
    route = await DeliveryRoute.select(DeliveryRoute.warehouse).where(DeliveryRoute.id == route_id).first()
    if route is None:
        return None
    wh = await Warehouse.select(Warehouse.lat, Warehouse.lon).where(Warehouse.id == route["warehouse"]).first()
    return Point(wh["lat"], wh["lon"]) if wh and wh["lat"] is not None and wh["lon"] is not None else None


def _chain(origin: Point | None, stops: list[dict]) -> list[Point | None]:
    return [origin, *[Point(s["lat"], s["lon"]) if s["lat"] is not None and s["lon"] is not None else None
                      for s in stops]]


def _leg_times(points: list[Point | None], times: list[list[int]] | None, index: list[int]) -> tuple[int, ...]:
    """Travel seconds between consecutive points (0 when a point is missing)."""
    out = []
    for i in range(1, len(points)):
        a, b = points[i - 1], points[i]
        out.append(0 if a is None or b is None or times is None else int(times[index[i - 1]][index[i]]))
    return tuple(out)


def _matrix_index(points: list[Point | None]) -> tuple[list[Point], list[int]]:
    known = [p for p in points if p is not None]
    index, k = [], 0
    for p in points:
        index.append(k if p is not None else -1)
        k += p is not None
    return known, index


async def read_legs(route_id: int, *, after_stop: dict | None = None) -> Legs:
    """The travel times along the route's open stops (without `after_stop`, which is being done), by the
    matrix provider; the haversine estimate when it fails. Read before the write transaction."""
    stops = await _open_stops(route_id, after_stop["id"] if after_stop else None)
    points = _chain(await _origin(route_id, after_stop), stops)
    known, index = _matrix_index(points)
    times = None
    if len(known) > 1:
        try:
            _dist, times = await matrix_provider().table(known)
        except Exception as exc:  # the road service failed: the straight-line estimate will do for an ETA
            log.warning("ETA: matrix provider failed (%s), using the haversine estimate", exc)
            _dist, times = HaversineMatrix().compute(known)
    return Legs(tuple(s["id"] for s in stops), _leg_times(points, times, index))


async def refresh_etas(route_id: int, moment: datetime, legs: Legs | None = None, *,
                       after_stop: dict | None = None) -> list[dict]:
    """Inside the caller's transaction: the route's open stops get their ETA re-computed from `moment`
    (eta_calc.project_etas: travel + waiting for the window + service), eta_departure and late_by_s
    stored. `legs` read before the transaction are used when the stops are still the same ones, else
    the haversine estimate. A stop the courier has arrived at keeps its ETA; the courier leaves it after
    its service time. Returns [{"stop_id", "order_id", "eta", "late_by_s"}] in visiting order."""
    stops = await _open_stops(route_id, after_stop["id"] if after_stop else None)
    origin = await _origin(route_id, after_stop)
    start = moment
    while stops and stops[0]["status"] == "arrived":  # the courier is at this door now
        here = stops.pop(0)
        origin = Point(here["lat"], here["lon"]) if here["lat"] is not None and here["lon"] is not None else origin
        start = start + timedelta(seconds=here["service_s"])
        legs = None
    if not stops:
        return []
    if legs is None or legs.stop_ids != tuple(s["id"] for s in stops):
        points = _chain(origin, stops)
        known, index = _matrix_index(points)
        times = HaversineMatrix().compute(known)[1] if len(known) > 1 else None
        legs = Legs(tuple(s["id"] for s in stops), _leg_times(points, times, index))
    projected = project_etas(start, legs.times, [
        StopTimes(s["id"], s["service_s"], s["window_start"], s["window_end"]) for s in stops])
    out = []
    for s, p in zip(stops, projected, strict=True):
        await RouteStop.update({RouteStop.eta: p.eta, RouteStop.eta_departure: p.departure,
                                RouteStop.late_by_s: p.late_by_s}).where(RouteStop.id == s["id"])
        out.append({"stop_id": s["id"], "order_id": s["order"], "eta": p.eta, "late_by_s": p.late_by_s})
    return out


async def _point_of_order(order_id: int) -> Point | None:
    from server.domain.orders.tables import Order

    row = await Order.select(Order.delivery_lat, Order.delivery_lon).where(Order.id == order_id).first()
    if not row or row["delivery_lat"] is None or row["delivery_lon"] is None:
        return None
    return Point(row["delivery_lat"], row["delivery_lon"])


def minutes_of(seconds: int) -> int:
    return max(1, int(seconds / 60 + 0.5))


async def after_done(stop: dict, route: dict, order: dict, moment: datetime, legs: Legs | None) -> dict | None:
    """Inside the stop's transaction: the remaining stops' ETAs re-computed from `moment` (refresh_etas)
    and the event that tells the next customer the same figure. Returns {"stop_id", "order_id", "eta",
    "minutes", "late_by_s"} of the next stop, or None."""
    projected = await refresh_etas(route["id"], moment, legs, after_stop=stop)
    if not projected:
        return None
    nxt = projected[0]
    from server.domain.orders.tables import Order

    customer = await Order.select(Order.number, Order.tracking_token, Order.contact_phone, Order.contact_name).where(
        Order.id == nxt["order_id"]).first()
    seconds = max(0, int((nxt["eta"] - moment).total_seconds()))
    minutes = minutes_of(seconds)
    await emit(TOPIC, {"route_id": route["id"], "stop_id": nxt["stop_id"], "order_id": nxt["order_id"],
                       "number": customer["number"], "tracking_token": customer["tracking_token"],
                       "phone": customer["contact_phone"], "minutes": minutes, "travel_s": seconds,
                       "eta": nxt["eta"].isoformat(), "after_stop_id": stop["id"], "after_order": order["number"],
                       "late_by_s": nxt["late_by_s"]})
    return {"stop_id": nxt["stop_id"], "order_id": nxt["order_id"], "eta": nxt["eta"], "minutes": minutes,
            "late_by_s": nxt["late_by_s"]}


class EtaNotSent(Exception):
    """Some ETA messages could not be sent; the outbox tries the event again."""


async def handle_eta(event: Any) -> None:
    """The outbox handler of "delivery.eta": push to the order's tracking-page browsers, else SMS."""
    from server.domain.notify.deliveries import record_attempt, was_sent
    from server.domain.notify.handler import normalise_phone
    from server.domain.notify.message import tracking_url
    from server.domain.notify.providers import SubscriptionGone, sender
    from server.domain.notify.push import forget, subscriptions_for

    payload = event.payload or {}
    number, token = str(payload.get("number") or ""), str(payload.get("tracking_token") or "")
    minutes = int(payload.get("minutes") or 1)
    text, title, url = eta_text(minutes), eta_title(number), tracking_url(token)
    about = {"order_number": number, "order_status": "eta"}
    failures: list[str] = []
    subscriptions = await subscriptions_for(token) if token and sender("push") is not None else []
    targets: list[tuple[str, Any]] = [("push", s) for s in subscriptions]
    phone = normalise_phone(payload.get("phone"))
    if not targets and phone and sender("sms") is not None:
        targets.append(("sms", phone))
    for channel, target in targets:
        address = target["endpoint"] if channel == "push" else target
        if await was_sent(event.event_id, channel, address):
            continue
        try:
            if channel == "push":
                await sender("push").send_push(target, {"title": title, "body": text, "url": url,
                                                        "tag": f"order-{number}-eta"})
            else:
                await sender("sms").send_sms(target, f"{title}: {text}. {url}".strip())
        except SubscriptionGone:
            await forget(address)
            await record_attempt(event.event_id, channel, address, error="the subscription has expired", **about)
            continue
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}".strip()
            log.warning("order %s: ETA %s to %s failed: %s", number, channel, address[:80], error)
            await record_attempt(event.event_id, channel, address, error=error, **about)
            failures.append(f"{channel}: {error}")
            continue
        await record_attempt(event.event_id, channel, address, **about)
    if failures:
        raise EtaNotSent("; ".join(failures)[:1500])
