"""One stop of the courier's route: the page, and its statuses.

- GET  /courier/stop/{id} — address, window, ETA, the customer (call: tel:), navigation links (geo: URI,
  Yandex Navigator, Yandex Maps on the web), the lines, the amount due and the payment at the door
  (server/routes/courier/payment.py), the statuses. Only a stop of the courier's own route today: any
  other id is a 404, the same as a stop that does not exist.
- POST /courier/stop/{id}/status — {uuid, action, reason, comment, return-<line_id>: qty, at}:
  on_the_way | arrived | delivered | failed (a reason, a comment) | partial (the lines handed back) →
  mark_stop (server/domain/delivery/courier_day.py), idempotent by the client UUID: a double tap or a
  replayed offline queue changes nothing twice. A form → back to the route (or the stop, for on the way
  and arrived) with the message; a refusal re-renders the stop page with the message in Russian. JSON
  (the page script's queue) → {ok, message, status, refunds, replayed}; a refusal is a problem JSON.
  Goods handed back after they were paid (partial): the money going back (payments/door_refunds.py
  door_refund_totals, in _common.refund_notes' words: «Верните покупателю 500,00 ₽ наличными», «Возврат …
  на карту покупателя оформит менеджер») ends the message and is listed in "refunds"; a form goes back to
  the stop page, which shows it next to the payments from then on. A replay says the same.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from server.domain.delivery.courier_day import mark_stop
from server.domain.payments.door_refunds import door_refund_totals
from server.domain.payments.payments import order_payments
from server.errors import DomainError, ValidationFailed
from server.routes.courier._common import (
    OPT,
    actor_of,
    as_json,
    device_time,
    fail_reasons,
    fields,
    flash,
    json_answer,
    live_path,
    my_stop,
    page,
    redirect,
    refund_notes,
    refused,
    status_labels,
    text,
)
from server.routes.manager._common import FLASH_KEY
from server.web.i18n import gettext as _

MAX_QTY = 1_000_000


def navigation_links(stop: dict) -> dict[str, str]:
    """geo: (any map app of the phone), Yandex Navigator and Yandex Maps on the web; empty without a pin."""
    lat, lon = stop.get("lat"), stop.get("lon")
    if lat is None or lon is None:
        return {}
    point = f"{float(lat):.6f},{float(lon):.6f}"
    la, lo = point.split(",")
    return {"geo": f"geo:{point}?q={point}({quote(str(stop.get('address') or ''))})",
            "navigator": f"yandexnavi://build_route_on_map?lat_to={la}&lon_to={lo}",
            "maps": f"https://yandex.ru/maps/?rtext=~{point}&rtt=auto"}


def phone_link(phone: str) -> str:
    digits = "".join(ch for ch in phone or "" if ch.isdigit() or ch == "+")
    return f"tel:{digits}" if digits else ""


def returned_lines(data: dict, stop: dict) -> dict[int, int]:
    """{line_id: qty handed back} from the fields return-<line_id>; a qty that is not a whole number from 0
    to the line's qty is refused here (the service checks the rest)."""
    found: dict[int, int] = {}
    for line in stop["lines"]:
        raw = text(data, f"return-{line['line_id']}", 20)
        if not raw:
            continue
        if not raw.isdigit() or int(raw) > min(int(line.get("qty") or 0), MAX_QTY):
            raise ValidationFailed("Return from 0 to %(qty)s of «%(name)s»", field=f"return-{line['line_id']}",
                                   qty=line.get("qty"), name=line.get("name") or line.get("sku"))
        if int(raw):
            found[int(line["line_id"])] = int(raw)
    return found


async def stop_context(request: Request, stop_id: int) -> dict:
    day, stop = await my_stop(request, stop_id)
    stops = day["stops"]
    position = next(i for i, s in enumerate(stops) if s["id"] == stop_id)
    payments = [{**p, "receipt_status": next((r["status"] for r in reversed(p.get("receipts") or [])
                                              if r.get("operation", "sell") == "sell"), "")}
                for p in await order_payments(stop["order_id"])]
    return {"day": day, "stop": stop, "labels": status_labels(), "reasons": fail_reasons(),
            "links": navigation_links(stop), "tel": phone_link(stop.get("contact_phone") or ""),
            "payments": payments, "refunds": refund_notes(await door_refund_totals(stop["order_id"])),
            "previous": stops[position - 1] if position else None,
            "following": stops[position + 1] if position + 1 < len(stops) else None,
            "new_uuid": lambda: str(uuid.uuid4()), "nav": "stop", "live_url": live_path(day["route"].get("courier_id")),
            "title": _("Stop %(seq)s") % {"seq": stop.get("seq")}}


def action_message(action: str, stop: dict, result: dict) -> str:
    if result.get("replayed"):
        return _("Already recorded: nothing changed")
    texts = {"on_the_way": _("Stop %(seq)s: on the way"), "arrived": _("Stop %(seq)s: arrived"),
             "delivered": _("Stop %(seq)s: delivered"), "failed": _("Stop %(seq)s: not delivered"),
             "partial": _("Stop %(seq)s: delivered in part, the rest goes back to the warehouse")}
    if action == "partial" and result.get("status") != "partial":
        return _("Stop %(seq)s: the goods handed back are taken; take the payment of the rest") % {
            "seq": stop.get("seq")}
    return texts.get(action, _("Stop %(seq)s")) % {"seq": stop.get("seq")}


class CourierStopController(Controller):
    path = "/courier/stop"
    opt = OPT
    include_in_schema = False

    @get("/{stop_id:int}", name="courier-stop")
    async def stop(self, request: Request, stop_id: int) -> Template:
        return page(request, "courier/stop.html", await stop_context(request, stop_id))

    @post("/{stop_id:int}/status", name="courier-stop-status", status_code=200)
    async def status(self, request: Request, stop_id: int) -> Response | Redirect | Template:
        json = as_json(request)
        try:
            data = await fields(request)
            _day, stop = await my_stop(request, stop_id)
            action = text(data, "action", 20)  # the service refuses an unknown one, and says what is missing
            reason = text(data, "reason", 32)
            returned = returned_lines(data, stop) if action == "partial" else None
            result = await mark_stop(stop_id, action, actor=actor_of(request), client_uuid=text(data, "uuid", 64),
                                     reason=reason if action in ("failed", "partial") else "",
                                     comment=text(data, "comment"), returned_lines=returned, at=device_time(data))
        except DomainError as exc:
            return await refused(request, exc, lambda: stop_context(request, stop_id))
        result = result or {}
        message = action_message(action, stop, result)
        # goods handed back after they were paid: the money going back (a replay reads the same refunds)
        notes = [n["text"] for n in refund_notes(await door_refund_totals(stop["order_id"]))] \
            if action == "partial" else []
        if json:
            return json_answer({"ok": True, "message": " ".join([f"{message}.", *notes]) if notes else message,
                                "refunds": notes, "action": action, "status": result.get("status", action),
                                "replayed": bool(result.get("replayed"))})
        if notes:  # the stop page says it again, in big letters, next to the payments
            request.session[FLASH_KEY] = {"level": "ok", "message": message, "messages": notes}
            return redirect(request, f"/courier/stop/{stop_id}")
        flash(request, message)
        return redirect(request, f"/courier/stop/{stop_id}" if action in ("on_the_way", "arrived") else "/courier/")
