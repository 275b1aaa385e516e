"""Inventory counts on the warehouse device: bin by bin, blind (the picker never sees the book quantity).

- GET  /warehouse/counts — the open counts of the picker's warehouse and a form to start one (zone optional).
- POST /warehouse/counts — start a count → its screen.
- GET  /warehouse/counts/{id} — the screen: the current bin, what was counted in it, the bins done and open,
  submitting; an HTMX GET answers the panel only (pwa/warehouse/static/count.js re-reads it after a scan).
- POST /warehouse/counts/{id}/scans — JSON {uuid, code, device, scanned_at} → the outcome
  (server/domain/counting/scans.py), its `message` in the user's language. A bin address opens that bin,
  anything else is goods. A refused scan is a 200 with accepted=false; a malformed request a problem JSON.
- POST /warehouse/counts/{id}/bins/{bin}/qty | /done | /reopen — a typed quantity, «bin counted», recount.
- POST /warehouse/counts/{id}/submit — with confirm=1: the draft inventory document for the manager;
  without it the screen asks first (and says how many bins are not finished).
- POST /warehouse/counts/{id}/cancel — the count is abandoned.
Forms answer the panel to HTMX and 303 back to the screen otherwise. CSRF applies to every POST.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.domain.counting.counts import (
    cancel_count,
    close_bin,
    count_screen,
    list_counts,
    reopen_bin,
    set_counted,
    start_count,
    zones_of,
)
from server.domain.counting.scans import CountScanInput, CountScanOutcome, record_count_scan
from server.domain.counting.submit import submit_count
from server.domain.stock.warehouses import list_warehouses
from server.errors import DomainError
from server.routes.manager._common import parse_qty, to_int
from server.routes.warehouse._common import (
    OPT,
    actor_of,
    error_flash,
    flash,
    fragment,
    page,
    pop_flash,
    redirect,
    wants_fragment,
)
from server.routes.warehouse.home import chosen_warehouse
from server.web.access import principal_of
from server.web.i18n import gettext as _
from server.web.i18n import translate_error

NO_STORE = {"Cache-Control": "no-store"}
WARN_RESULTS = ("bin_done",)


class CountScanBody(msgspec.Struct):
    uuid: str
    code: str
    device: str = ""
    scanned_at: datetime | None = None


def scan_json(outcome: CountScanOutcome) -> dict:
    kind = "ok" if outcome.accepted else "warn" if outcome.result in WARN_RESULTS else "error"
    return {**dataclasses.asdict(outcome), "msgid": outcome.message, "kind": kind,
            "message": translate_error(outcome.message, outcome.params)}


async def _list_page(request: Request, asked: str = "", *, error: DomainError | None = None) -> Template:
    warehouses = [w for w in await list_warehouses() if w["active"]]
    chosen = chosen_warehouse(request, warehouses, asked)
    counts = await list_counts(warehouse_id=chosen) if chosen is not None else []
    context = {"warehouses": warehouses, "warehouse_id": chosen, "counts": counts, "nav": "counts",
               "zones": await zones_of(chosen) if chosen is not None else [], "title": _("Inventory count")}
    if error is None:
        return page(request, "warehouse/count_list.html", context)
    return page(request, "warehouse/count_list.html", {**context, "flash": error_flash(error)},
                status_code=error.status_code)


def _is_manager(request: Request) -> bool:
    principal = principal_of(request)
    return bool(principal and principal.has_any({"manager"}))


async def _screen_context(request: Request, count_id: int, **extra) -> dict:
    screen = await count_screen(count_id, actor_of(request))
    return {"c": screen, "nav": "counts", "title": screen["number"], "is_manager": _is_manager(request), **extra}


async def _answer(request: Request, count_id: int, message: str | None = None, level: str = "ok", *,
                  error: DomainError | None = None, **extra) -> Template | Redirect:
    """After a form: the panel for HTMX (with the message), else back to the screen (303, message flashed)."""
    if error is not None:
        note = error_flash(error)
    else:
        note = {"level": level, "message": message} if message else None
    if wants_fragment(request):
        context = await _screen_context(request, count_id, note=note, **extra)
        return fragment("warehouse/_count_panel.html", context, headers=NO_STORE)
    if extra:
        context = await _screen_context(request, count_id, note=note, **extra)
        return page(request, "warehouse/count.html", context)
    if note:
        request.session["flash"] = note
    return Redirect(f"/warehouse/counts/{count_id}", status_code=303)


class CountsController(Controller):
    path = "/warehouse/counts"
    opt = OPT
    include_in_schema = False

    @get("/", name="warehouse-counts")
    async def counts(self, request: Request, warehouse: str = "") -> Template:
        return await _list_page(request, warehouse)

    @post("/", name="warehouse-count-start", status_code=303)
    async def start(self, request: Request) -> Redirect | Template:
        form = await request.form()
        warehouse = to_int(form.get("warehouse_id"))
        try:
            count_id = await start_count(warehouse if warehouse is not None else 0,
                                         zone=str(form.get("zone") or "")[:40], actor=actor_of(request))
        except DomainError as exc:
            return await _list_page(request, str(warehouse or ""), error=exc)
        return Redirect(f"/warehouse/counts/{count_id}", status_code=303)

    @get("/{count_id:int}", name="warehouse-count")
    async def screen(self, request: Request, count_id: int) -> Template:
        if wants_fragment(request):
            context = await _screen_context(request, count_id, note=pop_flash(request))
            return fragment("warehouse/_count_panel.html", context, headers=NO_STORE)
        context = await _screen_context(request, count_id, note=pop_flash(request))
        return page(request, "warehouse/count.html", {**context, "flash": None}, headers=NO_STORE)

    @post("/{count_id:int}/scans", name="warehouse-count-scan", status_code=200)
    async def scan(self, request: Request, count_id: int, data: CountScanBody) -> Response:
        outcome = await record_count_scan(count_id, CountScanInput(
            code=data.code, client_uuid=data.uuid, device=data.device, scanned_at=data.scanned_at),
            actor=actor_of(request))
        return Response(scan_json(outcome), headers=NO_STORE)

    @post("/{count_id:int}/bins/{bin_id:int}/qty", name="warehouse-count-qty", status_code=200)
    async def qty(self, request: Request, count_id: int, bin_id: int) -> Template | Redirect:
        form = await request.form()
        try:
            done = await set_counted(count_id, bin_id, to_int(form.get("variant")) or 0, parse_qty(form.get("qty")),
                                     actor=actor_of(request))
        except DomainError as exc:
            return await _answer(request, count_id, error=exc)
        return await _answer(request, count_id, _("%(name)s: counted %(qty)s") % done)

    @post("/{count_id:int}/bins/{bin_id:int}/done", name="warehouse-count-bin-done", status_code=200)
    async def done(self, request: Request, count_id: int, bin_id: int) -> Template | Redirect:
        try:
            result = await close_bin(count_id, bin_id, actor=actor_of(request))
        except DomainError as exc:
            return await _answer(request, count_id, error=exc)
        text = (_("Bin %(bin)s was counted before") if result["already"]
                else _("Bin %(bin)s is counted: %(units)s units. Scan the next bin")) % result
        return await _answer(request, count_id, text)

    @post("/{count_id:int}/bins/{bin_id:int}/reopen", name="warehouse-count-bin-reopen", status_code=200)
    async def reopen(self, request: Request, count_id: int, bin_id: int) -> Template | Redirect:
        try:
            result = await reopen_bin(count_id, bin_id, actor=actor_of(request))
        except DomainError as exc:
            return await _answer(request, count_id, error=exc)
        return await _answer(request, count_id, _("Bin %(bin)s is counted again from zero: scan its goods") % result,
                             "warn")

    @post("/{count_id:int}/submit", name="warehouse-count-submit", status_code=200)
    async def submit(self, request: Request, count_id: int) -> Template | Redirect:
        form = await request.form()
        if form.get("confirm") != "1":
            return await _answer(request, count_id, confirming=True)
        try:
            result = await submit_count(count_id, actor=actor_of(request))
        except DomainError as exc:
            return await _answer(request, count_id, error=exc)
        if result.already:
            text = _("This count was submitted before: document %(number)s") % {"number": result.document_number}
            return await _answer(request, count_id, text, "info")
        text = _("Document %(number)s is made: %(bins)s bins, %(lines)s lines. A manager checks and posts it") % {
            "number": result.document_number, "bins": result.bins, "lines": result.lines}
        return await _answer(request, count_id, text)

    @post("/{count_id:int}/cancel", name="warehouse-count-cancel", status_code=200)
    async def cancel(self, request: Request, count_id: int) -> Template | Redirect | ClientRedirect:
        try:
            await cancel_count(count_id, actor=actor_of(request))
        except DomainError as exc:
            return await _answer(request, count_id, error=exc)
        flash(request, _("The count is cancelled: nothing reaches the stock"), "info")
        return redirect(request, "/warehouse/counts")
