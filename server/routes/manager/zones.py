"""Delivery zones (/manager/zones): the list with price, minimum order, days, slots and couriers; a map of
every zone in its colour where a new zone is drawn or one is edited (Leaflet-Geoman, zones-map.js); the
zone form also works without JavaScript with GeoJSON pasted into it; GeoJSON import (atomic, every
problem with its feature number) and export. For managers (and the owner)."""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Response, Template

from server.domain.stock.warehouses import list_warehouses
from server.domain.users.manage import list_users
from server.domain.zones.assign import place_order_pin, suggest_order_point
from server.domain.zones.fields import ALL_DAYS, ZoneInput, format_slots, parse_list, parse_slots
from server.domain.zones.geojson_io import MAX_BYTES, export_geojson, export_text, import_geojson
from server.domain.zones.window import change_order_window
from server.domain.zones.zones import create_zone, delete_zone, get_zone, list_zones, update_zone
from server.errors import DomainError, ValidationFailed
from server.routes.manager._common import (
    actor_of,
    error_flash,
    errors_by_field,
    flash,
    money_input,
    page,
    parse_money,
    redirect,
    to_int,
)
from server.routes.manager._map import map_settings
from server.web.i18n import gettext as _
from server.web.i18n import translate_error

ZONE_ROLES = {"manager"}  # and the owner
Answer = Template | Redirect | ClientRedirect


def _day_names() -> list[tuple[int, str]]:
    return list(zip(ALL_DAYS, [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")], strict=True))


def _typed(zone: dict | None) -> dict[str, Any]:
    """What the form shows for a zone (or a new one)."""
    if zone is None:
        return {"name": "", "color": "#3388ff", "price": "", "min_order": "", "days": list(ALL_DAYS), "slots": "",
                "couriers": "", "priority": "0", "active": True, "warehouse_id": None, "geometry": "",
                "cutoff_minutes": "", "cutoff_time": "", "slot_capacity": ""}
    return {"name": zone["name"], "color": zone["color"], "price": money_input(zone["delivery_price"]),
            "min_order": money_input(zone["min_order"]), "days": zone["days"], "slots": format_slots(zone["slots"]),
            "couriers": ", ".join(zone["default_couriers"]), "priority": str(zone["priority"]),
            "active": zone["active"], "warehouse_id": zone["warehouse"],
            "geometry": json.dumps(zone["geometry"], ensure_ascii=False),
            "cutoff_minutes": _blank(zone.get("cutoff_minutes")), "cutoff_time": zone.get("cutoff_time") or "",
            "slot_capacity": _blank(zone.get("slot_capacity"))}


def _blank(value: int | None) -> str:
    return "" if value is None else str(value)


def _from_form(form) -> tuple[dict[str, Any], ZoneInput]:
    typed = {"name": str(form.get("name") or "")[:300], "color": str(form.get("color") or "")[:20],
             "price": str(form.get("price") or "")[:20], "min_order": str(form.get("min_order") or "")[:20],
             "days": [d for d in (to_int(x) for x in form.getall("days", [])) if d is not None],
             "slots": str(form.get("slots") or "")[:500], "couriers": str(form.get("couriers") or "")[:1000],
             "priority": str(form.get("priority") or "0")[:10], "active": bool(form.get("active")),
             "warehouse_id": to_int(form.get("warehouse_id")), "geometry": str(form.get("geometry") or ""),
             **{k: str(form.get(k) or "")[:20] for k in ("cutoff_minutes", "cutoff_time", "slot_capacity")}}
    price, minimum = parse_money(typed["price"]), parse_money(typed["min_order"])
    text = typed["priority"].strip()
    priority: Any = 0 if not text else to_int(text)
    priority = text if priority is None else priority  # not a number: check_zone says so
    z = ZoneInput(name=typed["name"], geometry=typed["geometry"] or {}, delivery_price=-1 if price is None else price,
                  min_order=-1 if minimum is None else minimum, days=typed["days"],
                  slots=parse_slots(typed["slots"]), default_couriers=parse_list(typed["couriers"]),
                  color=typed["color"], priority=priority, active=typed["active"],
                  warehouse_id=typed["warehouse_id"], cutoff_minutes=typed["cutoff_minutes"],
                  cutoff_time=typed["cutoff_time"], slot_capacity=typed["slot_capacity"])
    return typed, z


def _import_messages(exc: DomainError) -> list[str]:
    """Each problem of a refused import, with the number (and name) of its feature first."""
    out = []
    for p in exc.problems or [exc]:
        text = translate_error(p.message, p.params)
        n = p.params.get("feature")
        if n is not None:
            name = p.params.get("feature_name") or ""
            head = (_("Feature %(n)s «%(name)s»") % {"n": n, "name": name} if name
                    else _("Feature %(n)s") % {"n": n})
            text = f"{head}: {text}"
        out.append(text)
    return out


async def _page(request: Request, *, editing: dict | None = None, typed: dict | None = None,
                error: DomainError | None = None, import_error: DomainError | None = None) -> Template:
    zones = await list_zones()
    couriers = [u.username for u in await list_users() if u.active and "courier" in u.roles]
    context: dict[str, Any] = {
        "nav": "zones", "title": _("Delivery zones"), "zones": zones, "editing": editing,
        "typed": typed or _typed(editing), "errors": {}, "day_names": dict(_day_names()),
        "day_list": _day_names(), "warehouses": [w for w in await list_warehouses() if w["active"]],
        "couriers": couriers, "map": map_settings(), "format_slots": format_slots,
        "map_data": json.dumps({"zones": export_geojson(zones), "editing": editing["id"] if editing else None},
                               ensure_ascii=False).replace("</", "<\\/"),
        "import_errors": [], "max_mb": MAX_BYTES // 1_000_000,
    }
    status = 200
    if error is not None:
        context["errors"], context["flash"] = errors_by_field(error), error_flash(error)
        status = error.status_code
    if import_error is not None:
        context["import_errors"] = _import_messages(import_error)
        context["flash"] = error_flash(import_error) | {"messages": []}
        status = import_error.status_code
    return page(request, "manager/zones.html", context, status_code=status)


class ZonesController(Controller):
    path = "/manager/zones"
    opt = {"roles": ZONE_ROLES}

    @get("/", name="manager-zones")
    async def index(self, request: Request) -> Template:
        return await _page(request)

    @post("/")
    async def create(self, request: Request) -> Answer:
        typed, z = _from_form(await request.form())
        try:
            await create_zone(z, actor=actor_of(request))
        except DomainError as exc:
            return await _page(request, typed=typed, error=exc)
        flash(request, _("Zone «%(name)s» is saved") % {"name": z.name.strip()})
        return redirect(request, "/manager/zones")

    @get("/{zone_id:int}", name="manager-zone")
    async def edit(self, request: Request, zone_id: int) -> Template:
        return await _page(request, editing=await get_zone(zone_id))

    @post("/{zone_id:int}")
    async def update(self, request: Request, zone_id: int) -> Answer:
        zone = await get_zone(zone_id)
        typed, z = _from_form(await request.form())
        try:
            await update_zone(zone_id, z, actor=actor_of(request))
        except DomainError as exc:
            return await _page(request, editing=zone, typed=typed, error=exc)
        flash(request, _("Zone «%(name)s» is saved") % {"name": z.name.strip()})
        return redirect(request, "/manager/zones")

    @post("/{zone_id:int}/delete")
    async def delete(self, request: Request, zone_id: int) -> Answer:
        zone = await get_zone(zone_id)
        await delete_zone(zone_id, actor=actor_of(request))
        flash(request, _("Zone «%(name)s» is deleted") % {"name": zone["name"]})
        return redirect(request, "/manager/zones")

    @post("/import", request_max_body_size=2 * MAX_BYTES, status_code=200)
    async def upload(self, request: Request) -> Answer:
        form = await request.form()
        upload = form.get("file")
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise ValidationFailed("Choose a GeoJSON file with the zones", field="file")
            result = await import_geojson(await upload.read(), actor=actor_of(request),
                                          replace=bool(form.get("replace")))
        except DomainError as exc:
            return await _page(request, import_error=exc)
        flash(request, _("Zones imported: %(created)s new, %(updated)s changed, %(deleted)s deleted") % result)
        return redirect(request, "/manager/zones")

    @get("/export.geojson", name="manager-zones-export")
    async def export(self) -> Response:
        text = export_text(export_geojson(await list_zones()))
        return Response(text, media_type="application/geo+json",
                        headers={"Content-Disposition": 'attachment; filename="zones.geojson"'})


class OrderPinController(Controller):
    """The manager places the delivery point of an order (the card's small map, or lat/lon typed) and
    changes its delivery day and window; both check the order against its zone again."""

    path = "/manager/orders"
    opt = {"roles": ZONE_ROLES}

    @post("/{order_id:int}/pin")
    async def pin(self, request: Request, order_id: int) -> Answer:
        from server.routes.manager.orders import _card

        form = await request.form()
        typed = {"lat": str(form.get("lat") or "").strip()[:30], "lon": str(form.get("lon") or "").strip()[:30]}
        try:
            placed = await place_order_pin(order_id, typed["lat"], typed["lon"], actor=actor_of(request))
        except DomainError as exc:
            return await _card(request, order_id, error=exc, form=typed)
        zone = placed["zone"]
        flash(request, _("The delivery point is saved: zone «%(zone)s»") % {"zone": zone["name"]} if zone
              else _("The delivery point is saved; it is outside every delivery zone"),
              "ok" if zone else "error")
        return redirect(request, f"/manager/orders/{order_id}")

    @post("/{order_id:int}/window")
    async def window(self, request: Request, order_id: int) -> Answer:
        """The manager changes the delivery day and window; a window the zone does not serve is saved, flagged."""
        from server.routes.manager.orders import _card

        form = await request.form()
        typed = {k: str(form.get(k) or "").strip()[:20] for k in ("window_date", "window_from", "window_to")}
        try:
            problems = await change_order_window(order_id, typed["window_date"], typed["window_from"],
                                                 typed["window_to"], actor=actor_of(request))
        except DomainError as exc:
            return await _card(request, order_id, error=exc, form=typed)
        flash(request, _("The delivery window is saved; it does not fit the zone, see why on the card") if problems
              else _("The delivery window is saved"), "error" if problems else "ok")
        return redirect(request, f"/manager/orders/{order_id}")

    @post("/{order_id:int}/locate")
    async def locate(self, request: Request, order_id: int) -> Template:
        """Asks the geocoder for the order's address and fills the pin form with what it found (not saved)."""
        from server.routes.manager.orders import _card

        found = await suggest_order_point(order_id)
        if found["found"]:
            flash(request, _("Found: %(label)s. Check the point on the map and save it") % {"label": found["label"]})
            return await _card(request, order_id, form={"lat": str(found["lat"]), "lon": str(found["lon"])})
        flash(request, _("The address was not found: place the point on the map by hand"), "error")
        return await _card(request, order_id)
