"""SBP at the door: a payment link from the acquirer (acquirer.py) shown as a QR code on the courier's
phone; the payment stays pending until the acquirer says it is paid, then it is confirmed like any other
(Order.paid, the receipt) in one transaction. Starting again for the same order cancels the earlier
pending links that were not paid (one QR at a time); asking again about a confirmed payment changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from server.db import is_unique_violation, write_tx
from server.domain.catalog.barcode_svg import qr_svg
from server.domain.orders.status import lock_order
from server.domain.payments.acquirer import acquirer
from server.domain.payments.payments import (
    _result,
    check_amount,
    check_due,
    check_uuid,
    confirm,
    settle_pending_sbp,
)
from server.domain.payments.tables import Payment
from server.errors import Conflict, NotFound


def _answer(row: dict, result: dict) -> dict:
    return {**result, "url": row["sbp_url"], "qr_svg": qr_svg(row["sbp_url"], label="SBP"),
            "test_double": bool(getattr(acquirer(), "is_test_double", False))}


async def start_sbp_payment(order_id: int, amount: int, *, actor: str, client_uuid: str, courier: str | None = None,
                            route_id: int | None = None) -> dict:
    """A pending SBP payment of `amount` kopecks with its link and QR code. Returns what take_payment
    returns plus {"url", "qr_svg", "test_double"}. Idempotent by client_uuid."""
    client_uuid = check_uuid(client_uuid)
    amount = check_amount(amount)
    existing = await Payment.select().where(Payment.client_uuid == client_uuid).first()
    if existing is not None:
        if existing["order"] != order_id:
            raise Conflict("This payment identifier was used for another order", field="client_uuid")
        return _answer(existing, await _result(existing, replayed=True))
    order = await lock_order(order_id)  # read only here (no transaction): the number and the due
    check_due(order, amount)
    await settle_pending_sbp(order_id, actor=actor)
    link = await acquirer().create(amount=amount, order_number=order["number"], idempotency_key=client_uuid)
    try:
        async with write_tx():
            order = await lock_order(order_id)
            check_due(order, amount)
            rows = await Payment.insert(Payment(
                order=order_id, method="sbp", amount=amount, status="pending", acquirer_ref=link.ref,
                sbp_url=link.url, courier=courier, route_id=route_id, client_uuid=client_uuid, actor=actor,
                created_at=datetime.now(UTC))).returning(*Payment.all_columns())
    except Exception as exc:
        if is_unique_violation(exc):
            return await start_sbp_payment(order_id, amount, actor=actor, client_uuid=client_uuid, courier=courier,
                                           route_id=route_id)
        raise
    return _answer(rows[0], await _result(rows[0]))


async def check_sbp_payment(payment_id: int, *, actor: str, cancel_unpaid: bool = False) -> dict:
    """Asks the acquirer about a pending SBP payment; when paid, confirms it (Order.paid, receipt).
    `cancel_unpaid` cancels it when it is not paid (a new QR replaces it)."""
    row = await Payment.select().where(Payment.id == payment_id).first()
    if row is None or row["method"] != "sbp":
        raise NotFound("SBP payment %(id)s not found", id=payment_id)
    if row["status"] != "pending":
        return _answer(row, await _result(row))
    state = await acquirer().status(row["acquirer_ref"])
    async with write_tx():
        order = await lock_order(row["order"])
        current = await Payment.select().where(Payment.id == payment_id).first()
        if current["status"] == "pending" and state == "paid":
            # the money has arrived: it is recorded even if the order was paid otherwise meanwhile
            now = datetime.now(UTC)
            await Payment.update({Payment.status: "done", Payment.done_at: now}).where(Payment.id == payment_id)
            current = {**current, "status": "done", "done_at": now}
            await confirm(order, current, actor=actor)
        elif current["status"] == "pending" and (state == "expired" or cancel_unpaid):
            await Payment.update({Payment.status: "cancelled"}).where(Payment.id == payment_id)
            current = {**current, "status": "cancelled"}
            cancel = getattr(acquirer(), "cancel", None)  # a bank that can void a dynamic QR is told so
            if cancel is not None:
                await cancel(current["acquirer_ref"])
    return _answer(current, await _result(current))
