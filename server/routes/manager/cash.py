"""The cashier's cash handover (role cashier; the owner too): GET /manager/cash (scan or type the route
sheet's code, or choose a courier of the day), GET /manager/cash/shift?token=… | ?courier=…&day=… (expected
sums per payment type and per order), POST /manager/cash/close (the cash handed over; closes the shift),
GET /manager/cash/report?day=… (every courier's shift of the day)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.domain.payments.handover import (
    close_shift,
    couriers_of_day,
    parse_day,
    route_by_sheet_token,
    shift_report,
    shift_view,
)
from server.errors import DomainError, ValidationFailed
from server.routes.manager._common import (
    actor_of,
    error_flash,
    errors_by_field,
    flash,
    page,
    parse_money,
    redirect,
    to_int,
)
from server.web.i18n import translate_error

CASH_ROLES = {"cashier"}


def _money(kopecks: int) -> str:
    sign = "−" if kopecks < 0 else ""
    return f"{sign}{abs(kopecks) // 100},{abs(kopecks) % 100:02d}"


class CashController(Controller):
    path = "/manager/cash"
    opt = {"roles": CASH_ROLES}
    include_in_schema = False

    @get("/", name="manager-cash")
    async def start(self, request: Request, day: str = "") -> Template:
        errors, chosen, couriers = {}, None, []
        try:
            chosen = parse_day(day)
            couriers = await couriers_of_day(chosen)
        except ValidationFailed as exc:
            errors = errors_by_field(exc)
        return page(request, "manager/cash.html", {"day": chosen, "couriers": couriers, "errors": errors,
                                                   "nav": "cash"}, status_code=422 if errors else 200)

    async def _shift_page(self, request: Request, courier: str, day: date, route_id: int | None, *,
                          error: DomainError | None = None, form: dict | None = None) -> Template:
        view = await shift_view(courier, day, route_id=route_id)
        context = {"view": view, "nav": "cash", "form": form or {}, "errors": {}}
        if error is None:
            return page(request, "manager/cash_shift.html", context)
        context["flash"], context["errors"] = error_flash(error), errors_by_field(error)
        return page(request, "manager/cash_shift.html", context, status_code=error.status_code)

    @get("/shift", name="manager-cash-shift")
    async def shift(self, request: Request, token: str = "", courier: str = "", day: str = "") -> Template:
        try:
            if token.strip():
                found = await route_by_sheet_token(token)
                return await self._shift_page(request, found["courier"], found["day"], found["route_id"])
            return await self._shift_page(request, courier.strip()[:64], parse_day(day), None)
        except DomainError as exc:
            return page(request, "manager/cash.html", {
                "day": None, "couriers": [], "errors": errors_by_field(exc), "token": token[:100], "nav": "cash",
                "flash": error_flash(exc)}, status_code=exc.status_code)

    @post("/close", name="manager-cash-close")
    async def close(self, request: Request) -> Template | Redirect | ClientRedirect:
        form = dict(await request.form())
        courier = str(form.get("courier") or "").strip()[:64]
        route_id = to_int(form.get("route_id"))
        try:
            day = parse_day(str(form.get("day") or ""))
        except ValidationFailed as exc:
            return page(request, "manager/cash.html", {"day": None, "couriers": [], "errors": errors_by_field(exc),
                                                       "nav": "cash", "flash": error_flash(exc)}, status_code=422)
        handed = parse_money(form.get("handed_cash"))
        try:
            if handed is None or not str(form.get("handed_cash") or "").strip():
                raise ValidationFailed("Type the cash handed over in roubles (0 or more)", field="handed_cash")
            shift = await close_shift(courier, day, handed, actor=actor_of(request),
                                      note=str(form.get("note") or ""), route_id=route_id)
        except DomainError as exc:
            return await self._shift_page(request, courier, day, route_id, error=exc, form=form)
        if shift["difference"]:
            flash(request, translate_error("The shift is closed with a difference of %(diff)s roubles",
                                           {"diff": _money(shift["difference"])}), "error")
        else:
            flash(request, translate_error("The shift is closed: the cash matches", {}))
        return redirect(request, "/manager/cash/shift?" + urlencode({"courier": courier, "day": day.isoformat()}))

    @get("/report", name="manager-cash-report")
    async def report(self, request: Request, day: str = "") -> Template:
        try:
            chosen = parse_day(day)
        except ValidationFailed as exc:
            return page(request, "manager/cash_report.html", {"day": None, "rows": [], "nav": "cash",
                                                              "errors": errors_by_field(exc)}, status_code=422)
        rows = await shift_report(chosen)
        totals = {k: sum(r["expected"][k] for r in rows) for k in ("cash", "card", "sbp")}
        totals["handed"] = sum(r["handed_cash"] or 0 for r in rows)
        totals["difference"] = sum(r["difference"] or 0 for r in rows)
        return page(request, "manager/cash_report.html", {"day": chosen, "rows": rows, "totals": totals,
                                                          "nav": "cash", "errors": {}})
