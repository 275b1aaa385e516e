"""Live updates for open screens: the manager's order board hears about new and changed orders.

The outbox handlers of "order.created", "order.status_changed", "order.pick_shortage" and
"order.lines_changed" publish a small JSON message
    {"kind": "created" | "status" | "shortage" | "lines", "order_id", "number", "status", "from"}
on the channel `orders_channel()` ("manager.orders"). The outbox hands out only committed events, so a
board that re-reads its rows on a message sees the change. The creation's own "status_changed"
(from None to "new") is not published again: "created" already said it.

Where a message goes:
- In a server process (the inline worker, KLADOVKA_WORKER=inline, the default): through the app's
  ChannelsPlugin, bound at start-up by server.outbox_runner — the memory backend reaches the boards of
  this process, the Redis backend (REDIS_URL) the boards of every process.
- In a process without an app (`kladovka worker`), or on another event loop than the app's (a test
  calling the worker beside an in-process app): straight to Redis pub/sub when REDIS_URL is set
  (the channels' Redis backend of the servers listens there); without Redis it is skipped: the boards
  live in other processes' memory, out of reach. So a live board needs the inline worker or REDIS_URL.
With Redis the channel name carries the Redis database number ("manager.orders.db1"): pub/sub ignores
the database, and two shops sharing one Redis must not hear each other.

Publishing is best effort: a failure is logged, never raised, so that an event is not retried (and
its customer messages re-sent) because a board missed a refresh. Latency: the inline worker polls
every second; the routes that change an order call `outbox.worker.wake()` after their commit.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from server.config import get_settings

log = logging.getLogger("kladovka.live")
ORDERS = "manager.orders"
TOPICS = ("order.created", "order.status_changed", "order.pick_shortage", "order.lines_changed")
CHANGES = {"order.pick_shortage": "shortage", "order.lines_changed": "lines"}  # re-read, nothing else

_bound: Any = None  # the ChannelsPlugin of the app running in this process, if any
_bound_loop: asyncio.AbstractEventLoop | None = None  # the event loop that app runs on


def _redis_db(url: str) -> int:
    from redis.asyncio.connection import parse_url

    try:
        return int(parse_url(url).get("db") or 0)
    except (ValueError, TypeError):
        return 0


def orders_channel() -> str:
    """The channel the order board listens to (per Redis database when REDIS_URL is set)."""
    url = get_settings().redis_url
    return f"{ORDERS}.db{_redis_db(url)}" if url else ORDERS


def bind(app: Any) -> None:
    """Publish through this app's ChannelsPlugin from now on (called at the app's start-up, on its loop)."""
    from litestar.channels import ChannelsPlugin

    global _bound, _bound_loop
    try:
        _bound = app.plugins.get(ChannelsPlugin)
    except KeyError:
        _bound = None
    _bound_loop = asyncio.get_running_loop() if _bound is not None else None


def unbind(app: Any) -> None:
    """Forget the app's plugin at shut-down (only when it is the bound one)."""
    from litestar.channels import ChannelsPlugin

    global _bound
    try:
        plugin = app.plugins.get(ChannelsPlugin)
    except KeyError:
        return
    if plugin is _bound:
        _bound = None


async def publish(channel: str, message: dict[str, Any]) -> bool:
    """Sends `message` (JSON) to `channel`; False when nobody could be reached or it failed."""
    data = json.dumps(message, ensure_ascii=False).encode("utf-8")
    try:
        if _bound is not None and asyncio.get_running_loop() is _bound_loop:  # the plugin's queues live there
            await _bound.wait_published(data, [channel])
            return True
        url = get_settings().redis_url
        if not url:
            return False
        from redis.asyncio import Redis

        client = Redis.from_url(url)
        try:
            await client.publish(channel, data)
        finally:
            await client.aclose()
        return True
    except Exception as exc:  # best effort: see the module docstring
        log.warning("live update on %s not published: %s", channel, exc)
        return False


def order_message(topic: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    """What the board hears about an outbox event of an order (None: nothing to say)."""
    if topic == "order.created":
        return {"kind": "created", "order_id": payload.get("order_id"), "number": payload.get("number"),
                "status": payload.get("status"), "from": None}
    if topic == "order.status_changed" and payload.get("from"):
        return {"kind": "status", "order_id": payload.get("order_id"), "number": payload.get("number"),
                "status": payload.get("to"), "from": payload.get("from")}
    if topic in CHANGES:  # the picker reported missing goods, the manager resolved it or changed the lines
        return {"kind": CHANGES[topic], "order_id": payload.get("order_id"), "number": payload.get("number"),
                "status": payload.get("status"), "from": None}
    return None


async def publish_order_event(event: Any) -> None:
    """The outbox handler of TOPICS (event: server.domain.outbox.worker.Event)."""
    message = order_message(event.topic, event.payload or {})
    if message is not None:
        await publish(orders_channel(), message)


def register_handlers() -> None:
    from server.domain.outbox.worker import register

    for topic in TOPICS:
        register(topic, publish_order_event)
