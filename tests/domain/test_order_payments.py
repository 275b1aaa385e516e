"""The order's payments are rows (orders.tables.OrderPayment), not audit entries: intake writes what came
with the order, record_payment each payment afterwards; paid_by_invoice reads the rows, so it answers the
same with the audit log emptied; the migration that made the table fills it from the audit entries of
databases that had none."""

from __future__ import annotations

import importlib

from payment_helpers import order_to_pay

from server.domain.audit.tables import AuditEntry
from server.domain.orders.edits import record_payment
from server.domain.orders.tables import Order, OrderPayment
from server.domain.payments.receipts import paid_by_invoice

PRICE, DELIVERY = 89000, 30000
TOTAL = 2 * PRICE + DELIVERY
BACKFILL = "server.domain.orders.piccolo_migrations.orders_2026_12_07t12_00_01_000000"


async def _orders() -> dict[str, int]:
    """Orders paid in each way the rule tells apart."""
    made = {}
    made["intake_invoice"] = (await order_to_pay(paid=TOTAL, method="invoice", price=PRICE))["id"]
    made["later_invoice"] = (await order_to_pay(paid=0, method="prepaid_online", price=PRICE))["id"]
    await record_payment(made["later_invoice"], TOTAL, "invoice", actor="manager")
    made["mixed"] = (await order_to_pay(paid=PRICE, method="prepaid_online", price=PRICE))["id"]
    await record_payment(made["mixed"], TOTAL - PRICE, "invoice", actor="manager")
    made["invoice_paid_online"] = (await order_to_pay(paid=0, method="invoice", price=PRICE))["id"]
    await record_payment(made["invoice_paid_online"], TOTAL, "prepaid_online", actor="manager")
    made["unpaid"] = (await order_to_pay(paid=0, method="cash_on_delivery", price=PRICE))["id"]
    return made


async def _answers(made: dict[str, int]) -> dict[str, bool]:
    return {name: await paid_by_invoice(await Order.select().where(Order.id == order_id).first())
            for name, order_id in made.items()}


async def _payments() -> list[tuple]:
    rows = await OrderPayment.select().order_by(OrderPayment.id)
    assert all(r["at"] is not None for r in rows)
    return [(r["order"], r["amount"], r["method"], r["actor"]) for r in rows]


EXPECTED = {"intake_invoice": True, "later_invoice": True, "mixed": True, "invoice_paid_online": False,
            "unpaid": False}


async def test_intake_and_record_payment_write_the_rows_and_the_rule_reads_them_not_the_audit_log():
    made = await _orders()
    assert await _payments() == [
        (made["intake_invoice"], TOTAL, "invoice", "test"),
        (made["later_invoice"], TOTAL, "invoice", "manager"),
        (made["mixed"], PRICE, "prepaid_online", "test"), (made["mixed"], TOTAL - PRICE, "invoice", "manager"),
        (made["invoice_paid_online"], TOTAL, "prepaid_online", "manager")]
    assert await _answers(made) == EXPECTED
    assert await AuditEntry.count().where(AuditEntry.action == "order.payment") == 3  # still recorded
    await AuditEntry.delete(force=True)
    assert await _answers(made) == EXPECTED


async def test_the_migration_fills_the_rows_from_the_audit_entries_of_a_database_without_them():
    made = await _orders()
    before = await _payments()
    await OrderPayment.delete(force=True)
    assert await _answers(made) == {name: False for name in made}  # nothing to read: the rule needs the rows
    await (await importlib.import_module(BACKFILL).forwards()).run()
    assert sorted(await _payments()) == sorted(before)
    assert await _answers(made) == EXPECTED
