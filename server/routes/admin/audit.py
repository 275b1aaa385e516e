"""The owner's audit log: filters (entity, actor, action, dates), newest first, paged. One URL for the
page and its results: HTMX asks for the results, a plain GET gets the whole page."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import Parameter
from litestar.response import Template

from server.config import get_settings
from server.domain.audit.log import AuditFilter, day_range, filter_choices, readable_changes, search_entries
from server.errors import DomainError
from server.routes.admin._common import OWNER_ONLY, admin_page
from server.routes.manager._common import PAGE_SIZE, fragment, pages, wants_fragment
from server.web.i18n import gettext as _
from server.web.i18n import translate_error

BASE = "/manager/admin/audit"


def _labels() -> dict:
    return {"entity_labels": {"user": _("A user account"), "api_token": _("An API token"),
                              "stock_document": _("A stock document"), "warehouse": _("A warehouse"),
                              "bin": _("A storage bin")}}


class AdminAuditController(Controller):
    path = BASE
    opt = {"roles": OWNER_ONLY}

    @get("/", name="admin-audit")
    async def audit(self, request: Request, entity: str = "", entity_id: str = "", actor: str = "",
                    action: str = "", date_from: str = Parameter(query="from", default=""),
                    date_to: str = Parameter(query="to", default=""),
                    page_no: int = Parameter(query="page", default=1)) -> Template:
        params = {"entity": entity.strip()[:50], "entity_id": entity_id.strip()[:64], "actor": actor.strip()[:100],
                  "action": action.strip()[:50], "from": date_from.strip()[:10], "to": date_to.strip()[:10]}
        page_no = max(1, page_no)
        error: DomainError | None = None
        rows: list[dict] = []
        total = 0
        try:
            since, until = day_range(params["from"], params["to"], get_settings().timezone)
            rows, total = await search_entries(
                AuditFilter(entity=params["entity"], entity_id=params["entity_id"], actor=params["actor"],
                            action=params["action"], since=since, until=until),
                limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
        except DomainError as exc:
            error = exc
        context = {"rows": rows, "filters": params, "paging": pages(total, page_no, BASE, params),
                   "readable_changes": readable_changes, **_labels()}
        if wants_fragment(request):
            return fragment("manager/_admin_audit_rows.html",
                            {**context, "error": translate_error(error.message, error.params) if error else None},
                            status_code=error.status_code if error else 200)
        return admin_page(request, "manager/admin_audit.html", {**context, "choices": await filter_choices()},
                          error=error)
