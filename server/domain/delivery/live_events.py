"""Outbox handlers of the delivery events: the ETA message to the next customer (eta.py) and live
messages for open screens — the courier's app hears about its route (published, changed by a re-plan,
started) on `courier_channel(courier_id)`, the manager's planning map about every route, stop and
position change on `delivery_channel()`. Live messages are best effort (server/live.py)."""

from __future__ import annotations

from typing import Any

from server.domain.delivery.eta import TOPIC as ETA_TOPIC
from server.domain.delivery.eta import handle_eta

ROUTE_TOPICS = ("delivery.route_published", "delivery.route_changed")
MANAGER_TOPICS = (*ROUTE_TOPICS, "delivery.stop_changed", "delivery.position", "delivery.planned")


def _suffix() -> str:
    from server.live import ORDERS, orders_channel

    return orders_channel().removeprefix(ORDERS)  # ".db4" with Redis, "" in memory


def courier_channel(courier_id: int) -> str:
    """The channel the courier's app listens to (per Redis database when REDIS_URL is set)."""
    return f"courier.{int(courier_id)}{_suffix()}"


def delivery_channel() -> str:
    """The channel the manager's planning screen listens to."""
    return f"manager.delivery{_suffix()}"


def message(topic: str, payload: dict[str, Any]) -> dict[str, Any]:
    kind = topic.removeprefix("delivery.")
    keep = ("route_id", "stop_id", "order_id", "number", "status", "courier_id", "warehouse_id", "day", "change",
            "lat", "lon", "at")
    return {"kind": kind, **{k: payload[k] for k in keep if k in payload}}


async def publish_delivery_event(event: Any) -> None:
    from server.live import publish

    payload = event.payload or {}
    msg = message(event.topic, payload)
    if event.topic in ROUTE_TOPICS and payload.get("courier_id"):
        await publish(courier_channel(payload["courier_id"]), msg)
    await publish(delivery_channel(), msg)


def register_handlers() -> None:
    from server.domain.outbox.worker import register

    register(ETA_TOPIC, handle_eta)
    for topic in MANAGER_TOPICS:
        register(topic, publish_delivery_event)
