"""54-FZ receipts: queued with the payment (same transaction), sent by the outbox, their state as the
provider reports it, the manager's list and retry, and refunds of a returned order. Goods handed over
against a prepayment get their own sell receipt when the order becomes delivered, by whatever path
(`queue_offset_sell`, called by orders/status.change_status); none when it was prepaid by invoice.

States: queued (not accepted by the provider yet: never sent, or the last try met a timeout / 5xx /
an outage — `last_error` says which, the outbox tries again with back-off) → wait (the provider holds
it under `provider_uuid`; we poll) → done (fiscalised: the fiscal numbers are filled in) | fail (the
provider refused the document) | error (we could not build or send it at all, e.g. refused as invalid
before fiscalisation).

Retrying by hand (`retry_receipt`): a `fail`ed or `error` receipt is sent again as the same document under a
NEW external_id (the provider will not fiscalise a key twice, and a failed key stays failed), linked by
`replaces`; a queued or waiting one just gets a fresh outbox event under its own key — a duplicate key
answers with the document already held, so nothing is fiscalised twice.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from server.config import fiscal_settings, get_settings
from server.db import write_tx
from server.domain.audit.log import record
from server.domain.marking.tables import UnitCode
from server.domain.orders.tables import Order, OrderLine, OrderPayment
from server.domain.outbox.events import emit
from server.domain.payments import fiscal
from server.domain.payments.tables import RECEIPT_STATUSES, Payment, Receipt
from server.errors import Conflict, NotFound, ValidationFailed

TOPIC = "fiscal.receipt"
RETRYABLE = ("fail", "error")


def company() -> fiscal.Company:
    s = fiscal_settings()
    return fiscal.Company(inn=s.company_inn, sno=s.company_sno, email=s.company_email,
                          payment_address=s.payment_address)


async def line_codes(order_id: int) -> dict[int, list[str]]:
    """Full marking codes per order line of the units in use (a unit taken off the order at picking is
    not sold; a refund repeats the codes of the sell receipt it takes back, from its stored body)."""
    rows = await UnitCode.select(UnitCode.order_line, UnitCode.full_code).where(
        (UnitCode.order == order_id) & (UnitCode.kind == "marking") & UnitCode.released_at.is_null()
    ).order_by(UnitCode.id)
    found: dict[int, list[str]] = {}
    for row in rows:
        if row["order_line"] is not None and row["full_code"]:
            found.setdefault(row["order_line"], []).append(row["full_code"])
    return found


def _now() -> datetime:
    return datetime.now(UTC)


async def queue_sell(order: dict, payment: dict, paid_before: int) -> dict:
    """Inside the payment's transaction: the Receipt row with its body, and the outbox event to send it."""
    lines = await OrderLine.select().where(OrderLine.order == order["id"]).order_by(OrderLine.line_no)
    external_id = f"kladovka-order-{order['id']}-sell-{payment['id']}"
    body = fiscal.sell_body(order=order, lines=lines, codes=await line_codes(order["id"]), method=payment["method"],
                            amount=payment["amount"], paid_before=paid_before, company=company(),
                            external_id=external_id, timestamp=fiscal.atol_timestamp(_now(), get_settings().timezone),
                            callback_url=fiscal_settings().callback_url, delivery_vat=fiscal_settings().delivery_vat)
    return await _insert(order["id"], payment["id"], "sell", external_id, body)


async def queue_offset_sell(order_id: int) -> dict | None:
    """Inside the transaction that makes the order "delivered" (orders/status.change_status — the courier's
    stop delivered or partly delivered, the manager's status change, the site / 1C exchange, the REST API),
    the order locked: the prepayment-offset sell receipt of the goods handed over (fiscal.offset_body, the
    order's lines as they are then) when nothing is due and no sell receipt of ours settled the order.

    None when there is none to make: nothing to pay for (total 0), something still due, a settling sell
    receipt exists — the final receipt of a door payment, or this offset receipt already (a double tap, a
    replayed queue, the status set again: one per order, in any state; a refused one is sent again by hand)
    — or any of the order's prepayment was by invoice (`paid_by_invoice`). Since July 2019 54-FZ asks no
    receipt for a cashless settlement between organisations / entrepreneurs made without presenting an
    electronic means of payment (a bank transfer by invoice; we take an invoice payer to be one), and we
    make none for the invoice payment itself (queue_sell only runs for the courier's cash / card / SBP
    payments), so none for its offset either. A mix of invoice and
    other prepayments gets no offset receipt at all: one for the other part alone would need the items
    split by payment, which is not done (knowingly: that part is handed over without our receipt).
    Nor when KLADOVKA_ONLINE_RECEIPTS=site and any of it was paid online on the site: the site's payment
    provider (e.g. the receipts of a YooKassa / CloudPayments account, or 1C-Bitrix's own cash register at
    shipment) makes the advance receipt and the offset one, and a second offset receipt of ours would
    fiscalise the same sale twice."""
    order = await Order.select().where(Order.id == order_id).first()
    if order is None:
        raise NotFound("Order %(id)s not found", id=order_id)
    if order["total"] <= 0 or order["paid"] < order["total"]:
        return None
    external_id = f"kladovka-order-{order_id}-sell-offset"
    sells = await Receipt.select(Receipt.external_id, Receipt.request).where(
        (Receipt.order == order_id) & (Receipt.operation == "sell")).output(load_json=True)
    if any(row["external_id"] == external_id or any(
            item.get("payment_method") == "full_payment"
            for item in ((row["request"] or {}).get("receipt") or {}).get("items") or []) for row in sells):
        return None
    if await paid_by_invoice(order):
        return None
    if fiscal_settings().online_receipts == "site" and await paid_by(order, "prepaid_online"):
        return None
    lines = await OrderLine.select().where(OrderLine.order == order_id).order_by(OrderLine.line_no)
    body = fiscal.offset_body(order=order, lines=lines, codes=await line_codes(order_id), company=company(),
                              external_id=external_id,
                              timestamp=fiscal.atol_timestamp(_now(), get_settings().timezone),
                              callback_url=fiscal_settings().callback_url, delivery_vat=fiscal_settings().delivery_vat)
    return await _insert(order_id, None, "sell", external_id, body)


async def paid_by(order: dict, method: str) -> bool:
    """Whether any of the order's payments (OrderPayment — what came with the order at intake, by the order's
    payment method, and each payment recorded afterwards by orders/edits.record_payment: the manager's card,
    the REST API, the 1C / site exchange, the courier's door payments) was made by `method`."""
    return await OrderPayment.exists().where((OrderPayment.order == order["id"]) & (OrderPayment.method == method))


async def paid_by_invoice(order: dict) -> bool:
    """Whether any of what the order was paid came by invoice."""
    return await paid_by(order, "invoice")


async def _insert(order_id: int, payment_id: int | None, operation: str, external_id: str, body: dict,
                  replaces: int | None = None) -> dict:
    total = round(body["receipt"]["total"] * 100)
    rows = await Receipt.insert(Receipt(order=order_id, payment=payment_id, operation=operation,
                                        external_id=external_id, request=body, total=total,
                                        replaces=replaces)).returning(Receipt.id)
    receipt_id = rows[0]["id"]
    await emit(TOPIC, {"receipt_id": receipt_id})
    return {"id": receipt_id, "external_id": external_id, "operation": operation, "status": "queued", "total": total}


async def get_receipt(receipt_id: int) -> dict:
    row = await Receipt.select(*Receipt.all_columns(), Receipt.order.number.as_alias("order_number")).where(
        Receipt.id == receipt_id).first().output(load_json=True)
    if row is None:
        raise NotFound("Fiscal receipt %(id)s not found", id=receipt_id)
    return row


async def list_receipts(*, status: str = "", order_id: int | None = None, limit: int = 100) -> list[dict]:
    if status and status not in RECEIPT_STATUSES and status != "problem":
        raise ValidationFailed("Unknown receipt state %(status)s", field="status", status=status[:16])
    query = Receipt.select(Receipt.id, Receipt.order, Receipt.order.number.as_alias("order_number"),
                           Receipt.payment, Receipt.operation, Receipt.external_id, Receipt.status,
                           Receipt.provider_uuid, Receipt.attempts, Receipt.last_error, Receipt.total,
                           Receipt.fiscal_document_number, Receipt.fiscal_document_attribute, Receipt.fn_number,
                           Receipt.receipt_datetime, Receipt.created_at, Receipt.updated_at, Receipt.replaces)
    if status == "problem":
        query = query.where(Receipt.status.is_in(list(RETRYABLE)) | (Receipt.last_error != ""))
    elif status:
        query = query.where(Receipt.status == status)
    if order_id is not None:
        query = query.where(Receipt.order == order_id)
    return await query.order_by(Receipt.id, ascending=False).limit(limit)


async def receipt_counts() -> dict[str, int]:
    rows = await Receipt.raw("SELECT status, COUNT(*) AS n FROM fiscal_receipt GROUP BY status")
    return {row["status"]: row["n"] for row in rows}


async def retry_receipt(receipt_id: int, *, actor: str) -> dict:
    """The manager's "send again" (see the module's doc for which key it goes under)."""
    async with write_tx():
        row = await get_receipt(receipt_id)
        if row["status"] == "done":
            raise Conflict("Fiscal receipt %(id)s is fiscalised already", id=receipt_id)
        if await Receipt.exists().where(Receipt.replaces == receipt_id):
            raise Conflict("Fiscal receipt %(id)s was sent again already as another receipt", id=receipt_id)
        if row["status"] in RETRYABLE:
            external_id = f"{re.sub(r'-r[0-9]+$', '', row['external_id'])}-r{receipt_id}"
            body = {**row["request"], "external_id": external_id,
                    "timestamp": fiscal.atol_timestamp(_now(), get_settings().timezone)}
            await Receipt.update({Receipt.last_error: f"sent again as {external_id}", Receipt.updated_at: _now()}
                                 ).where(Receipt.id == receipt_id)
            made = await _insert(row["order"], row["payment"], row["operation"], external_id, body,
                                 replaces=receipt_id)
        else:
            await emit(TOPIC, {"receipt_id": receipt_id, "manual": True})
            made = {"id": receipt_id, "external_id": row["external_id"], "status": row["status"]}
        await record(actor, "receipt.retry", "order", row["order"],
                     {"receipt": receipt_id, "external_id": made["external_id"], "status": row["status"]})
    return made


async def refund_order_payments(order_id: int, *, actor: str) -> list[dict]:
    """An order that was paid and came back: one sell_refund per fiscalised-or-pending sell receipt (the
    same items and marking codes), the payments marked cancelled and Order.paid lowered by what they
    brought. Receipts the provider refused are not refunded (nothing was fiscalised). What was refunded at the
door before (goods handed back, door_refunds.py) is left out of the items, the payments and Order.paid. Calling it again
    refunds nothing twice (each sell gets at most one refund: its external_id is derived from it)."""
    made = []
    async with write_tx():
        sells = await Receipt.select().where((Receipt.order == order_id) & (Receipt.operation == "sell")
                                             & Receipt.status.is_in(["queued", "wait", "done"])
                                             ).order_by(Receipt.id).output(load_json=True)
        refunded = 0
        door = await _door_refunds(order_id)
        for sell in sells:
            external_id = f"kladovka-order-{order_id}-refund-{sell['id']}"
            if await Receipt.exists().where(Receipt.external_id == external_id):
                continue
            body = fiscal.refund_body(sell["request"], external_id=external_id,
                                      timestamp=fiscal.atol_timestamp(_now(), get_settings().timezone))
            if door["bodies"] and not fiscal.is_offset(sell["request"]):
                # what went back at the door is not refunded again (an offset receipt never had it)
                body = fiscal.without_refunded(body, door["bodies"])
            if body is not None:
                made.append(await _insert(order_id, sell["payment"], "sell_refund", external_id, body))
            if sell["payment"] is not None:
                cancelled = await Payment.update({Payment.status: "cancelled"}).where(
                    (Payment.id == sell["payment"]) & (Payment.status == "done")).returning(Payment.amount)
                refunded += sum(r["amount"] for r in cancelled) - door["by_payment"].get(sell["payment"], 0)
        if refunded > 0:
            await Order.update({Order.paid: Order.paid - refunded, Order.updated_at: _now()}).where(Order.id == order_id)
        if made:
            await record(actor, "order.refund", "order", order_id,
                         {"receipts": [m["id"] for m in made], "refunded": refunded})
    return made


async def _door_refunds(order_id: int) -> dict:
    """Refunds already made at the door for goods handed back (door_refunds.py): their receipt bodies and
    the amounts per payment they took back."""
    from server.domain.payments.tables import Refund

    rows = await Refund.select(Refund.payment, Refund.amount, Refund.receipt).where(Refund.order == order_id)
    by_payment: dict[int, int] = {}
    for row in rows:
        if row["payment"] is not None:
            by_payment[row["payment"]] = by_payment.get(row["payment"], 0) + row["amount"]
    ids = sorted({r["receipt"] for r in rows if r["receipt"] is not None})
    bodies = [r["request"] for r in await Receipt.select(Receipt.request).where(Receipt.id.is_in(ids)).output(
        load_json=True)] if ids else []
    return {"by_payment": by_payment, "bodies": bodies}


async def apply_report(receipt_id: int, report: dict[str, Any], *, source: str) -> str:
    """Writes what the provider reported (a poll answer or a callback) onto the receipt; returns its new
    status. A done receipt stays done (a late or replayed report changes nothing)."""
    status = report.get("status")
    async with write_tx():
        row = await Receipt.select(Receipt.status).where(Receipt.id == receipt_id).first()
        if row is None:
            raise NotFound("Fiscal receipt %(id)s not found", id=receipt_id)
        if row["status"] == "done":
            return "done"
        values: dict = {Receipt.report: report, Receipt.updated_at: _now()}
        if status == "done":
            payload = report.get("payload") or {}
            values.update({Receipt.status: "done", Receipt.last_error: "", Receipt.next_poll_at: None,
                           Receipt.fiscal_receipt_number: str(payload.get("fiscal_receipt_number") or ""),
                           Receipt.fiscal_document_number: str(payload.get("fiscal_document_number") or ""),
                           Receipt.fiscal_document_attribute: str(payload.get("fiscal_document_attribute") or ""),
                           Receipt.fn_number: str(payload.get("fn_number") or ""),
                           Receipt.shift_number: str(payload.get("shift_number") or ""),
                           Receipt.receipt_datetime: str(payload.get("receipt_datetime") or "")})
        elif status == "fail":
            error = report.get("error") or {}
            values.update({Receipt.status: "fail", Receipt.next_poll_at: None,
                           Receipt.last_error: f"{source}: {error.get('code', '')} {error.get('text', '')}".strip()})
        else:
            status = "wait"
            values[Receipt.status] = "wait"
        await Receipt.update(values).where(Receipt.id == receipt_id)
    return status
