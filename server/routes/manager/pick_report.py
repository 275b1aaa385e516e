"""The picker report (GET /manager/reports/pickers?from=&to=): per picker the lists, orders, lines and units,
seconds per line, wrong scans and shortages. Days in the shop's time zone; the last 7 days by default."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get
from litestar.params import Parameter
from litestar.response import Template

from server.config import get_settings
from server.domain.audit.log import day_range
from server.domain.picking.report import picker_report
from server.errors import ValidationFailed
from server.routes.manager._common import errors_by_field, page

DEFAULT_DAYS = 7


class PickReportController(Controller):
    path = "/manager/reports"
    opt = {"roles": {"manager"}}
    include_in_schema = False

    @get("/pickers", name="manager-pick-report")
    async def pickers(self, request: Request, date_from: str = Parameter(query="from", default=""),
                      date_to: str = Parameter(query="to", default="")) -> Template:
        zone = get_settings().timezone
        today = datetime.now(ZoneInfo(zone)).date()
        first = date_from.strip()[:10] or (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
        last = date_to.strip()[:10] or today.isoformat()
        rows, errors = [], {}
        try:
            since, until = day_range(first, last, zone)
            rows = await picker_report(since, until)
        except ValidationFailed as exc:
            errors = errors_by_field(exc)
        return page(request, "manager/pick_report.html", {"rows": rows, "errors": errors, "nav": "reports",
                                                           "filters": {"from": first, "to": last}},
                    status_code=422 if errors else 200)
