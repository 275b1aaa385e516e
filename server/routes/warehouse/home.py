"""The warehouse app's start: the queue of orders waiting to be picked, and the picker's open pick lists.

GET /warehouse/ — the queue of one warehouse (chosen with ?warehouse=<id> when there are several; the
choice is remembered for the session), each order with its lines and units, delivery window, a
«маркировка» badge and «не хватает» when it is short (it cannot be taken then). The picker ticks one
order → «Собрать», or several → «Собрать волной», in item-first or location-first mode (the form posts
to /warehouse/pick, server/routes/warehouse/picking.py). Below: the picker's own open lists to resume.
An HTMX GET of the page answers the queue only (pwa/common/static/live-orders.js re-reads it when an
order event arrives on GET /warehouse/live, Server-Sent Events).
"""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.channels import ChannelsPlugin
from litestar.response import Redirect, ServerSentEvent, Template

from server.domain.picking.lists import orders_to_pick, warehouses_with_queue
from server.domain.picking.queries import pick_lists
from server.live import orders_channel
from server.routes.manager.orders_live import order_events
from server.routes.warehouse._common import OPT, actor_of, fragment, page, wants_fragment

WAREHOUSE_KEY = "warehouse_id"  # the picker's warehouse, kept in the session


def chosen_warehouse(request: Request, warehouses: list[dict], asked: str) -> int | None:
    """?warehouse= when it names one of `warehouses` (remembered), else the one remembered, else the only
    one, else the first with work waiting (its "waiting" count: orders, receipts…); None when there are
    no warehouses at all. Shared by the app's screens, so the picker's warehouse follows them around."""
    ids = [w["id"] for w in warehouses]
    wanted = int(asked) if asked.strip().isdigit() else None
    if wanted in ids:
        request.session[WAREHOUSE_KEY] = wanted
        return wanted
    remembered = (request.session or {}).get(WAREHOUSE_KEY)
    if remembered in ids:
        return remembered
    waiting = [w["id"] for w in warehouses if w.get("waiting")]
    return (waiting or ids or [None])[0]


async def queue_context(request: Request, asked: str = "") -> dict:
    warehouses = await warehouses_with_queue()
    chosen = chosen_warehouse(request, warehouses, asked)
    orders = await orders_to_pick(chosen) if chosen is not None else []
    return {"warehouses": warehouses, "warehouse_id": chosen, "orders": orders, "selected": set(), "mode": "item"}


class WarehouseHomeController(Controller):
    path = "/warehouse"
    opt = OPT
    include_in_schema = False

    @get("/", name="warehouse-home")
    async def home(self, request: Request, warehouse: str = "") -> Template:
        context = await queue_context(request, warehouse)
        if wants_fragment(request):
            return fragment("warehouse/_pick_queue.html", context)
        lists = await pick_lists(picker=actor_of(request))
        return page(request, "warehouse/home.html", {**context, "lists": lists, "nav": "pick"})

    @get("/live", name="warehouse-live")
    async def live(self, request: Request, channels: ChannelsPlugin) -> ServerSentEvent | Redirect:
        """The queue's stream: an event "order" whenever an order is created or changes status."""
        if "text/event-stream" not in request.headers.get("accept", ""):
            return Redirect("/warehouse/", status_code=303)
        return ServerSentEvent(order_events(channels, orders_channel()),
                               headers={"X-Accel-Buffering": "no", "Cache-Control": "no-cache"})
