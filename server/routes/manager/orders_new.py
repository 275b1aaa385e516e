"""An order taken by phone (/manager/orders/new): find the customer or type a new one, add lines by
search or scan, delivery and payment, then one intake_order(channel="phone") with the form's UUID as
the Idempotency-Key. Every bad input re-renders the form with the messages next to the fields and
creates nothing; the HTMX parts (customer search, the lines) re-render only their piece."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.domain.crm.customers import get_customer, search_customers
from server.domain.orders.intake import intake_order
from server.domain.outbox.worker import wake
from server.errors import DomainError
from server.routes.manager._common import (
    actor_of,
    error_flash,
    errors_by_field,
    flash,
    fragment,
    page,
    redirect,
)
from server.routes.manager._document_form import ScanResult, apply_edit, is_edit
from server.routes.manager._order_form import OrderForm, fill_customer, fill_prices, parse_order_form
from server.routes.manager._orders_common import WRITE_ROLES, order_labels
from server.web.i18n import gettext as _
from server.web.i18n import translate_error

Answer = Template | Redirect | ClientRedirect
CUSTOMER_CHOICES = 10


def _context(order: OrderForm, *, scan: ScanResult | None = None, customers: list[dict] | None = None,
             cq: str = "") -> dict[str, Any]:
    context: dict[str, Any] = {"order": order, "amounts": order.amounts(), "customers": customers, "cq": cq,
                               "nav": "orders", **order_labels()}
    if scan is not None:
        context["scan"] = scan
        context["scan_error"] = translate_error(scan.error, scan.params) if scan.error else None
    return context


def _form(request: Request, order: OrderForm, *, error: DomainError | None = None, **extra: Any) -> Template:
    context = _context(order, **extra)
    if error is None:
        return page(request, "manager/order_new.html", context)
    context["flash"] = error_flash(error)
    context["errors"] = errors_by_field(error)
    return page(request, "manager/order_new.html", context, status_code=error.status_code)


async def _picked(order: OrderForm, value: Any) -> None:
    try:
        fill_customer(order, await get_customer(int(str(value))))
    except (DomainError, ValueError):
        order.customer_id = None  # a card merged or gone meanwhile: the manager types the customer


async def _edited(order: OrderForm, data: Any) -> ScanResult:
    scan = await apply_edit(order, data)  # type: ignore[arg-type]  # uses only .lines, as DocumentForm
    await fill_prices(order)
    return scan


class PhoneOrderController(Controller):
    path = "/manager/orders/new"
    opt = {"roles": WRITE_ROLES}

    @get("/", name="manager-order-new")
    async def new(self, request: Request) -> Template:
        return _form(request, OrderForm())

    @post("/")
    async def create(self, request: Request) -> Answer:
        """Creates the order (action=create). Without JavaScript the same form also finds a customer
        (action=find_customer), takes a found one (pick_customer), edits the lines and recounts the sums
        (action=recount); those only re-render."""
        data = await request.form()
        order = parse_order_form(data)
        if data.get("pick_customer"):
            await _picked(order, data.get("pick_customer"))
            return _form(request, order)
        if data.get("action") == "find_customer":
            cq = str(data.get("cq") or "").strip()[:100]
            return _form(request, order, customers=await search_customers(cq, limit=CUSTOMER_CHOICES), cq=cq)
        if is_edit(data) or data.get("action") == "recount":
            return _form(request, order, scan=await _edited(order, data))
        try:
            result = await intake_order(order.to_intake(), idempotency_key=order.idempotency_key,
                                        actor=actor_of(request))
        except DomainError as exc:
            return _form(request, order, error=exc)
        wake()  # boards and the customer hear about the new order at once
        short = sum(x.qty - x.reserved for x in result.lines)
        if not result.created:
            flash(request, _("Order %(number)s was already created from this form") % {"number": result.number})
        elif short:
            flash(request, _("Order %(number)s is created; %(n)s units are short (see the lines)")
                  % {"number": result.number, "n": short}, "info")
        else:
            flash(request, _("Order %(number)s is created") % {"number": result.number})
        return redirect(request, f"/manager/orders/{result.order_id}")

    @post("/lines", name="manager-order-new-lines")
    async def lines(self, request: Request) -> Template:
        """Re-renders the lines (HTMX): adds the scanned or typed code or the picked goods, removes a line,
        or only recounts the sums. Writes nothing."""
        data = await request.form()
        order = parse_order_form(data)
        return fragment("manager/_order_new_lines.html", {**_context(order, scan=await _edited(order, data)),
                                                          "oob_flash": True})

    @get("/customers", name="manager-order-new-customers")
    async def customers(self, cq: str = "") -> Template:
        """Customer cards matching the search (HTMX): name, phone in any format, e-mail, INN, company."""
        cq = cq.strip()[:100]
        found = await search_customers(cq, limit=CUSTOMER_CHOICES) if cq else None
        return fragment("manager/_order_customer_choices.html", {"customers": found, "cq": cq})

    @post("/customer", name="manager-order-new-customer")
    async def customer(self, request: Request) -> Template:
        """The customer fields filled from the card picked among the matches (HTMX)."""
        data = await request.form()
        order = parse_order_form(data)
        await _picked(order, data.get("pick_customer"))
        return fragment("manager/_order_customer.html", {**_context(order), "picked": True})
