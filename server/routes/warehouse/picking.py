"""Picking on the warehouse device: making a pick list, the pick screen, its scans and its completion.

- POST /warehouse/pick — a list of the ticked orders (one, or a wave), mode item/location → the screen.
- GET  /warehouse/pick/{id} — the screen; the list's snapshot (server/domain/picking/queries.py) rides in
  the page for pwa/warehouse/static/pick.js, which verifies each scan against it (offline too).
- GET  /warehouse/pick/{id}/data — the snapshot as JSON (the script refreshes it; the worker keeps it).
- POST /warehouse/pick/{id}/scans — JSON {uuid, code, serial, bin, device, scanned_at} → the outcome
  (server/domain/picking/scanning.py), its `message` in the user's language. A refused scan is a 200
  with accepted=false (a fact of the shift, recorded); a malformed request is a 4xx problem JSON
  (server/web/problems.py). The same uuid again answers the first outcome (`replayed`).
- POST /warehouse/pick/{id}/complete — packs what is picked (a form → back to the screen with a message;
  JSON → the PackResult). A second tap packs nothing twice (`already`).
- POST /warehouse/pick/{id}/mode — item-first or location-first from now on.
CSRF applies to every POST (forms: the hidden field; the script: the X-CSRFToken header).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from server.domain.picking.lists import create_pick_list, set_mode
from server.domain.picking.packing import PackResult, complete_pick_list
from server.domain.picking.queries import pick_list_snapshot, pick_lists
from server.domain.picking.scanning import ScanInput, ScanOutcome, record_scan
from server.errors import DomainError, ValidationFailed
from server.routes.manager._common import FLASH_KEY
from server.routes.warehouse._common import OPT, actor_of, error_flash, flash, page, redirect
from server.routes.warehouse._pick_texts import pick_texts
from server.routes.warehouse.home import queue_context
from server.web.i18n import gettext as _
from server.web.i18n import translate_error
from server.web.problems import wants_problem_json

NO_STORE = {"Cache-Control": "no-store"}


class ScanBody(msgspec.Struct):
    uuid: str
    code: str
    serial: str = ""
    bin: str = ""
    device: str = ""
    scanned_at: datetime | None = None


def _ids(values: list) -> list:
    """Order ids from the form; anything that is not a number is handed on as it is (the service says why)."""
    return [int(v) if str(v).strip().isdigit() else str(v)[:20] for v in values]


def snapshot_json(snapshot: dict) -> str:
    """The snapshot for a <script type="application/json"> element (no "<" that could end it)."""
    return msgspec.json.encode(snapshot).decode("utf-8").replace("<", "\\u003c")


def outcome_json(outcome: ScanOutcome) -> dict:
    kind = "ok" if outcome.accepted or outcome.result == "bin" else "warn" if outcome.result == "needs_serial" else "error"
    return {**dataclasses.asdict(outcome), "msgid": outcome.message, "kind": kind,
            "message": translate_error(outcome.message, outcome.params),
            "answered_at": datetime.now(UTC)}  # the device's copy of the list is this fresh now


def pack_message(result: PackResult) -> str:
    if result.already:
        return _("Pick list %(number)s was completed before: nothing more to pack") % {"number": result.number}
    parts = []
    if result.packed:
        parts.append(_("Packed: %(orders)s") % {"orders": ", ".join(result.packed)})
    if result.waiting:
        parts.append(_("Waiting: %(orders)s") % {"orders": ", ".join(w["number"] for w in result.waiting)})
    if result.cancelled:
        parts.append(_("Cancelled: %(orders)s") % {"orders": ", ".join(result.cancelled)})
    return ". ".join(parts) or _("Nothing to pack")


class PickingController(Controller):
    path = "/warehouse/pick"
    opt = OPT
    include_in_schema = False

    @post("/", name="warehouse-pick-create", status_code=303)
    async def create(self, request: Request) -> Redirect | Template:
        form = await request.form()
        ids = _ids(form.getall("order", []))
        mode = str(form.get("mode") or "item")[:20]
        try:
            if form.get("action") == "one" and len(ids) > 1:
                raise ValidationFailed("Tick one order to pick it alone, or pick the ticked orders as a wave",
                                       field="orders")
            pick_list_id = await create_pick_list(ids, actor=actor_of(request), mode=mode)
        except DomainError as exc:
            context = await queue_context(request)
            selected = {i for i in ids if isinstance(i, int)}
            lists = await pick_lists(picker=actor_of(request))
            return page(request, "warehouse/home.html", {**context, "selected": selected, "mode": mode, "nav": "pick",
                                                         "lists": lists, "flash": error_flash(exc)},
                        status_code=exc.status_code)
        return Redirect(f"/warehouse/pick/{pick_list_id}", status_code=303)

    @get("/{pick_list_id:int}", name="warehouse-pick")
    async def screen(self, request: Request, pick_list_id: int) -> Template:
        snapshot = {**await pick_list_snapshot(pick_list_id), "generated_at": datetime.now(UTC)}
        return page(request, "warehouse/pick_list.html", {
            "snap": snapshot, "snap_json": snapshot_json(snapshot), "texts": pick_texts(), "nav": "pick",
            "title": snapshot["number"], "mine": snapshot["picker"] == actor_of(request)})

    @get("/{pick_list_id:int}/data", name="warehouse-pick-data")
    async def data(self, pick_list_id: int) -> Response:
        snapshot = {**await pick_list_snapshot(pick_list_id), "generated_at": datetime.now(UTC)}
        return Response(snapshot, headers=NO_STORE)

    @post("/{pick_list_id:int}/scans", name="warehouse-pick-scan", status_code=200)
    async def scan(self, request: Request, pick_list_id: int, data: ScanBody) -> Response:
        outcome = await record_scan(pick_list_id, ScanInput(
            code=data.code, client_uuid=data.uuid, bin_code=data.bin, serial=data.serial, device=data.device,
            scanned_at=data.scanned_at), actor=actor_of(request))
        return Response(outcome_json(outcome), headers=NO_STORE)

    @post("/{pick_list_id:int}/complete", name="warehouse-pick-complete", status_code=200)
    async def complete(self, request: Request, pick_list_id: int) -> Response | Redirect:
        as_json = wants_problem_json(request)
        try:
            result = await complete_pick_list(pick_list_id, actor=actor_of(request))
        except DomainError as exc:
            if as_json:
                raise
            request.session[FLASH_KEY] = error_flash(exc)
            return redirect(request, f"/warehouse/pick/{pick_list_id}")
        if as_json:
            return Response({**dataclasses.asdict(result), "message": pack_message(result)}, headers=NO_STORE)
        flash(request, pack_message(result), "ok" if result.packed or result.already else "info")
        return redirect(request, f"/warehouse/pick/{pick_list_id}")

    @post("/{pick_list_id:int}/mode", name="warehouse-pick-mode", status_code=303)
    async def mode(self, request: Request, pick_list_id: int) -> Redirect:
        form = await request.form()
        try:
            await set_mode(pick_list_id, str(form.get("mode") or "")[:20], actor=actor_of(request))
        except DomainError as exc:
            request.session[FLASH_KEY] = error_flash(exc)
        return Redirect(f"/warehouse/pick/{pick_list_id}", status_code=303)
