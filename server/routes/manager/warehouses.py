"""Warehouses and bins: the list with stock totals, a new warehouse, changing or closing one (refused
while it holds anything), its page with the bins (zone and address filter, paging), generating bins by
range with a live count, and one bin's place in the walk or closing it. Managers (and the owner) only."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.domain.stock.bins import (
    MAX_BINS,
    STATUSES,
    BinFilter,
    BinRange,
    bins_page,
    create_bins_range,
    get_bin,
    preview_bins_range,
    update_bin,
)
from server.domain.stock.warehouses import (
    PICK_STEP,
    create_warehouse,
    get_warehouse,
    update_warehouse,
    warehouse_totals,
)
from server.errors import DomainError, NotFound
from server.routes.manager._common import (
    PAGE_SIZE,
    STOCK_ROLES,
    actor_of,
    error_flash,
    errors_by_field,
    flash,
    fragment,
    page,
    page_number,
    pages,
    parse_qty,
    redirect,
    wants_fragment,
)
from server.web.i18n import gettext as _

Answer = Template | Redirect | ClientRedirect
BASE = "/manager/warehouses"
RANGE_FIELDS = ("zone", "rack_from", "rack_to", "shelf_from", "shelf_to", "cell_from", "cell_to")


def _text(source: Any, name: str, limit: int = 1000) -> str:
    return str(source.get(name) or "").strip()[:limit]


def _flag(source: Any, name: str) -> bool:
    return str(source.get(name) or "").lower() in ("on", "1", "true", "yes")


def _number(source: Any, name: str) -> int | str | None:
    text = _text(source, name, 20)
    return parse_qty(text) if text else None


def _range_spec(values: dict[str, str]) -> BinRange:
    def pair(kind: str) -> tuple[Any, Any] | None:
        first, last = _number(values, f"{kind}_from"), _number(values, f"{kind}_to")
        if first is None and last is None:
            return None
        return (last, None) if first is None else (first, last)

    return BinRange(values["zone"], racks=pair("rack"), shelves=pair("shelf"), cells=pair("cell"))


def _with_error(context: dict[str, Any], error: DomainError | None) -> tuple[dict[str, Any], int]:
    if error is None:
        return context, 200
    return {**context, "flash": error_flash(error), "errors": errors_by_field(error)}, error.status_code


def _warehouse_form(request: Request, values: dict[str, Any], warehouse: dict | None = None,
                    error: DomainError | None = None) -> Template:
    context, status = _with_error({"form": values, "warehouse": warehouse, "nav": "warehouses"}, error)
    return page(request, "manager/warehouse_form.html", context, status_code=status)


def _range_context(values: dict[str, str]) -> dict[str, Any]:
    return {"form": values, "preview": None, "problems": None, "max_bins": MAX_BINS, "pick_step": PICK_STEP,
            "nav": "warehouses"}


async def _bin_page(request: Request, warehouse_id: int, bin_id: int, values: dict[str, Any] | None = None,
                    error: DomainError | None = None) -> Template:
    cell = await get_bin(bin_id, warehouse_id=warehouse_id)
    values = values or {"pick_seq": str(cell["pick_seq"]), "active": cell["active"]}
    context, status = _with_error({"cell": cell, "form": values, "nav": "warehouses"}, error)
    return page(request, "manager/warehouse_bin.html", context, status_code=status)


class WarehousesController(Controller):
    path = BASE
    opt = {"roles": STOCK_ROLES}

    @get("/", name="manager-warehouses")
    async def warehouses(self, request: Request) -> Template:
        return page(request, "manager/warehouse_list.html", {"warehouses": await warehouse_totals(),
                                                             "nav": "warehouses"})

    @get("/new", name="manager-warehouse-new")
    async def new(self, request: Request) -> Template:
        return _warehouse_form(request, {"code": "", "name": "", "address": "", "allow_negative": False})

    @post("/new")
    async def create(self, request: Request) -> Answer:
        form = await request.form()
        values = {"code": _text(form, "code", 100), "name": _text(form, "name"), "address": _text(form, "address"),
                  "allow_negative": _flag(form, "allow_negative")}
        try:
            warehouse_id = await create_warehouse(values["code"], values["name"], address=values["address"],
                                                  allow_negative=values["allow_negative"], actor=actor_of(request))
        except DomainError as exc:
            return _warehouse_form(request, values, error=exc)
        flash(request, _("The warehouse is created; now add its bins"))
        return redirect(request, f"{BASE}/{warehouse_id}")

    @get("/{warehouse_id:int}", name="manager-warehouse")
    async def show(self, request: Request, warehouse_id: int, zone: str = "", q: str = "", status: str = "active",
                   page_no: str = Parameter(query="page", default="1")) -> Template:
        """The warehouse and its bins, or (HTMX) only the bins that match the filter."""
        filters = {"zone": zone.strip()[:16].upper(), "q": q.strip()[:80], "status": status if status in STATUSES
                   else "active"}
        page_no = page_number(page_no)
        found = await bins_page(warehouse_id, BinFilter(zone=filters["zone"], query=filters["q"],
                                                        status=filters["status"]),
                                limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
        context = {"warehouse": found.warehouse, "rows": found.rows, "zones": found.zones, "filters": filters,
                   "nav": "warehouses", "paging": pages(found.total, page_no, f"{BASE}/{warehouse_id}", filters)}
        if wants_fragment(request):
            return fragment("manager/_warehouse_bins.html", context)
        return page(request, "manager/warehouse_view.html", context)

    @get("/{warehouse_id:int}/edit", name="manager-warehouse-edit")
    async def edit(self, request: Request, warehouse_id: int) -> Template:
        warehouse = await get_warehouse(warehouse_id)
        return _warehouse_form(request, {k: warehouse[k] for k in ("code", "name", "address", "allow_negative",
                                                                    "active")}, warehouse)

    @post("/{warehouse_id:int}/edit")
    async def update(self, request: Request, warehouse_id: int) -> Answer:
        form = await request.form()
        values = {"name": _text(form, "name"), "address": _text(form, "address"),
                  "allow_negative": _flag(form, "allow_negative"), "active": _flag(form, "active")}
        try:
            await update_warehouse(warehouse_id, **values, actor=actor_of(request))
        except DomainError as exc:
            warehouse = await get_warehouse(warehouse_id)
            return _warehouse_form(request, {**values, "code": warehouse["code"]}, warehouse, error=exc)
        flash(request, _("The warehouse is saved"))
        return redirect(request, f"{BASE}/{warehouse_id}")

    @get("/{warehouse_id:int}/bins/new", name="manager-bins-new")
    async def bins_new(self, request: Request, warehouse_id: int) -> Template:
        """The range form; with a range in the query, its count (HTMX: only the count)."""
        values = {name: _text(request.query_params, name, 20) for name in RANGE_FIELDS}
        context = _range_context(values)
        if any(values.values()):
            try:
                context["preview"] = await preview_bins_range(warehouse_id, _range_spec(values))
            except NotFound:
                raise
            except DomainError as exc:
                context["problems"] = error_flash(exc)
        if wants_fragment(request):
            return fragment("manager/_warehouse_bin_preview.html", context)
        return page(request, "manager/warehouse_bins_new.html", {**context, "warehouse": await get_warehouse(
            warehouse_id)})

    @post("/{warehouse_id:int}/bins/new")
    async def bins_create(self, request: Request, warehouse_id: int) -> Answer:
        form = await request.form()
        values = {name: _text(form, name, 20) for name in RANGE_FIELDS}
        try:
            ids = await create_bins_range(warehouse_id, _range_spec(values), actor=actor_of(request))
        except DomainError as exc:
            context, status = _with_error(_range_context(values), exc)
            context["warehouse"] = await get_warehouse(warehouse_id)
            return page(request, "manager/warehouse_bins_new.html", context, status_code=status)
        flash(request, _("Bins created: %(n)s") % {"n": len(ids)})
        return redirect(request, f"{BASE}/{warehouse_id}?{urlencode({'zone': values['zone'].upper()})}")

    @get("/{warehouse_id:int}/bins/{bin_id:int}", name="manager-bin")
    async def bin_show(self, request: Request, warehouse_id: int, bin_id: int) -> Template:
        return await _bin_page(request, warehouse_id, bin_id)

    @post("/{warehouse_id:int}/bins/{bin_id:int}")
    async def bin_update(self, request: Request, warehouse_id: int, bin_id: int) -> Answer:
        form = await request.form()
        values = {"pick_seq": _text(form, "pick_seq", 20), "active": _flag(form, "active")}
        try:
            await update_bin(bin_id, pick_seq=_number(values, "pick_seq"), active=values["active"],
                             warehouse_id=warehouse_id, actor=actor_of(request))
        except DomainError as exc:
            return await _bin_page(request, warehouse_id, bin_id, values, exc)
        flash(request, _("The bin is saved"))
        return redirect(request, f"{BASE}/{warehouse_id}")
