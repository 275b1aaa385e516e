"""Price types (retail, wholesale, purchase and the shop's own, e.g. a marketplace price): the list
and a form to add one. For managers (and the owner)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.domain.catalog.prices import create_price_type, list_price_types
from server.errors import DomainError
from server.routes.manager._common import (
    actor_of,
    error_flash,
    errors_by_field,
    flash,
    labels,
    page,
    redirect,
)
from server.routes.manager._product_form import EDIT_ROLES
from server.web.i18n import gettext as _


async def _page(request: Request, typed: dict[str, str] | None = None, error: DomainError | None = None) -> Template:
    names = labels()["price_labels"]
    rows = [{**t, "shown": names.get(t["code"]) or t["name"]} for t in await list_price_types()]
    context: dict[str, Any] = {"rows": rows, "typed": typed or {"code": "", "name": ""}, "errors": {},
                               "nav": "catalog", "title": _("Price types")}
    if error is None:
        return page(request, "manager/price_types.html", context)
    context["errors"], context["flash"] = errors_by_field(error), error_flash(error)
    return page(request, "manager/price_types.html", context, status_code=error.status_code)


class PriceTypesController(Controller):
    path = "/manager/price-types"
    opt = {"roles": EDIT_ROLES}

    @get("/", name="manager-price-types")
    async def index(self, request: Request) -> Template:
        return await _page(request)

    @post("/")
    async def create(self, request: Request) -> Template | Redirect | ClientRedirect:
        form = await request.form()
        typed = {"code": str(form.get("code") or "").strip()[:40], "name": str(form.get("name") or "").strip()[:120]}
        try:
            await create_price_type(typed["code"], typed["name"], actor=actor_of(request))
        except DomainError as exc:
            return await _page(request, typed, exc)
        flash(request, _("Price type «%(name)s» is added") % {"name": typed["name"]})
        return redirect(request, "/manager/price-types")
