"""The picker's «not there» form: how many units of a pick line are missing, and a comment. The order goes
to the manager (server/domain/picking/shortages.py); the picker goes back to the list."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.domain.outbox.worker import wake
from server.domain.picking.shortages import report_shortage, shortage_line
from server.errors import DomainError
from server.routes.manager._common import errors_by_field, parse_qty
from server.routes.warehouse._common import OPT, actor_of, error_flash, flash, page, redirect
from server.web.i18n import gettext as _

Answer = Template | Redirect | ClientRedirect


async def _form(request: Request, pick_list_id: int, line_id: int, form: dict | None = None,
                error: DomainError | None = None) -> Template:
    data = await shortage_line(pick_list_id, line_id)
    line = data["line"]
    context = {**data, "form": form or {"qty": str(line["left"] or ""), "comment": ""}, "errors": {}, "nav": "pick",
               "back": f"/warehouse/pick/{pick_list_id}", "title": _("Goods not found")}
    if error is None:
        return page(request, "warehouse/shortage.html", context)
    context.update(flash=error_flash(error), errors=errors_by_field(error))
    return page(request, "warehouse/shortage.html", context, status_code=error.status_code)


class PickShortageController(Controller):
    path = "/warehouse/pick/{pick_list_id:int}/lines/{line_id:int}/short"
    opt = OPT
    include_in_schema = False

    @get("/", name="warehouse-pick-short")
    async def show(self, request: Request, pick_list_id: int, line_id: int) -> Template:
        return await _form(request, pick_list_id, line_id)

    @post("/")
    async def report(self, request: Request, pick_list_id: int, line_id: int) -> Answer:
        data = await request.form()
        form = {"qty": str(data.get("qty") or "").strip()[:20], "comment": str(data.get("comment") or "")[:600]}
        try:
            done = await report_shortage(pick_list_id, line_id, parse_qty(form["qty"]), actor=actor_of(request),
                                         comment=form["comment"])
        except DomainError as exc:
            return await _form(request, pick_list_id, line_id, form, exc)
        wake()  # the manager's board hears of it at once
        flash(request, _("%(name)s: %(qty)s missing. The manager is told; go on with the list.")
              % {"name": done.name, "qty": done.qty}, "info")
        return redirect(request, f"/warehouse/pick/{pick_list_id}")
