"""Receiving on the warehouse device: the expected receipts, the receiving screen, its scans and its posting.

- GET  /warehouse/receiving — draft receipts of the chosen warehouse (?warehouse=<id>): number, supplier,
  lines, units expected and counted. No prices.
- GET  /warehouse/receiving/{id} — the screen: expected lines (expected, counted, difference, bins, the
  put-away bin), surplus goods, totals; an HTMX GET answers the lines fragment only (receiving.js re-reads
  it after each scan). A posted receipt shows what was kept when it was posted.
- POST /warehouse/receiving/{id}/scans — JSON {uuid, code, bin, qty, device, scanned_at} → the outcome
  (server/domain/receiving/scans.py) with its message in the user's language; refused scans are a 200 with
  accepted=false, a malformed request a 4xx problem JSON. The same uuid again answers the first outcome.
- POST /warehouse/receiving/{id}/undo — JSON {uuid, variant_id}: one unit of those goods taken back.
- POST /warehouse/receiving/{id}/post — posts what was counted (a form → back to the screen with the
  result; JSON → the result).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from server.domain.receiving.posting import PostResult, post_receiving
from server.domain.receiving.queries import expected_receipts, receiving_screen, warehouses_with_receipts
from server.domain.receiving.scans import ReceiveOutcome, ReceiveScan, record_scan, undo_scan
from server.errors import DomainError, NotFound
from server.routes.manager._common import FLASH_KEY
from server.routes.warehouse._common import (
    OPT,
    actor_of,
    error_flash,
    flash,
    fragment,
    page,
    redirect,
    wants_fragment,
)
from server.routes.warehouse.home import chosen_warehouse
from server.web.i18n import gettext as _
from server.web.i18n import translate_error
from server.web.problems import wants_problem_json

NO_STORE = {"Cache-Control": "no-store"}
REFUSED = ("unknown", "unknown_bin", "nothing_to_undo", "closed")


class ReceiveScanBody(msgspec.Struct):
    uuid: str
    code: str
    bin: str = ""
    qty: int = 1
    device: str = ""
    scanned_at: datetime | None = None


class UndoBody(msgspec.Struct):
    uuid: str
    variant_id: int
    device: str = ""


def outcome_json(outcome: ReceiveOutcome) -> dict:
    kind = "error" if outcome.result in REFUSED else "warn" if outcome.result in ("surplus", "undo") else "ok"
    return {**dataclasses.asdict(outcome), "msgid": outcome.message, "kind": kind,
            "message": translate_error(outcome.message, outcome.params)}


def result_message(result: PostResult) -> str:
    text = _("Receipt %(number)s is posted: %(counted)s units received") % {
        "number": result.number, "counted": sum(x.counted for x in result.lines)}
    if result.shortage or result.surplus:
        text += ". " + _("Shortage: %(shortage)s, surplus: %(surplus)s") % {"shortage": result.shortage,
                                                                           "surplus": result.surplus}
    return text


class ReceivingController(Controller):
    path = "/warehouse/receiving"
    opt = OPT
    include_in_schema = False

    @get("/", name="warehouse-receiving")
    async def receipts(self, request: Request, warehouse: str = "") -> Template:
        warehouses = await warehouses_with_receipts()
        chosen = chosen_warehouse(request, warehouses, warehouse)
        receipts = await expected_receipts(chosen) if chosen is not None else []
        return page(request, "warehouse/receiving_list.html", {
            "warehouses": warehouses, "warehouse_id": chosen, "receipts": receipts, "nav": "receiving",
            "title": _("Receiving")})

    @get("/{document_id:int}", name="warehouse-receiving-screen")
    async def screen(self, request: Request, document_id: int) -> Template:
        screen = await receiving_screen(document_id)
        if wants_fragment(request):
            return fragment("warehouse/_receiving_lines.html", {"r": screen}, headers=NO_STORE)
        return page(request, "warehouse/receiving.html", {"r": screen, "nav": "receiving", "title": screen["number"]})

    @post("/{document_id:int}/scans", name="warehouse-receiving-scan", status_code=200)
    async def scan(self, request: Request, document_id: int, data: ReceiveScanBody) -> Response:
        outcome = await record_scan(document_id, ReceiveScan(
            code=data.code, client_uuid=data.uuid, bin_code=data.bin, qty=data.qty, device=data.device,
            scanned_at=data.scanned_at), actor=actor_of(request))
        return Response(outcome_json(outcome), headers=NO_STORE)

    @post("/{document_id:int}/undo", name="warehouse-receiving-undo", status_code=200)
    async def undo(self, request: Request, document_id: int, data: UndoBody) -> Response:
        outcome = await undo_scan(document_id, data.uuid, data.variant_id, actor=actor_of(request),
                                  device=data.device)
        return Response(outcome_json(outcome), headers=NO_STORE)

    @post("/{document_id:int}/post", name="warehouse-receiving-post", status_code=200)
    async def post_receipt(self, request: Request, document_id: int) -> Response | Redirect:
        as_json = wants_problem_json(request)
        try:
            result = await post_receiving(document_id, actor=actor_of(request), tr=translate_error)
        except DomainError as exc:
            if as_json:
                raise
            request.session[FLASH_KEY] = error_flash(exc)
            gone = isinstance(exc, NotFound)
            return redirect(request, "/warehouse/receiving" if gone else f"/warehouse/receiving/{document_id}")
        if as_json:
            lines = [{**dataclasses.asdict(x), "difference": x.difference} for x in result.lines]
            return Response({"number": result.number, "lines": lines, "shortage": result.shortage,
                             "surplus": result.surplus, "message": result_message(result)}, headers=NO_STORE)
        flash(request, result_message(result), "ok")
        return redirect(request, f"/warehouse/receiving/{document_id}")
