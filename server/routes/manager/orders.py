"""The order board and the order card: filters (updated live, see orders_live.py), the lines with their
reservations and shortages, customer, delivery, payments, history, the allowed status changes, a
payment received, re-reservation and the manager in charge."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.domain.channels.channels import list_channels
from server.domain.orders.board import shortages_by_order
from server.domain.orders.edits import assign_manager, record_payment
from server.domain.orders.queries import get_order, list_orders
from server.domain.orders.reservations import rereserve
from server.domain.orders.settings import status_settings
from server.domain.orders.status import TRANSITIONS, change_status, check_transition
from server.domain.orders.tables import PAYMENT_METHODS
from server.domain.outbox.worker import wake
from server.domain.picking.shortages import flagged_orders, order_picking
from server.domain.users.manage import list_users
from server.domain.zones.assign import order_zone
from server.errors import DomainError, ValidationFailed
from server.routes.manager._common import (
    PAGE_SIZE,
    actor_of,
    error_flash,
    errors_by_field,
    flash,
    fragment,
    page,
    page_number,
    pages,
    parse_money,
    redirect,
    wants_fragment,
)
from server.routes.manager._map import map_settings
from server.routes.manager._orders_common import READ_ROLES, WRITE_ROLES, board_filters, order_labels
from server.web.access import principal_of
from server.web.i18n import gettext as _
from server.web.i18n import translate_error
from server.web.templating import money

Answer = Template | Redirect | ClientRedirect
WRITE = {"roles": WRITE_ROLES}


async def _managers() -> list[dict[str, str]]:
    """Who can be put in charge of an order: active managers and owners."""
    return [{"username": u.username, "name": u.full_name or u.username} for u in await list_users()
            if u.active and {"manager", "owner"} & set(u.roles)]


async def _lookups() -> dict[str, Any]:
    settings = await status_settings()
    return {"statuses": [{"code": s.code, "label": s.label} for s in settings.values()],
            "channels": {c.code: c.name for c in await list_channels()}, **order_labels()}


def _blocked(card: dict, labels: dict[str, str]) -> dict[str, list[str]]:
    """The next statuses the arrows allow but a rule refuses now, with the reasons (shown as hints)."""
    found = {}
    for to in TRANSITIONS.get(card["status"], ()):
        if to in card["allowed_transitions"]:
            continue
        found[to] = [translate_error(p.message, p.params) for p in check_transition(card, card["lines"], to, labels)]
    return found


async def _card(request: Request, order_id: int, *, error: DomainError | None = None,
                form: dict[str, Any] | None = None) -> Template:
    """The order card as it is now; after a refused change with the reason on top and next to the field."""
    card = await get_order(order_id)
    lookups = await _lookups()
    labels = {s["code"]: s["label"] for s in lookups["statuses"]}
    principal = principal_of(request)
    context = {"order": card, **lookups, "status_labels_shop": labels, "blocked": _blocked(card, labels),
               "can_write": bool(principal and principal.has_any(WRITE_ROLES)), "managers": await _managers(),
               "payment_methods": PAYMENT_METHODS, "form": form or {}, "errors": {}, "nav": "orders",
               "picking": await order_picking(order_id, card["warehouse"]["id"] if card["warehouse"] else 0),
               "zone": await order_zone(order_id), "map": map_settings()}
    if error is None:
        return page(request, "manager/order_card.html", context)
    context["flash"] = error_flash(error)
    context["errors"] = errors_by_field(error)
    return page(request, "manager/order_card.html", context, status_code=error.status_code)


def _changed(request: Request, order_id: int, message: str) -> Answer:
    wake()  # the outbox worker of this process tells boards and customers at once
    flash(request, message)
    return redirect(request, f"/manager/orders/{order_id}")


class OrdersController(Controller):
    path = "/manager/orders"
    opt = {"roles": READ_ROLES}

    @get("/", name="manager-orders")
    async def board(self, request: Request, status: str = "", channel: str = "", manager: str = "", q: str = "",
                    date_from: str = Parameter(query="from", default=""),
                    date_to: str = Parameter(query="to", default=""),
                    page_no: str = Parameter(query="page", default="1"), zone: str = "") -> Template:
        """The board, or (HTMX: filters, paging, a live refresh) only its results."""
        filters = board_filters(status, channel, manager, q, date_from, date_to, zone)
        page_no = page_number(page_no)
        rows, total, errors = [], 0, {}
        try:
            rows, total = await list_orders(filters.to_filter(), limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
        except ValidationFailed as exc:
            errors = errors_by_field(exc)
        shortages = await shortages_by_order([r["id"] for r in rows])
        context = {"rows": rows, "shortages": shortages, "pick_shortages": await flagged_orders([r["id"] for r in rows]),
                   "filters": filters, "errors": errors, "nav": "orders",
                   "paging": pages(total, page_no, "/manager/orders", filters.params()), **await _lookups()}
        if wants_fragment(request):
            return fragment("manager/_order_rows.html", context)
        return page(request, "manager/orders.html", {**context, "managers": await _managers()})

    @get("/{order_id:int}", name="manager-order")
    async def card(self, request: Request, order_id: int) -> Template:
        return await _card(request, order_id)

    @post("/{order_id:int}/status", opt=WRITE)
    async def status(self, request: Request, order_id: int) -> Answer:
        """Moves the order to `to` (a button per allowed status); a refusal shows the card with the reason."""
        data = await request.form()
        to = str(data.get("to") or "").strip()[:40]
        try:
            await change_status(order_id, to, actor=actor_of(request), comment=str(data.get("comment") or ""))
        except DomainError as exc:
            return await _card(request, order_id, error=exc, form={"comment": str(data.get("comment") or "")[:2000]})
        label = (await status_settings())[to].label
        return _changed(request, order_id, _("The order is now «%(status)s»") % {"status": label})

    @post("/{order_id:int}/payments", opt=WRITE)
    async def payment(self, request: Request, order_id: int) -> Answer:
        data = await request.form()
        form = {"amount": str(data.get("amount") or "").strip()[:20], "method": str(data.get("method") or "")[:32]}
        amount = parse_money(form["amount"])
        try:
            if not amount or amount < 0:
                raise ValidationFailed("The payment must be a sum in roubles greater than zero, e.g. 1490,00",
                                       field="amount")
            await record_payment(order_id, amount, form["method"], actor=actor_of(request))
        except DomainError as exc:
            return await _card(request, order_id, error=exc, form=form)
        return _changed(request, order_id, _("Payment of %(amount)s recorded") % {"amount": money(amount)})

    @post("/{order_id:int}/rereserve", opt=WRITE)
    async def rereserve(self, request: Request, order_id: int) -> Answer:
        try:
            taken = await rereserve(order_id, actor=actor_of(request))
        except DomainError as exc:
            return await _card(request, order_id, error=exc)
        units = sum(taken.values())
        message = (_("Reserved %(n)s more units") % {"n": units} if units
                   else _("Nothing more is available to reserve yet"))
        return _changed(request, order_id, message)

    @post("/{order_id:int}/manager", opt=WRITE)
    async def manager(self, request: Request, order_id: int) -> Answer:
        data = await request.form()
        username = str(data.get("manager") or "").strip()[:100]
        try:
            await assign_manager(order_id, username or None, actor=actor_of(request))
        except DomainError as exc:
            return await _card(request, order_id, error=exc, form={"manager": username})
        return _changed(request, order_id, _("The manager in charge is saved"))
