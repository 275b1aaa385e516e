"""The shop's names for the order statuses and which of them notify the customer (the owner only;
the domain writes the audit rows)."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.domain.orders.settings import LABEL_LIMIT, rename_status, set_status_notify, status_settings
from server.errors import DomainError
from server.routes.manager._common import actor_of, error_flash, errors_by_field, flash, page, redirect
from server.web.i18n import gettext as _

BASE = "/manager/order-statuses"
OWNER_ONLY = {"owner"}


async def _page(request: Request, typed: dict[str, str] | None = None, error: DomainError | None = None) -> Template:
    context = {"rows": list((await status_settings()).values()), "typed": typed or {}, "errors": {},
               "label_limit": LABEL_LIMIT, "nav": "admin", "title": _("Order statuses")}
    if error is None:
        return page(request, "manager/order_statuses.html", context)
    context["errors"], context["flash"] = errors_by_field(error), error_flash(error)
    return page(request, "manager/order_statuses.html", context, status_code=error.status_code)


class OrderStatusesController(Controller):
    path = BASE
    opt = {"roles": OWNER_ONLY}

    @get("/", name="manager-order-statuses")
    async def index(self, request: Request) -> Template:
        return await _page(request)

    @post("/{code:str}/label")
    async def rename(self, request: Request, code: str) -> Template | Redirect | ClientRedirect:
        label = str((await request.form()).get("label") or "")[:LABEL_LIMIT * 2]
        try:
            await rename_status(code, label, actor=actor_of(request))
        except DomainError as exc:
            return await _page(request, {code: label}, exc)
        flash(request, _("The status is now called «%(label)s»") % {"label": " ".join(label.split())})
        return redirect(request, BASE)

    @post("/{code:str}/notify")
    async def notify(self, request: Request, code: str) -> Template | Redirect | ClientRedirect:
        on = str((await request.form()).get("notify") or "") in ("1", "on", "true")
        try:
            await set_status_notify(code, on, actor=actor_of(request))
        except DomainError as exc:
            return await _page(request, None, exc)
        flash(request, _("Customers will be told when an order enters this status") if on
              else _("Customers will not be told about this status"))
        return redirect(request, BASE)
