"""POST /fiscal/atol/callback: ATOL Online posts a receipt's report here when `service.callback_url` is set.

Public (ATOL has no session) and exempt from CSRF. Not trusted on its own: the report must name one of our
receipts by both its uuid and its external_id, and even then it only makes the worker ask ATOL's API for
the report at once (server/integrations/fiscal_worker.py). Posting the same report again is harmless."""

from __future__ import annotations

import json

from litestar import Controller, Request, Response, post

from server.domain.outbox.worker import wake
from server.integrations.fiscal_worker import accept_callback
from server.routes._machine import MACHINE_ERROR_HANDLERS

BODY_LIMIT = 64 * 1024


class FiscalCallbackController(Controller):
    path = "/fiscal/atol"
    opt = {"public": True, "exclude_from_csrf": True}
    exception_handlers = MACHINE_ERROR_HANDLERS  # type: ignore[assignment]
    include_in_schema = False

    @post("/callback", status_code=200)
    async def callback(self, request: Request) -> Response:
        raw = await request.body()
        try:
            report = json.loads(raw) if len(raw) <= BODY_LIMIT else None
        except ValueError:
            report = None
        if not isinstance(report, dict):
            return Response({"accepted": False, "error": "a JSON report object is expected"}, status_code=400)
        if not await accept_callback(report):
            return Response({"accepted": False, "error": "no such receipt"}, status_code=404)
        wake()
        return Response({"accepted": True}, status_code=200)
