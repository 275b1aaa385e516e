"""The next customer hears when the courier will come.

When a stop is done (delivered, failed, partly delivered), the route's next open stop gets a new ETA:
the moment of the action + the travel time from this stop to it (the matrix provider: OSRM when
configured, else the offline haversine estimate), nothing else. The outbox event "delivery.eta" carries
the minutes; its handler sends «Курьер приедет примерно через N минут» (English: "Your courier will
arrive in about N minutes") by web push to every browser following the order's tracking page, or by SMS
when no browser follows it. Each (event, channel, recipient) is sent once (the notification log).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from server.config import get_settings
from server.domain.delivery.tables import RouteStop
from server.domain.outbox.events import emit
from server.routing.matrix import HaversineMatrix, matrix_provider
from server.routing.problem import Point

TOPIC = "delivery.eta"
OPEN = ("planned", "on_the_way")
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


async def _next_open(stop: dict) -> dict | None:
    return await RouteStop.select(RouteStop.id, RouteStop.seq, RouteStop.order,
                                  RouteStop.order.delivery_lat.as_alias("lat"),
                                  RouteStop.order.delivery_lon.as_alias("lon")).where(
        (RouteStop.route == stop["route"]) & (RouteStop.id != stop["id"]) & RouteStop.status.is_in(list(OPEN))
    ).order_by(RouteStop.seq).order_by(RouteStop.id).first()


async def _point_of_order(order_id: int) -> Point | None:
    from server.domain.orders.tables import Order

    row = await Order.select(Order.delivery_lat, Order.delivery_lon).where(Order.id == order_id).first()
    if not row or row["delivery_lat"] is None or row["delivery_lon"] is None:
        return None
    return Point(row["delivery_lat"], row["delivery_lon"])


async def travel_to_next(stop: dict) -> tuple[int, int] | None:
    """(next stop id, travel seconds from this stop to it), read before the write transaction (OSRM may
    take a while); None when there is no next stop or a point is missing."""
    nxt = await _next_open(stop)
    here = await _point_of_order(stop["order"])
    if nxt is None or here is None or nxt["lat"] is None or nxt["lon"] is None:
        return None
    points = [here, Point(nxt["lat"], nxt["lon"])]
    try:
        _dist, times = await matrix_provider().table(points)
    except Exception as exc:  # the road service failed: the straight-line estimate will do for an ETA
        log.warning("ETA: matrix provider failed (%s), using the haversine estimate", exc)
        _dist, times = HaversineMatrix().compute(points)
    return nxt["id"], int(times[0][1])


def minutes_of(seconds: int) -> int:
    return max(1, int(seconds / 60 + 0.5))


async def after_done(stop: dict, route: dict, order: dict, moment: datetime,
                     travel: tuple[int, int] | None) -> dict | None:
    """Inside the stop's transaction: the next open stop's new ETA and the event that tells its customer.
    Returns {"stop_id", "order_id", "eta", "minutes"} or None."""
    nxt = await _next_open(stop)
    if nxt is None:
        return None
    if travel is None or travel[0] != nxt["id"]:  # the route changed since the travel time was read
        here, there = await _point_of_order(stop["order"]), await _point_of_order(nxt["order"])
        if here is None or there is None:
            return None
        travel = (nxt["id"], HaversineMatrix().compute([here, there])[1][0][1])
    seconds = travel[1]
    eta = moment + timedelta(seconds=seconds)
    await RouteStop.update({RouteStop.eta: eta}).where(RouteStop.id == nxt["id"])
    from server.domain.orders.tables import Order

    customer = await Order.select(Order.number, Order.tracking_token, Order.contact_phone, Order.contact_name).where(
        Order.id == nxt["order"]).first()
    minutes = minutes_of(seconds)
    await emit(TOPIC, {"route_id": route["id"], "stop_id": nxt["id"], "order_id": nxt["order"],
                       "number": customer["number"], "tracking_token": customer["tracking_token"],
                       "phone": customer["contact_phone"], "minutes": minutes, "travel_s": seconds,
                       "eta": eta.isoformat(), "after_stop_id": stop["id"], "after_order": order["number"]})
    return {"stop_id": nxt["id"], "order_id": nxt["order"], "eta": eta, "minutes": minutes}


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
