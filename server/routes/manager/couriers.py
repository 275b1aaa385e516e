"""Couriers: the list (with each warehouse's depot point, where routes start), a new courier and
changing one — the user account (role courier), name, phone, vehicle, capacity in kilograms and litres
(stored as grams and cm³), shift start and end, the weekdays worked, warehouse, active. Managers (and the owner) only."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.domain.delivery.couriers import (
    CourierInput,
    courier_users,
    create_courier,
    get_courier,
    kg_to_g,
    list_couriers,
    litres_to_cm3,
    set_depot,
    update_courier,
)
from server.domain.stock.tables import Warehouse
from server.errors import DomainError, ValidationFailed
from server.routes.manager._common import (
    STOCK_ROLES,
    actor_of,
    error_flash,
    errors_by_field,
    flash,
    page,
    redirect,
    to_int,
)
from server.web.i18n import gettext as _

Answer = Template | Redirect | ClientRedirect
BASE = "/manager/couriers"
FIELDS = ("user_id", "name", "phone", "vehicle", "capacity_kg", "capacity_l", "shift_start", "shift_end",
          "warehouse_id")


def _text(source: Any, name: str, limit: int = 300) -> str:
    return str(source.get(name) or "").strip()[:limit]


def _number_text(grams: int) -> str:
    whole, rest = divmod(int(grams), 1000)
    return str(whole) if not rest else f"{whole},{rest:03d}".rstrip("0")


async def _warehouses() -> list[dict]:
    return await Warehouse.select(Warehouse.id, Warehouse.code, Warehouse.name, Warehouse.lat, Warehouse.lon,
                                  Warehouse.active).order_by(Warehouse.name)


def _input(values: dict[str, Any]) -> CourierInput:
    return CourierInput(user_id=to_int(values["user_id"]) or 0, name=values["name"], phone=values["phone"],
                        vehicle=values["vehicle"], capacity_weight_g=kg_to_g(values["capacity_kg"]) or 0,
                        capacity_volume_cm3=litres_to_cm3(values["capacity_l"]) or 0,
                        shift_start=values["shift_start"], shift_end=values["shift_end"],
                        warehouse_id=to_int(values["warehouse_id"]) or 0, active=values["active"],
                        work_days=values["work_days"])


def _weekdays() -> list[tuple[int, str]]:
    """(ISO weekday, short name) for the schedule's checkboxes (the names are zones.po's)."""
    return list(zip(range(1, 8), [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")], strict=True))


async def _form(request: Request, values: dict[str, Any], courier: dict | None = None,
                error: DomainError | None = None) -> Template:
    context: dict[str, Any] = {"form": values, "courier": courier, "nav": "couriers", "users": await courier_users(),
                               "warehouses": await _warehouses(), "errors": {}, "weekdays": _weekdays()}
    status = 200
    if error is not None:
        context.update(flash=error_flash(error), errors=errors_by_field(error))
        status = error.status_code
    return page(request, "manager/courier_form.html", context, status_code=status)


async def _values(request: Request) -> dict[str, Any]:
    form = await request.form()
    values: dict[str, Any] = {name: _text(form, name) for name in FIELDS}
    values["active"] = str(form.get("active") or "").lower() in ("on", "1", "true", "yes")
    # the form says it shows the days (work_days_shown): none ticked is then an error, not "as it was"
    values["work_days"] = sorted({int(d) for d in form.getall("work_days", []) if str(d).strip().isdigit()}) \
        if form.get("work_days_shown") else None
    return values


class CouriersController(Controller):
    path = BASE
    opt = {"roles": STOCK_ROLES}

    @get("/", name="manager-couriers")
    async def couriers(self, request: Request) -> Template:
        return page(request, "manager/courier_list.html", {"couriers": await list_couriers(),
                                                           "warehouses": await _warehouses(), "nav": "couriers",
                                                           "weekdays": _weekdays()})

    @get("/new", name="manager-courier-new")
    async def new(self, request: Request) -> Template:
        warehouses = await _warehouses()
        return await _form(request, {"user_id": "", "name": "", "phone": "", "vehicle": "", "capacity_kg": "",
                                     "capacity_l": "", "shift_start": "09:00", "shift_end": "21:00",
                                     "warehouse_id": str(warehouses[0]["id"]) if warehouses else "", "active": True,
                                     "work_days": [1, 2, 3, 4, 5, 6, 7]})

    @post("/new")
    async def create(self, request: Request) -> Answer:
        values = await _values(request)
        try:
            await create_courier(_input(values), actor=actor_of(request))
        except DomainError as exc:
            return await _form(request, values, error=exc)
        flash(request, _("The courier is saved"))
        return redirect(request, BASE)

    @get("/{courier_id:int}", name="manager-courier-edit")
    async def edit(self, request: Request, courier_id: int) -> Template:
        c = await get_courier(courier_id)
        return await _form(request, {"user_id": str(c["user"]), "name": c["name"], "phone": c["phone"],
                                     "vehicle": c["vehicle"], "capacity_kg": _number_text(c["capacity_weight_g"]),
                                     "capacity_l": _number_text(c["capacity_volume_cm3"]),
                                     "shift_start": c["shift_start"], "shift_end": c["shift_end"],
                                     "warehouse_id": str(c["warehouse"]), "active": c["active"],
                                     "work_days": c["work_days"] or [1, 2, 3, 4, 5, 6, 7]}, c)

    @post("/{courier_id:int}")
    async def update(self, request: Request, courier_id: int) -> Answer:
        values = await _values(request)
        try:
            await update_courier(courier_id, _input(values), actor=actor_of(request))
        except DomainError as exc:
            return await _form(request, values, await get_courier(courier_id), error=exc)
        flash(request, _("The courier is saved"))
        return redirect(request, BASE)

    @post("/depot/{warehouse_id:int}", name="manager-courier-depot")
    async def depot(self, request: Request, warehouse_id: int) -> Answer:
        """The warehouse's point on the map ("55.7558, 37.6173"; empty clears it)."""
        form = await request.form()
        text = _text(form, "point", 60)
        try:
            if text:
                parts = [p.strip() for p in text.replace(";", ",").split(",")]
                if len(parts) != 2:
                    raise ValidationFailed("Enter the point as latitude, longitude, e.g. 55.7558, 37.6173",
                                           field="point")
                try:
                    lat, lon = float(parts[0]), float(parts[1])
                except ValueError:
                    raise ValidationFailed("Enter the point as latitude, longitude, e.g. 55.7558, 37.6173",
                                           field="point") from None
                await set_depot(warehouse_id, lat, lon, actor=actor_of(request))
            else:
                await set_depot(warehouse_id, None, None, actor=actor_of(request))
        except DomainError as exc:
            context = {"couriers": await list_couriers(), "warehouses": await _warehouses(), "nav": "couriers",
                       "weekdays": _weekdays(),
                       "flash": error_flash(exc), "depot_errors": {warehouse_id: errors_by_field(exc)}}
            return page(request, "manager/courier_list.html", context, status_code=exc.status_code)
        flash(request, _("The warehouse's point is saved"))
        return redirect(request, BASE)
