"""What the courier controllers share: who may use the app, one request's fields from a form or from the
page script's JSON (the offline queue replays actions as JSON with the same field names), finding one of
the courier's own stops, and answers as a page, a redirect or JSON."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.response import Template

from server.domain.delivery.courier_day import courier_for_user, todays_route
from server.errors import DomainError, NotFound, ValidationFailed
from server.routes.manager._common import (  # noqa: F401 - re-exported for the courier controllers
    actor_of,
    error_flash,
    flash,
    fragment,
    page,
    redirect,
    wants_fragment,
)
from server.web.i18n import gettext as _
from server.web.problems import wants_problem_json
from server.web.templating import money

# Couriers work here (the owner may look too). A courier sees only their own route.
COURIER_ROLES = {"courier"}
OPT = {"roles": COURIER_ROLES}
NO_STORE = {"Cache-Control": "no-store"}
MAX_FIELD = 2000
PREPAID = ("prepaid_online", "invoice")


async def fields(request: Request) -> dict[str, Any]:
    """The request's fields: a JSON object from the page script, else the form. Anything else is a 422."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = msgspec.json.decode(await request.body())
        except msgspec.DecodeError:
            raise ValidationFailed("The request is not valid JSON") from None
        if not isinstance(data, dict):
            raise ValidationFailed("The request is not valid JSON")
        return data
    form = await request.form()
    found: dict[str, Any] = {}
    for key in form:
        values = form.getall(key)
        found[key] = values[0] if len(values) == 1 else values
    return found


def text(data: dict, name: str, limit: int = MAX_FIELD) -> str:
    value = data.get(name)
    return str(value).strip()[:limit] if value is not None else ""


def device_time(data: dict) -> datetime | None:
    """When the courier tapped (the queued action's own time), if the device sent a usable one."""
    raw = text(data, "at", 64)
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def as_json(request: Request) -> bool:
    return wants_problem_json(request)


def json_answer(body: dict, status_code: int = 200) -> Response:
    return Response(body, status_code=status_code, headers=NO_STORE)


async def refused(request: Request, exc: DomainError, stop_page: Callable[[], Awaitable[dict]]) -> Template:
    """An action of the stop page refused (a status, a payment): the page script's queue gets the problem
    JSON (the exception again), a form gets the stop page again (`stop_page()`: its context) with the
    reason in Russian and the refusal's status code."""
    if as_json(request):
        raise exc
    return page(request, "courier/stop.html", {**await stop_page(), "flash": error_flash(exc)},
                status_code=exc.status_code)


def _dt(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def prepared_stop(stop: dict) -> dict:
    """A stop of todays_route() as the templates use it: times as datetimes, prepaid or not."""
    out = dict(stop)
    for key in ("eta", "eta_departure", "window_start", "window_end", "done_at"):
        out[key] = _dt(stop.get(key))
    due = int(stop.get("amount_due") or 0)
    out["amount_due"] = due
    out["prepaid"] = stop.get("payment_method") in PREPAID
    out["settled"] = due <= 0
    out["done"] = stop.get("status") in ("delivered", "failed", "partial")
    out["lines"] = list(stop.get("lines") or [])
    return out


async def my_day(request: Request) -> dict | None:
    """Today's route of the signed-in courier with its stops prepared, or None."""
    day = await todays_route(actor_of(request))
    if not day:
        return None
    return {"route": day["route"], "stops": [prepared_stop(s) for s in day.get("stops") or []]}


async def my_stop(request: Request, stop_id: int) -> tuple[dict, dict]:
    """(the day, the stop) when the stop is on the signed-in courier's own route today; else NotFound —
    another courier's stop looks the same as one that does not exist."""
    day = await my_day(request)
    for stop in (day or {}).get("stops", []):
        if stop["id"] == stop_id:
            return day, stop  # type: ignore[return-value]
    raise NotFound("Stop %(id)s is not on your route today", id=stop_id)


def live_path(courier_id: int | None) -> str:
    """The courier's live stream (server/routes/courier/live.py), "" for somebody who is no courier."""
    return f"/courier/live/{int(courier_id)}" if courier_id else ""


async def my_live_path(request: Request, day: dict | None) -> str:
    """live_path of the signed-in courier: from the day's route, else (no route yet) from their courier row."""
    if day:
        return live_path(day["route"].get("courier_id"))
    me = await courier_for_user(actor_of(request))
    return live_path(me["id"] if me else None)


def status_labels() -> dict[str, str]:
    return {"planned": _("Planned"), "on_the_way": _("On the way"), "arrived": _("Arrived"),
            "delivered": _("Delivered"), "failed": _("Not delivered"), "partial": _("Delivered in part")}


def route_status_labels() -> dict[str, str]:
    return {"draft": _("Draft"), "published": _("Published"), "started": _("On the road"),
            "finished": _("Finished")}


def fail_reasons() -> list[tuple[str, str]]:
    """The reasons of server/domain/delivery/tables.py FAIL_REASONS, in the courier's words."""
    return [("not_home", _("Nobody at home")), ("refused", _("The customer refused")),
            ("wrong_address", _("Wrong address")), ("no_access", _("Cannot get in")),
            ("damaged", _("The goods are damaged")), ("other", _("Other reason"))]


def refund_notes(totals: dict[str, int]) -> list[dict[str, str]]:
    """What the courier is told about the money going back for goods handed back at the door
    (payments/door_refunds.py door_refund_totals): cash first — the courier gives it back now — then what
    the manager refunds through the bank. [{"method", "text"}]."""
    later = {"card": _("The manager arranges the refund of %(amount)s to the customer's card"),
             "sbp": _("The manager arranges the refund of %(amount)s by SBP"),
             "online": _("The manager arranges the refund of %(amount)s paid on the site"),
             "invoice": _("The manager arranges the refund of %(amount)s paid by invoice")}
    notes = []
    if totals.get("cash"):
        notes.append({"method": "cash", "text": _("Give the customer back %(amount)s in cash") % {
            "amount": money(totals["cash"])}})
    for method, amount in totals.items():
        if method != "cash" and amount > 0:
            words = later.get(method, _("The manager arranges the refund of %(amount)s"))
            notes.append({"method": method, "text": words % {"amount": money(amount)}})
    return notes
