"""The courier's day: today's route, starting it, and the device position.

- GET  /courier/ — today's route of the signed-in courier (server/domain/delivery/courier_day.py
  todays_route): stops in order with ETA, address, window, phone, amount due, comment and a status chip;
  «Начать маршрут» while it is published. No route: a page that says so. The page script
  (pwa/courier/static/courier.js) asks the worker to keep this page and every stop page for offline.
- POST /courier/route/{id}/start — published → started (a form → back to the route; JSON from the
  offline queue → {ok, message}).
- POST /courier/position — JSON {lat, lon, accuracy, at} from the page script, once a minute while the
  courier allows it → 204.
Every page carries the address of the courier's live stream (server/routes/courier/live.py): the page
script re-reads the route when the manager publishes or changes it.
"""

from __future__ import annotations

import math
import uuid

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from server.domain.delivery.courier_day import record_position, start_route
from server.errors import DomainError, ValidationFailed
from server.routes.courier._common import (
    OPT,
    actor_of,
    as_json,
    device_time,
    error_flash,
    fields,
    flash,
    json_answer,
    my_day,
    my_live_path,
    page,
    redirect,
    route_status_labels,
    status_labels,
)
from server.routes.manager._common import FLASH_KEY
from server.web.i18n import gettext as _


def _coordinate(data: dict, name: str, limit: float) -> float:
    value = data.get(name)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationFailed("The position must be two numbers: latitude and longitude", field=name) from None
    if not math.isfinite(number) or abs(number) > limit:
        raise ValidationFailed("The position must be two numbers: latitude and longitude", field=name)
    return number


async def route_context(request: Request) -> dict:
    day = await my_day(request)
    stops = day["stops"] if day else []
    done = sum(1 for s in stops if s["done"])
    upcoming = next((s for s in stops if not s["done"]), None)
    return {"day": day, "stops": stops, "done_count": done, "next_stop": upcoming, "labels": status_labels(),
            "route_labels": route_status_labels(), "new_uuid": lambda: str(uuid.uuid4()), "nav": "route",
            "live_url": await my_live_path(request, day),
            "title": _("Today's route")}


class CourierRouteController(Controller):
    path = "/courier"
    opt = OPT
    include_in_schema = False

    @get("/", name="courier-route")
    async def route(self, request: Request) -> Template:
        return page(request, "courier/route.html", await route_context(request))

    @post("/route/{route_id:int}/start", name="courier-route-start", status_code=200)
    async def start(self, request: Request, route_id: int) -> Response | Redirect:
        try:
            await start_route(route_id, actor=actor_of(request))
        except DomainError as exc:
            if as_json(request):
                raise
            request.session[FLASH_KEY] = error_flash(exc)
            return redirect(request, "/courier/")
        message = _("The route is started: good luck on the road")
        if as_json(request):
            return json_answer({"ok": True, "message": message})
        flash(request, message)
        return redirect(request, "/courier/")

    @post("/position", name="courier-position", status_code=204)
    async def position(self, request: Request) -> None:
        data = await fields(request)
        lat, lon = _coordinate(data, "lat", 90), _coordinate(data, "lon", 180)
        accuracy = data.get("accuracy")
        try:
            accuracy_m = float(accuracy) if accuracy not in (None, "") else None  # type: ignore[arg-type]
        except (TypeError, ValueError):
            accuracy_m = None
        if accuracy_m is not None and (not math.isfinite(accuracy_m) or accuracy_m < 0):
            accuracy_m = None
        await record_position(actor_of(request), lat, lon, accuracy_m, device_time(data))
