"""54-FZ receipts for the manager: the list with their states (GET /manager/receipts?status=problem for the
failed and stuck ones), "send again" (POST …/{id}/retry), the order card's payments and receipts (GET
…/order/{order_id}, an HTMX fragment the card loads), the SBP test double's "mark paid" button, and the
refunds of goods handed back at the door that the bank still has to pay back (listed on both; "refund
done": POST …/refunds/{id}/done)."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.domain.outbox.worker import wake
from server.domain.payments.acquirer import acquirer
from server.domain.payments.door_refunds import mark_refund_done, order_refunds, refunds_to_make
from server.domain.payments.payments import order_payments
from server.domain.payments.receipts import list_receipts, receipt_counts, retry_receipt
from server.domain.payments.sbp import check_sbp_payment
from server.domain.payments.tables import Payment
from server.errors import DomainError, NotFound
from server.routes.manager._common import (
    actor_of,
    error_flash,
    errors_by_field,
    flash,
    fragment,
    page,
    redirect,
)
from server.web.access import principal_of
from server.web.i18n import gettext as _
from server.web.i18n import translate_error

READ_ROLES = {"manager", "cashier"}
WRITE = {"roles": {"manager"}}


def receipt_labels() -> dict:
    return {
        "receipt_status_labels": {"queued": _("Queued"), "wait": _("At the provider"), "done": _("Fiscalised"),
                                  "fail": _("Refused by the provider"), "error": _("Not sent: error")},
        "operation_labels": {"sell": _("Sale"), "sell_refund": _("Refund")},
        "method_labels": {"cash": _("Cash"), "card": _("Card"), "sbp": _("SBP"), "online": _("Online prepayment"),
                          "invoice": _("Bank transfer"), "other": _("Paid otherwise")},
        "refund_status_labels": {"to_return": _("To pay back by the bank"), "done": _("Paid back")},
        "payment_status_labels": {"pending": _("Waiting for the payment"), "done": _("Paid"),
                                  "cancelled": _("Cancelled")},
    }


class ReceiptsController(Controller):
    path = "/manager/receipts"
    opt = {"roles": READ_ROLES}
    include_in_schema = False

    @get("/", name="manager-receipts")
    async def receipts(self, request: Request, status: str = "") -> Template:
        errors = {}
        try:
            rows = await list_receipts(status=status.strip()[:16])
        except DomainError as exc:
            rows, errors = [], errors_by_field(exc)
        principal = principal_of(request)
        return page(request, "manager/receipts.html", {
            "rows": rows, "status": status, "counts": await receipt_counts(), "errors": errors, "nav": "receipts",
            "refunds": await refunds_to_make(),
            "can_retry": bool(principal and principal.has_any({"manager"})), **receipt_labels()})

    @post("/{receipt_id:int}/retry", name="manager-receipt-retry", opt=WRITE)
    async def retry(self, request: Request, receipt_id: int) -> Redirect | ClientRedirect:
        try:
            made = await retry_receipt(receipt_id, actor=actor_of(request))
        except DomainError as exc:
            request.session["flash"] = error_flash(exc)
            return redirect(request, "/manager/receipts?status=problem")
        wake()
        flash(request, translate_error("The receipt is queued again: %(key)s", {"key": made["external_id"]}))
        return redirect(request, "/manager/receipts?status=problem")

    @get("/order/{order_id:int}", name="manager-order-payments")
    async def order(self, request: Request, order_id: int) -> Template:
        """The payments and receipts of an order (loaded into its card)."""
        payments = await order_payments(order_id)
        receipts = await list_receipts(order_id=order_id)
        principal = principal_of(request)
        return fragment("manager/_order_payments.html", {
            "payments": payments, "receipts": receipts, "order_id": order_id, "user": principal,
            "refunds": await order_refunds(order_id),
            "test_acquirer": bool(getattr(acquirer(), "is_test_double", False)), **receipt_labels()})

    @post("/sbp/{payment_id:int}/mark-paid", name="manager-sbp-test-paid", opt=WRITE)
    async def sbp_test_paid(self, request: Request, payment_id: int) -> Redirect | ClientRedirect:
        """The TEST acquirer only: the customer "paid" this SBP QR (there is no bank behind it)."""
        double = acquirer()
        row = await Payment.select(Payment.order, Payment.acquirer_ref).where(
            (Payment.id == payment_id) & (Payment.method == "sbp")).first()
        if row is None or not getattr(double, "is_test_double", False):
            raise NotFound("SBP payment %(id)s not found", id=payment_id)
        double.mark_paid(row["acquirer_ref"])  # type: ignore[attr-defined]
        try:
            await check_sbp_payment(payment_id, actor=actor_of(request))
        except DomainError as exc:
            request.session["flash"] = error_flash(exc)
        wake()
        return redirect(request, f"/manager/orders/{row['order']}")

    @post("/refunds/{refund_id:int}/done", name="manager-refund-done", opt=WRITE)
    async def refund_done(self, request: Request, refund_id: int) -> Redirect | ClientRedirect:
        """The bank has paid this refund back to the customer (the manager records it, with a reference)."""
        form = dict(await request.form())
        order_id = str(form.get("order_id") or "")
        back = f"/manager/orders/{order_id}" if order_id.isdigit() else "/manager/receipts"
        try:
            await mark_refund_done(refund_id, actor=actor_of(request), note=str(form.get("note") or ""))
        except DomainError as exc:
            request.session["flash"] = error_flash(exc)
        else:
            flash(request, translate_error("The refund is recorded as paid back", {}))
        return redirect(request, back)
