"""Goods handed back at the door after they were paid (delivery's "partial" stop action): the overpaid
part comes back to the customer.

`refund_returned_lines` runs inside the partial return's transaction (server/domain/delivery/stop_actions.py
calls it once the return document is posted and the order's lines and total have shrunk):
- the marking codes of the returned units leave the order (released as "door_return:<document>": a later
  sell receipt does not carry them; the refund receipt does). The courier says how many units of a line
  came back, not which ones: the codes captured last for that line are taken.
- when the order is now paid beyond its total, that overpayment (at most the returned goods' value) is
  refunded: a `sell_refund` receipt of the returned units queued through the outbox like a sell, Refund
  rows by the method of what was paid — cash first (the courier gives it back at the door: "done", and the
  cash owed at the handover shrinks), then card and SBP payments, then what was paid outside the door
  (online prepayment, invoice): those wait "to_return" for the bank until the manager records the refund
  done (`mark_refund_done`) — listed on /manager/receipts and on the order card until then.
- money paid by invoice (a cashless settlement between organisations: the OrderPayment rows by "invoice"
  less what was refunded by invoice before) had no sell receipt of ours (receipts.queue_sell runs for the
  courier's cash / card / SBP payments only, queue_offset_sell makes none for an invoice prepayment), so
  giving it back gets no `sell_refund` either. What was paid outside the door is split into that invoice
  part, refunded last, and the rest (by the order's payment method; "other" when that method is invoice).
  A refund wholly of invoice money queues no receipt (its Refund row has none); a mixed one (cash, card,
  SBP or online part plus an invoice part) gets a receipt of the non-invoice part only: that part is less
  than the returned goods' value and the receipt cannot say which units the invoice paid for, so it is
  the refund of an advance — one «Частичная оплата» item of that sum, as for a partly paid order — with
  the payments of that part. The Refund rows are written for all of it (the invoice part "to_return").
- Order.paid drops by the refund, so paid == total and the order can be delivered.
Idempotent by the return document: a second call for the same document refunds nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from server.config import fiscal_settings, get_settings
from server.db import write_tx
from server.domain.audit.log import record
from server.domain.marking.tables import UnitCode
from server.domain.orders.tables import Order, OrderLine, OrderPayment
from server.domain.payments import fiscal
from server.domain.payments.receipts import _insert, company
from server.domain.payments.tables import Payment, Receipt, Refund
from server.errors import Conflict, NotFound, ValidationFailed

OUTSIDE_METHOD = {"prepaid_online": "online", "invoice": "invoice", "sbp": "sbp", "card_on_delivery": "card"}
NOTE_LIMIT = 500


def _now() -> datetime:
    return datetime.now(UTC)


async def _release_codes(order_id: int, returned: dict[int, int], document_id: int) -> dict[int, list[str]]:
    """The returned units' marking codes, per line, taken off the order (the last captured of each line)."""
    reason = f"door_return:{document_id}"
    out: dict[int, list[str]] = {}
    done = await UnitCode.select(UnitCode.order_line, UnitCode.full_code).where(
        (UnitCode.order == order_id) & (UnitCode.release_reason == reason)).order_by(UnitCode.id)
    if done:  # released by an earlier call for the same return
        for row in done:
            out.setdefault(row["order_line"], []).append(row["full_code"])
        return out
    now = _now()
    for line_id, qty in sorted(returned.items()):
        rows = await UnitCode.select(UnitCode.id, UnitCode.full_code).where(
            (UnitCode.order_line == line_id) & (UnitCode.kind == "marking") & UnitCode.released_at.is_null()
        ).order_by(UnitCode.id, ascending=False).limit(qty)
        if not rows:
            continue
        await UnitCode.update({UnitCode.released_at: now, UnitCode.release_reason: reason}).where(
            UnitCode.id.is_in([r["id"] for r in rows]))
        out[line_id] = [r["full_code"] for r in reversed(rows) if r["full_code"]]
    return out


async def _sources(order: dict) -> list[dict]:
    """What the order's paid amount is made of, in the order a refund takes it back: cash payments (newest
    first), card and SBP payments (newest first), then the part paid outside the door (no Payment row): the
    non-invoice part of it, then the invoice part."""
    payments = await Payment.select(Payment.id, Payment.method, Payment.amount, Payment.courier).where(
        (Payment.order == order["id"]) & (Payment.status == "done")).order_by(Payment.id, ascending=False)
    back = await Refund.select(Refund.payment, Refund.amount, Refund.method).where(Refund.order == order["id"])
    taken: dict[int | None, int] = {}
    for row in back:
        taken[row["payment"]] = taken.get(row["payment"], 0) + row["amount"]
    sources = []
    for p in sorted(payments, key=lambda p: p["method"] != "cash"):  # stable: newest first within each
        left = p["amount"] - taken.get(p["id"], 0)
        if left > 0:
            sources.append({"payment": p["id"], "method": p["method"], "left": left})
    outside = order["paid"] - sum(s["left"] for s in sources)
    if outside > 0:
        invoice = min(outside, max(await _invoice_paid(order["id"]) - sum(
            row["amount"] for row in back if row["method"] == "invoice"), 0))
        other = "other" if order["payment_method"] == "invoice" else OUTSIDE_METHOD.get(order["payment_method"],
                                                                                      "other")
        sources += [{"payment": None, "method": method, "left": left}
                    for method, left in ((other, outside - invoice), ("invoice", invoice)) if left > 0]
    return sources


async def _invoice_paid(order_id: int) -> int:
    rows = await OrderPayment.select(OrderPayment.amount).where(
        (OrderPayment.order == order_id) & (OrderPayment.method == "invoice"))
    return sum(int(row["amount"]) for row in rows)


async def _settled(order_id: int) -> bool:
    """Whether a final sell receipt of ours (full_payment items, not an advance) settled the order."""
    sells = await Receipt.select(Receipt.request).where(
        (Receipt.order == order_id) & (Receipt.operation == "sell")
        & Receipt.status.is_in(["queued", "wait", "done"])).output(load_json=True)
    return any(item.get("payment_method") == "full_payment"
               for sell in sells for item in ((sell["request"] or {}).get("receipt") or {}).get("items") or [])


async def refund_returned_lines(order_id: int, returned: dict[int, int], lines_before: dict[int, dict], *,
                                document_id: int, actor: str) -> dict | None:
    """See the module's doc. `returned`: {order line id: units back}; `lines_before`: the lines as they
    were before the return; `actor`: the courier (cash goes back from their pocket). Returns
    {"receipt_id" (None: no receipt, all invoice money), "amount", "refunds": [...]} or None when nothing is
    to be given back."""
    async with write_tx():
        codes = await _release_codes(order_id, returned, document_id)
        if await Refund.exists().where(Refund.return_document == document_id):
            return None
        order = await Order.select().where(Order.id == order_id).first()
        if order is None:
            raise NotFound("Order %(id)s not found", id=order_id)
        overpaid = order["paid"] - order["total"]
        if overpaid <= 0:
            return None
        now_lines = {x["id"]: x for x in await OrderLine.select().where(OrderLine.order == order_id)}
        parts = []
        for line_id, qty in sorted(returned.items()):
            old = lines_before[line_id]
            discount = int(old["discount"]) - int((now_lines.get(line_id) or {"discount": 0})["discount"])
            parts.append({**old, "qty": qty, "discount": max(discount, 0)})
        value = sum(int(x["price"]) * int(x["qty"]) - int(x["discount"]) for x in parts)
        amount = min(overpaid, value)
        if amount <= 0:
            return None
        plan, left = [], amount
        for source in await _sources(order):
            if left <= 0:
                break
            part = min(left, source["left"])
            plan.append({**source, "amount": part})
            left -= part
        receipted = [p for p in plan if p["method"] != "invoice"]  # no receipt for invoice money (see above)
        receipt_id = None
        if receipted:
            external_id = f"kladovka-order-{order_id}-refund-ret-{document_id}"
            body = fiscal.door_refund_body(
                order=order, returned=parts, codes=codes, amount=sum(p["amount"] for p in receipted),
                settled=await _settled(order_id), refunds=[(p["method"], p["amount"]) for p in receipted],
                company=company(), external_id=external_id,
                timestamp=fiscal.atol_timestamp(_now(), get_settings().timezone),
                callback_url=fiscal_settings().callback_url, advance_lines=list(lines_before.values()))
            payment_ids = {p["payment"] for p in receipted}
            receipt_id = (await _insert(order_id, next(iter(payment_ids)) if len(payment_ids) == 1 else None,
                                        "sell_refund", external_id, body))["id"]
        now = _now()
        made = []
        for n, p in enumerate(plan):
            cash = p["method"] == "cash"
            rows = await Refund.insert(Refund(
                refund_key=f"{document_id}:{n}", order=order_id, payment=p["payment"],
                receipt=None if p["method"] == "invoice" else receipt_id,
                return_document=document_id, method=p["method"], amount=p["amount"],
                status="done" if cash else "to_return", courier=actor if cash else None, actor=actor,
                created_at=now, done_at=now if cash else None, done_by=actor if cash else "")).returning(
                Refund.id, Refund.method, Refund.amount, Refund.status)
            made.append(rows[0])
        await Order.update({Order.paid: Order.paid - amount, Order.updated_at: now}).where(Order.id == order_id)
        await record(actor, "order.refund_at_door", "order", order_id,
                     {"document": document_id, "receipt": receipt_id, "amount": amount,
                      "paid": {"old": order["paid"], "new": order["paid"] - amount},
                      "refunds": [{"method": m["method"], "amount": m["amount"], "status": m["status"]} for m in made]})
    return {"receipt_id": receipt_id, "amount": amount, "refunds": made}


async def mark_refund_done(refund_id: int, *, actor: str, note: str = "") -> dict:
    """The manager: the bank (acquirer) has paid this refund back to the customer."""
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise ValidationFailed("The note must be at most 500 characters long", field="note")
    async with write_tx():
        row = await Refund.select().where(Refund.id == refund_id).first()
        if row is None:
            raise NotFound("Refund %(id)s not found", id=refund_id)
        if row["status"] == "done":
            raise Conflict("Refund %(id)s is recorded as done already", id=refund_id)
        now = _now()
        changed = await Refund.update({Refund.status: "done", Refund.done_at: now, Refund.done_by: actor,
                                       Refund.note: note}).where(
            (Refund.id == refund_id) & (Refund.status == "to_return")).returning(Refund.id)
        if not changed:
            raise Conflict("Refund %(id)s is recorded as done already", id=refund_id)
        await record(actor, "order.refund_done", "order", row["order"],
                     {"refund": refund_id, "method": row["method"], "amount": row["amount"], "note": note})
    return {**row, "status": "done", "done_at": now, "done_by": actor, "note": note}


def _refund_query():
    return Refund.select(*Refund.all_columns(), Refund.order.number.as_alias("order_number"),
                         Refund.receipt.status.as_alias("receipt_status"))


async def refunds_to_make(limit: int = 200) -> list[dict]:
    """Refunds the bank still has to pay back (oldest first)."""
    return await _refund_query().where(Refund.status == "to_return").order_by(Refund.id).limit(limit)


async def door_refund_totals(order_id: int) -> dict[str, int]:
    """What goes back to the customer for the goods handed back at the door of this order (the refunds of
    its stop's returns): {method: kopecks} — "cash" (the courier gave it back at the door), "card", "sbp",
    "online", "invoice", "other" (waiting for the bank until the manager records them) — only the methods
    with something; {} when nothing is refunded."""
    rows = await Refund.select(Refund.method, Refund.amount).where(
        (Refund.order == order_id) & Refund.return_document.is_not_null()).order_by(Refund.id)
    out: dict[str, int] = {}
    for row in rows:
        out[row["method"]] = out.get(row["method"], 0) + int(row["amount"])
    return {method: amount for method, amount in out.items() if amount > 0}


async def order_refunds(order_id: int) -> list[dict]:
    return await _refund_query().where(Refund.order == order_id).order_by(Refund.id)
