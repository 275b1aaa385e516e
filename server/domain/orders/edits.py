"""Small changes to an order besides its status: a payment received, the manager in charge."""

from __future__ import annotations

from datetime import UTC, datetime

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.orders._prepare import MAX_KOPECKS
from server.domain.orders.status import lock_order
from server.domain.orders.tables import PAYMENT_METHODS, Order, OrderPayment
from server.errors import ValidationFailed

USERNAME_LIMIT = 64


async def record_payment(order_id: int, amount: int, method: str, actor: str = "system", *,
                         at: datetime | None = None) -> int:
    """Adds a payment of `amount` kopecks (> 0) made by `method` to what the order has been paid;
    returns the new paid amount. The payment is an OrderPayment row (what paid_by_invoice and the like
    read) made `at` (UTC; default now — the demo's history passes its past times); the audit entry only
    records it. The order's payment method stays as chosen at checkout."""
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount < MAX_KOPECKS:
        raise ValidationFailed("The payment must be a whole number of kopecks greater than zero", field="amount")
    if method not in PAYMENT_METHODS:
        raise ValidationFailed("Unknown payment method %(method)s: use %(methods)s", field="method",
                               method=str(method)[:32], methods=", ".join(PAYMENT_METHODS))
    async with write_tx():
        order = await lock_order(order_id)
        paid, now = order["paid"] + amount, datetime.now(UTC)
        await Order.update({Order.paid: paid, Order.updated_at: now}).where(Order.id == order_id)
        await OrderPayment.insert(OrderPayment(order=order_id, amount=amount, method=method, actor=actor or "system",
                                               at=min(at, now) if at is not None else now))
        await record(actor, "order.payment", "order", order_id,
                     {"number": order["number"], "amount": amount, "method": method,
                      "paid": {"old": order["paid"], "new": paid}})
    return paid


async def assign_manager(order_id: int, username: str | None, *, actor: str = "system") -> None:
    """The manager in charge of the order (a username), or None for nobody."""
    username = (username or "").strip() or None
    if username is not None and len(username) > USERNAME_LIMIT:
        raise ValidationFailed("The manager's name must be at most 64 characters long", field="manager")
    async with write_tx():
        order = await lock_order(order_id)
        await Order.update({Order.manager: username, Order.updated_at: datetime.now(UTC)}).where(
            Order.id == order_id)
        await record(actor, "order.manager", "order", order_id,
                     {"number": order["number"], "manager": {"old": order["manager"], "new": username}})
