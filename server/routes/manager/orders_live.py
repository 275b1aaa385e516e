"""GET /manager/orders/live: Server-Sent Events for open order boards (pwa/common/static/live-orders.js).

The stream starts with an event "ready" (the subscription is in place: a board that reconnected
re-reads its rows then), then sends an event "order" with the JSON of server/live.py for every new or
changed order, and a comment every KEEPALIVE_SECONDS so proxies keep the connection and a gone client
is noticed. After LIFETIME_SECONDS the server ends the stream and the browser reconnects (after
`retry` ms), which checks the session again. A client that disconnects ends the subscription at once.
A request that does not accept text/event-stream (someone opening the address) goes to the board.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import anyio
from litestar import Controller, Request, get
from litestar.channels import ChannelsPlugin
from litestar.response import Redirect, ServerSentEvent, ServerSentEventMessage

from server.live import orders_channel
from server.routes.manager._orders_common import READ_ROLES

KEEPALIVE_SECONDS = 20.0
LIFETIME_SECONDS = 15 * 60.0
RETRY_MS = 3000


async def order_events(channels: ChannelsPlugin, channel: str, *, event: str = "order",
                       keepalive: float = KEEPALIVE_SECONDS,
                       lifetime: float = LIFETIME_SECONDS) -> AsyncGenerator[ServerSentEventMessage, None]:
    """The stream of one board: "ready", then the channel's messages as `event` events (also the planning
    map's "delivery" and the courier app's "route" streams)."""
    subscriber = await channels.subscribe([channel])
    inbox: asyncio.Queue[bytes] = asyncio.Queue(maxsize=1000)

    async def keep(data: bytes) -> None:
        if not inbox.full():  # a board this far behind re-reads everything on the next message anyway
            inbox.put_nowait(data)

    try:
        async with subscriber.run_in_background(keep, join=False):
            yield ServerSentEventMessage(event="ready", data="{}", retry=RETRY_MS)
            deadline = asyncio.get_running_loop().time() + lifetime
            while (left := deadline - asyncio.get_running_loop().time()) > 0:
                try:
                    data = await asyncio.wait_for(inbox.get(), timeout=min(keepalive, left))
                except TimeoutError:
                    yield ServerSentEventMessage(comment="keep-alive", data=None)
                    continue
                yield ServerSentEventMessage(event=event, data=data.decode("utf-8", "replace"))
    finally:
        with anyio.CancelScope(shield=True):  # a disconnect cancels us: unsubscribe all the same
            await channels.unsubscribe(subscriber, [channel])


class OrdersLiveController(Controller):
    path = "/manager/orders/live"
    opt = {"roles": READ_ROLES}
    include_in_schema = False

    @get("/", name="manager-orders-live")
    async def live(self, request: Request, channels: ChannelsPlugin) -> ServerSentEvent | Redirect:
        if "text/event-stream" not in request.headers.get("accept", ""):
            return Redirect("/manager/orders", status_code=303)
        return ServerSentEvent(order_events(channels, orders_channel()),
                               headers={"X-Accel-Buffering": "no", "Cache-Control": "no-cache"})
