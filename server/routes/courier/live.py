"""GET /courier/live/{courier_id}: Server-Sent Events on the courier's own live channel
(server/domain/delivery/live_events.py courier_channel) for the open courier app (pwa/courier/static/app.js).

The manager publishing the day's routes, a re-plan that changes the courier's route (an urgent order added,
an order moved to or away from them) and the route's start arrive as an event "route" with the JSON of
live_events.message ({"kind": "route_published" | "route_changed", "route_id", "courier_id", "change", …});
the page then re-reads its route and says «Маршрут изменён». The stream starts with "ready" and keeps
alive and ends as the order board's (server/routes/manager/orders_live.py order_events); the page polls the
route only while the stream is not connected.

Only the courier themself listens: another courier's id (or the owner, who is nobody's courier) is a 403.
A request that does not accept text/event-stream (someone opening the address) goes to the route page.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

from litestar import Controller, Request, get
from litestar.channels import ChannelsPlugin
from litestar.response import Redirect, ServerSentEvent, ServerSentEventMessage

from server.domain.delivery.courier_day import courier_for_user
from server.domain.delivery.live_events import courier_channel
from server.errors import PermissionDenied
from server.routes.courier._common import OPT, actor_of
from server.routes.manager.orders_live import order_events


def route_events(channels: ChannelsPlugin, courier_id: int) -> AsyncGenerator[ServerSentEventMessage, None]:
    """The courier's stream: "ready", then an event "route" per message of their channel."""
    return order_events(channels, courier_channel(courier_id), event="route")


class CourierLiveController(Controller):
    path = "/courier/live"
    opt = OPT
    include_in_schema = False

    @get("/{courier_id:int}", name="courier-live")
    async def live(self, request: Request, channels: ChannelsPlugin, courier_id: int) -> ServerSentEvent | Redirect:
        if "text/event-stream" not in request.headers.get("accept", ""):
            return Redirect("/courier/", status_code=303)
        me = await courier_for_user(actor_of(request))
        if me is None or me["id"] != courier_id:
            raise PermissionDenied("You may listen only to your own route")
        return ServerSentEvent(route_events(channels, courier_id),
                               headers={"X-Accel-Buffering": "no", "Cache-Control": "no-cache"})
