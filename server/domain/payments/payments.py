"""Taking money for an order at the door: cash (with change), card through the courier's terminal (slip
number), SBP by a QR code (sbp.py). Every payment is one transaction: the Payment row, Order.paid raised,
the 54-FZ receipt queued for the outbox. A device's client UUID makes a replay return the first result.

Concurrency: the order row is locked (PostgreSQL FOR UPDATE; SQLite has one writer) before what is due
is read, so of two payments for the same due only the first fits; the second is told nothing is due.
"""

from __future__ import annotations

from datetime import UTC, datetime

from server.db import is_unique_violation, write_tx
from server.domain.orders._prepare import MAX_KOPECKS
from server.domain.orders.edits import record_payment
from server.domain.orders.status import lock_order
from server.domain.orders.tables import Order
from server.domain.payments.receipts import queue_sell
from server.domain.payments.tables import Payment, Receipt
from server.errors import Conflict, NotFound, ValidationFailed

ORDER_METHOD = {"cash": "cash_on_delivery", "card": "card_on_delivery", "sbp": "sbp"}
UUID_LIMIT = 64
SLIP_LIMIT = 64


def _roubles(kopecks: int) -> str:
    sign = "−" if kopecks < 0 else ""
    return f"{sign}{abs(kopecks) // 100}.{abs(kopecks) % 100:02d}"


async def amount_due(order_id: int) -> int:
    """What is still to be paid for the order (total − paid), kopecks, never below zero."""
    row = await Order.select(Order.total, Order.paid).where(Order.id == order_id).first()
    if row is None:
        raise NotFound("Order %(id)s not found", id=order_id)
    return max(row["total"] - row["paid"], 0)


def check_amount(amount: object, field: str = "amount") -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount < MAX_KOPECKS:
        raise ValidationFailed("The payment must be a whole number of kopecks greater than zero", field=field)
    return amount


def check_uuid(client_uuid: object) -> str:
    text = str(client_uuid or "").strip()
    if not text or len(text) > UUID_LIMIT:
        raise ValidationFailed("Every payment needs the device's identifier (client UUID) of at most 64 characters",
                               field="client_uuid")
    return text


async def _replayed(client_uuid: str, order_id: int) -> dict | None:
    row = await Payment.select().where(Payment.client_uuid == client_uuid).first()
    if row is None:
        return None
    if row["order"] != order_id:
        raise Conflict("This payment identifier was used for another order", field="client_uuid")
    return await _result(row, replayed=True)


async def _result(row: dict, *, replayed: bool = False) -> dict:
    receipt = await Receipt.select(Receipt.id, Receipt.status).where(
        (Receipt.payment == row["id"]) & (Receipt.operation == "sell")).order_by(Receipt.id).first()
    return {"payment_id": row["id"], "order_id": row["order"], "method": row["method"], "amount": row["amount"],
            "tendered": row["tendered"], "change": row["change"], "slip_ref": row["slip_ref"],
            "status": row["status"], "receipt_id": receipt["id"] if receipt else None,
            "receipt_status": receipt["status"] if receipt else None, "due": await amount_due(row["order"]),
            "replayed": replayed}


def check_due(order: dict, amount: int) -> int:
    due = max(order["total"] - order["paid"], 0)
    if order["status"] in ("cancelled", "returned"):
        raise Conflict("Order %(number)s is cancelled or returned: it takes no payments", number=order["number"])
    if due <= 0:
        raise Conflict("Order %(number)s has nothing to pay: it is paid in full", number=order["number"])
    if amount > due:
        raise ValidationFailed("The payment of %(amount)s roubles is larger than due: %(due)s roubles",
                               field="amount", amount=_roubles(amount), due=_roubles(due))
    return due


async def confirm(order: dict, payment: dict, *, actor: str) -> None:
    """Inside the transaction, the order locked: raises Order.paid and queues the receipt."""
    paid_before = order["paid"]
    await record_payment(order["id"], payment["amount"], ORDER_METHOD[payment["method"]], actor=actor)
    await queue_sell(order, payment, paid_before)


async def take_payment(order_id: int, method: str, amount: int, *, actor: str, client_uuid: str,
                       tendered: int | None = None, slip_ref: str = "", courier: str | None = None,
                       route_id: int | None = None) -> dict:
    """A cash or card payment of `amount` kopecks (see the module's doc). Cash: `tendered` (default: the
    amount) must cover it and the change is returned; card: the terminal's slip number is required.
    Returns {payment_id, order_id, method, amount, tendered, change, slip_ref, status, receipt_id,
    receipt_status, due (left after it), replayed}."""
    client_uuid = check_uuid(client_uuid)
    if method == "sbp":
        raise ValidationFailed("An SBP payment is taken by its QR code, not entered by hand", field="method")
    if method not in ("cash", "card"):
        raise ValidationFailed("Unknown payment method %(method)s: use cash, card or sbp", field="method",
                               method=str(method)[:16])
    amount = check_amount(amount)
    change = 0
    if method == "cash":
        tendered = amount if tendered is None else tendered
        if isinstance(tendered, bool) or not isinstance(tendered, int) or tendered < amount:
            raise ValidationFailed("The cash tendered (%(tendered)s roubles) is less than the amount, %(amount)s "
                                   "roubles", field="tendered", tendered=_roubles(int(tendered or 0)),
                                   amount=_roubles(amount))
        change = tendered - amount
    else:
        tendered = None
        slip_ref = (slip_ref or "").strip()
        if not slip_ref:
            raise ValidationFailed("A card payment needs the slip number from the terminal", field="slip_ref")
        if len(slip_ref) > SLIP_LIMIT:
            raise ValidationFailed("The slip number must be at most 64 characters long", field="slip_ref")
    if (found := await _replayed(client_uuid, order_id)) is not None:
        return found
    await settle_pending_sbp(order_id, actor=actor)
    try:
        async with write_tx():
            order = await lock_order(order_id)
            if (found := await _replayed(client_uuid, order_id)) is not None:
                return found
            check_due(order, amount)
            now = datetime.now(UTC)
            rows = await Payment.insert(Payment(
                order=order_id, method=method, amount=amount, tendered=tendered, change=change,
                slip_ref=slip_ref, status="done", courier=courier, route_id=route_id, client_uuid=client_uuid,
                actor=actor, created_at=now, done_at=now)).returning(*Payment.all_columns())
            await confirm(order, rows[0], actor=actor)
    except Exception as exc:
        if is_unique_violation(exc) and (found := await _replayed(client_uuid, order_id)) is not None:
            return found  # the same device's payment, committed by a concurrent request
        raise
    return await _result(rows[0])


async def settle_pending_sbp(order_id: int, *, actor: str) -> None:
    """Before another payment: an SBP QR of the order that was paid meanwhile is confirmed (then less, or
    nothing, is due), one that was not is cancelled — the customer cannot pay twice."""
    from server.domain.payments.sbp import check_sbp_payment  # sbp.py builds on this module

    for pending in await Payment.select(Payment.id).where(
            (Payment.order == order_id) & (Payment.method == "sbp") & (Payment.status == "pending")):
        await check_sbp_payment(pending["id"], actor=actor, cancel_unpaid=True)


async def order_payments(order_id: int) -> list[dict]:
    """The order's payments, oldest first, each with its receipts' states."""
    rows = await Payment.select().where(Payment.order == order_id).order_by(Payment.id)
    receipts = await Receipt.select(Receipt.id, Receipt.payment, Receipt.operation, Receipt.status,
                                    Receipt.external_id, Receipt.last_error).where(
        Receipt.order == order_id).order_by(Receipt.id)
    for row in rows:
        row["receipts"] = [r for r in receipts if r["payment"] == row["id"]]
    return rows
