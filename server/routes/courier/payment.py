"""Payment at the door, for one stop of the courier's own route.

- POST /courier/stop/{id}/pay — {uuid, method: cash|card, amount, tendered, slip_ref, at} (money as the
  courier types it: "1234,50" roubles) → take_payment (server/domain/payments), idempotent by the UUID.
  Cash: the change is computed again by the server and shown; card: the terminal slip reference. The
  receipt (54-FZ) is queued by the service in the same transaction. A form → back to the stop with the
  message; a refusal re-renders the stop page with the message in Russian. JSON (the offline queue) →
  {ok, message, change, replayed}; a refusal is a problem JSON.
- POST /courier/stop/{id}/sbp — {uuid}: an SBP payment of the amount due → the QR code (SVG) to show the
  customer and a «Проверить оплату» button (HTMX fragment). Needs the network: the page says so offline.
- POST /courier/stop/{id}/sbp/{payment_id}/check — asks the acquirer → paid (the receipt is queued) or
  still waiting (HTMX fragment).
"""

from __future__ import annotations

from litestar import Controller, Request, Response, post
from litestar.response import Redirect, Template

from server.domain.payments.payments import order_payments, take_payment
from server.domain.payments.sbp import check_sbp_payment, start_sbp_payment
from server.errors import DomainError, ValidationFailed
from server.routes.courier._common import (
    OPT,
    actor_of,
    as_json,
    error_flash,
    fields,
    flash,
    fragment,
    json_answer,
    my_stop,
    redirect,
    refused,
    text,
)
from server.routes.courier.stop import stop_context
from server.routes.manager._common import parse_money
from server.web.i18n import gettext as _
from server.web.templating import money

METHODS = ("cash", "card")


def _money(data: dict, name: str, *, default: int | None = None) -> int | None:
    raw = text(data, name, 30)
    if not raw:
        return default
    value = parse_money(raw)
    if value is None or value < 0:
        raise ValidationFailed("Type the sum in roubles, for example 1250 or 1250,50", field=name)
    return value


def payment_message(method: str, amount: int, result: dict) -> str:
    if result.get("replayed"):
        return _("This payment is recorded already: nothing taken twice")
    if method == "cash":
        return _("Cash taken: %(amount)s, change %(change)s. Receipt sent") % {
            "amount": money(amount), "change": money(int(result.get("change") or 0))}
    return _("Card payment taken: %(amount)s. Receipt sent") % {"amount": money(amount)}


class CourierPaymentController(Controller):
    path = "/courier/stop"
    opt = OPT
    include_in_schema = False

    @post("/{stop_id:int}/pay", name="courier-stop-pay", status_code=200)
    async def pay(self, request: Request, stop_id: int) -> Response | Redirect | Template:
        json = as_json(request)
        try:
            data = await fields(request)
            day, stop = await my_stop(request, stop_id)
            method = text(data, "method", 10)
            if method not in METHODS:
                raise ValidationFailed("Choose how the customer pays: cash or card", field="method")
            amount = _money(data, "amount", default=stop["amount_due"])
            if not amount:
                raise ValidationFailed("Nothing to pay: the order is paid", field="amount")
            tendered = _money(data, "tendered") if method == "cash" else None
            if method == "cash" and tendered is None:
                tendered = amount
            result = await take_payment(stop["order_id"], method, amount, actor=actor_of(request),
                                        client_uuid=text(data, "uuid", 64), tendered=tendered,
                                        slip_ref=text(data, "slip_ref", 64) if method == "card" else "",
                                        courier=actor_of(request), route_id=day["route"].get("id"))
        except DomainError as exc:
            return await refused(request, exc, lambda: stop_context(request, stop_id))
        result = result or {}
        message = payment_message(method, amount, result)
        if json:
            return json_answer({"ok": True, "message": message, "change": int(result.get("change") or 0),
                                "replayed": bool(result.get("replayed"))})
        flash(request, message)
        return redirect(request, f"/courier/stop/{stop_id}")

    @post("/{stop_id:int}/sbp", name="courier-stop-sbp", status_code=200)
    async def sbp(self, request: Request, stop_id: int) -> Template:
        try:
            data = await fields(request)
            day, stop = await my_stop(request, stop_id)
            if not stop["amount_due"]:
                raise ValidationFailed("Nothing to pay: the order is paid", field="amount")
            started = await start_sbp_payment(stop["order_id"], stop["amount_due"], actor=actor_of(request),
                                              client_uuid=text(data, "uuid", 64), courier=actor_of(request),
                                              route_id=day["route"].get("id"))
        except DomainError as exc:
            return fragment("courier/_sbp.html", {"error": error_flash(exc), "stop_id": stop_id},
                            status_code=exc.status_code)
        return fragment("courier/_sbp.html", {"sbp": started, "stop": stop, "stop_id": stop_id})

    @post("/{stop_id:int}/sbp/{payment_id:int}/check", name="courier-stop-sbp-check", status_code=200)
    async def sbp_check(self, request: Request, stop_id: int, payment_id: int) -> Template:
        try:
            _day, stop = await my_stop(request, stop_id)
            mine = {p.get("id") for p in await order_payments(stop["order_id"])}
            if payment_id not in mine:
                raise ValidationFailed("This SBP payment is not for this order", field="payment")
            checked = await check_sbp_payment(payment_id, actor=actor_of(request))
        except DomainError as exc:
            return fragment("courier/_sbp.html", {"error": error_flash(exc), "stop_id": stop_id},
                            status_code=exc.status_code)
        paid = (checked or {}).get("status") == "done"
        return fragment("courier/_sbp.html", {"checked": checked, "paid": paid, "stop": stop, "stop_id": stop_id,
                                              "payment_id": payment_id},
                        headers={"HX-Refresh": "true"} if paid else None)
