"""The manager's delivery planning screen (/manager/delivery?day=&warehouse=): the map, a table per route,
the unassigned orders with their reasons, and the actions — optimise (with a time limit), add an urgent
order, move an order to another courier, lock/unlock a stop, publish the routes. Each action calls one
function of server/domain/delivery/planning.py and answers the plan block again (HTMX) or 303 back to
the page; a refusal shows the same block with the reason, in Russian."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from datetime import UTC, date, datetime
from typing import Any

from litestar import Controller, Request, get, post
from litestar.channels import ChannelsPlugin
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Response, ServerSentEvent, ServerSentEventMessage, Template

from server.domain.delivery import planning
from server.domain.delivery.live_events import delivery_channel
from server.domain.orders.queries import OrderFilter, list_orders
from server.domain.stock.warehouses import list_warehouses
from server.errors import DomainError, ValidationFailed
from server.routes.manager import _delivery_view as view
from server.routes.manager._common import (
    VARY,
    actor_of,
    error_messages,
    flash,
    fragment,
    page,
    redirect,
    to_int,
    wants_fragment,
)
from server.routes.manager._delivery_sources import map_settings, zones_geojson
from server.routes.manager.orders_live import order_events
from server.web.i18n import gettext as _
from server.web.templating import local_time

Answer = Template | Redirect | ClientRedirect
ROLES = {"manager"}  # and the owner
BASE = "/manager/delivery"


def _script_json(data: Any) -> str:
    """JSON safe inside <script type="application/json"> (no "</script>" can end it early)."""
    text = json.dumps(data, ensure_ascii=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _url(day: date, warehouse_id: int | None) -> str:
    return f"{BASE}?day={day.isoformat()}" + (f"&warehouse={warehouse_id}" if warehouse_id else "")


async def _context(day: date, warehouse_id: Any, *, result: dict | None = None, error: DomainError | None = None,
                   message: str = "", form: dict | None = None) -> dict[str, Any]:
    warehouses = await list_warehouses()
    warehouse = view.choose_warehouse(warehouses, warehouse_id)
    plan = view.shape_plan(await planning.day_plan(day, warehouse["id"]) if warehouse else {})
    if warehouse and not plan.get("depot"):
        plan["depot"] = warehouse
    zones = await zones_geojson(warehouse["id"]) if warehouse else None
    return {"nav": "delivery", "day": day, "warehouses": warehouses, "warehouse": warehouse, "plan": plan,
            "map_json": _script_json(view.map_data(plan, zones)), "result": result,
            "errors": error_messages(error) if error else [], "message": message, "form": form or {},
            "time_limit": view.DEFAULT_TIME_LIMIT_S, "refresh_s": view.REFRESH_S, "map": map_settings(),
            "positions_url": f"{BASE}/positions.json?day={day.isoformat()}"
                             + (f"&warehouse={warehouse['id']}" if warehouse else ""),
            "live_url": f"{BASE}/live", "plan_url": _url(day, warehouse["id"] if warehouse else None),
            "hhmm": view.hhmm, "window_text": view.window_text, **view.labels()}


async def _answer(request: Request, day: date, warehouse_id: Any, *, result: dict | None = None,
                  error: DomainError | None = None, message: str = "", form: dict | None = None) -> Answer:
    """After an action: the plan block for HTMX (422 when refused), else back to the page (303) with the
    message, or the whole page again with the refusal."""
    if not error and not wants_fragment(request):
        flash(request, message)
        return redirect(request, _url(day, to_int(warehouse_id)))
    context = await _context(day, warehouse_id, result=result, error=error, message=message, form=form)
    status = 422 if error else 200
    if wants_fragment(request):
        return fragment("manager/_delivery_plan.html", context, status_code=status)
    return page(request, "manager/delivery_plan.html", context, status_code=status)


async def _fields(request: Request) -> tuple[dict[str, str], date, Any]:
    data = await request.form()
    fields = {k: str(data.get(k) or "")[:64] for k in ("day", "warehouse", "time_limit", "order", "order_id",
                                                        "courier_id", "locked")}
    try:
        day = view.parse_day(fields["day"])
    except ValidationFailed:
        day = view.today()
    return fields, day, fields["warehouse"]


async def _warehouse_id(warehouse: Any) -> int:
    chosen = view.choose_warehouse(await list_warehouses(), warehouse)
    if chosen is None:
        raise ValidationFailed("There is no warehouse to plan deliveries from", field="warehouse")
    return int(chosen["id"])


def delivery_events(channels: ChannelsPlugin) -> AsyncGenerator[ServerSentEventMessage, None]:
    """The planning map's stream: "ready", then an event "delivery" per message of live_events.message
    ({"kind": "position" | "stop_changed" | "route_changed" | "planned" | "route_published", ids …}),
    keep-alive comments; the subscription's life as the order board's (orders_live.order_events)."""
    return order_events(channels, delivery_channel(), event="delivery")


def _run_message(run: dict) -> str:
    if run.get("timed_out") or run.get("status") == "time_limit":
        return _("Time limit reached, best found")
    return _("The routes are optimised")


class DeliveryPlanController(Controller):
    path = BASE
    opt = {"roles": ROLES}
    include_in_schema = False

    @get("/", name="manager-delivery")
    async def show(self, request: Request, day: str = "", warehouse: str = "") -> Template:
        try:
            chosen, error = view.parse_day(day), None
        except ValidationFailed as exc:
            chosen, error = view.today(), exc
        context = await _context(chosen, warehouse, error=error)
        if wants_fragment(request):
            return fragment("manager/_delivery_plan.html", context, status_code=422 if error else 200)
        return page(request, "manager/delivery_plan.html", context, status_code=422 if error else 200)

    @get("/positions.json", name="manager-delivery-positions")
    async def positions(self, day: str = "", warehouse: str = "") -> Response:
        """Couriers' latest positions for the map's refresh (every 30 s)."""
        try:
            chosen = view.parse_day(day)
        except ValidationFailed:
            chosen = view.today()
        warehouses = await list_warehouses()
        found = view.choose_warehouse(warehouses, warehouse)
        plan = view.shape_plan(await planning.day_plan(chosen, found["id"]) if found else {})
        return Response({"positions": view.position_points(plan), "updated": local_time(datetime.now(UTC), "%H:%M:%S")},
                        headers={**VARY, "Cache-Control": "no-store"})

    @get("/live", name="manager-delivery-live")
    async def live(self, request: Request, channels: ChannelsPlugin) -> ServerSentEvent | Redirect:
        """Server-Sent Events for the open planning map (pwa/manager/static/delivery-map.js); the 30 s
        positions refresh is its fallback. Someone opening the address goes to the screen."""
        if "text/event-stream" not in request.headers.get("accept", ""):
            return Redirect(BASE, status_code=303)
        return ServerSentEvent(delivery_events(channels),
                               headers={"X-Accel-Buffering": "no", "Cache-Control": "no-cache"})

    @post("/optimise", name="manager-delivery-optimise")
    async def optimise(self, request: Request) -> Answer:
        fields, day, warehouse = await _fields(request)
        try:
            limit = view.parse_time_limit(fields["time_limit"])
            run = await planning.plan_day(day, await _warehouse_id(warehouse), actor=actor_of(request),
                                          time_limit_s=limit)
        except DomainError as exc:
            return await _answer(request, day, warehouse, error=exc, form=fields)
        return await _answer(request, day, warehouse, result=run, message=_run_message(run))

    @post("/urgent", name="manager-delivery-urgent")
    async def urgent(self, request: Request) -> Answer:
        fields, day, warehouse = await _fields(request)
        try:
            order_id = await _order_id(fields["order"] or fields["order_id"])
            result = await planning.add_urgent_order(order_id, day, actor=actor_of(request))
        except DomainError as exc:
            return await _answer(request, day, warehouse, error=exc, form=fields)
        return await _answer(request, day, warehouse, result=_as_run(result),
                             message=_("Order %(number)s is added to the routes") % {"number": fields["order"] or order_id})

    @post("/move", name="manager-delivery-move")
    async def move(self, request: Request) -> Answer:
        fields, day, warehouse = await _fields(request)
        try:
            order_id, courier_id = to_int(fields["order_id"]), to_int(fields["courier_id"])
            if order_id is None:
                raise ValidationFailed("Choose the order to move", field="order_id")
            if courier_id is None:
                raise ValidationFailed("Choose the courier to give the order to", field="courier_id")
            result = await planning.move_order(order_id, courier_id, actor=actor_of(request), day=day)
        except DomainError as exc:
            return await _answer(request, day, warehouse, error=exc, form=fields)
        return await _answer(request, day, warehouse, result=_as_run(result), message=_("The order is moved"))

    @post("/stops/{stop_id:int}/lock", name="manager-delivery-lock")
    async def lock(self, request: Request, stop_id: int) -> Answer:
        fields, day, warehouse = await _fields(request)
        locked = fields["locked"] in ("1", "true", "on", "yes")
        try:
            await planning.set_stop_locked(stop_id, locked, actor=actor_of(request))
        except DomainError as exc:
            return await _answer(request, day, warehouse, error=exc)
        return await _answer(request, day, warehouse,
                             message=_("The stop is locked in place") if locked else _("The stop is unlocked"))

    @post("/publish", name="manager-delivery-publish")
    async def publish(self, request: Request) -> Answer:
        fields, day, warehouse = await _fields(request)
        try:
            count = await planning.publish_routes(day, await _warehouse_id(warehouse), actor=actor_of(request))
        except DomainError as exc:
            return await _answer(request, day, warehouse, error=exc)
        return await _answer(request, day, warehouse, message=_("Routes sent to the couriers: %(n)s") % {"n": count}
                             if count else _("No new routes to send: optimise the day first"))


def _as_run(result: Any) -> dict | None:
    """A re-plan's answer, when it is a plan run (has a status), shows as the optimiser's summary."""
    return result if isinstance(result, dict) and "status" in result else None


async def _order_id(text: str) -> int:
    """The urgent order as typed: its number («З-000123»), else digits taken as its id."""
    text = text.strip()
    if not text:
        raise ValidationFailed("Enter the number of the order to add", field="order")
    rows, _total = await list_orders(OrderFilter(query=text), limit=20)
    for row in rows:
        if str(row["number"]).casefold() == text.casefold():
            return int(row["id"])
    if text.isdigit():
        return int(text)
    raise ValidationFailed("There is no order %(number)s", field="order", number=text)
