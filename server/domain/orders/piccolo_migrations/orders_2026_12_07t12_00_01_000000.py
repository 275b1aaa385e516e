"""Backfill of order_payment from what the audit log held before it: each "order.payment" entry
(orders/edits.record_payment: changes amount, method, paid {old, new}) becomes a row, and the order's
payment at intake one more row before them — the paid amount before its first recorded payment (the
entry's paid.old), or Order.paid when none was recorded, by the order's payment method, at its intake."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-07T12:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "order_payment rows from the order.payment audit entries and the payments taken at intake"

PAYMENT_ENTRY = "a.entity = 'order' AND a.action = 'order.payment'"


def json_text(column: str, *path: str, sqlite: bool) -> str:
    """SQL for the JSON value at `path` in `column` (NULL where there is none)."""
    if sqlite:
        return f"json_extract({column}, '$.{'.'.join(path)}')"
    return f"({column}::json #>> '{{{','.join(path)}}}')"


def statements(sqlite: bool) -> list[str]:
    amount, method = (json_text("a.changes", f, sqlite=sqlite) for f in ("amount", "method"))
    paid_before = json_text("a.changes", "paid", "old", sqlite=sqlite)
    at_intake = (f"COALESCE((SELECT COALESCE(CAST({paid_before} AS BIGINT), 0) FROM audit_entry a WHERE {PAYMENT_ENTRY} "
                 "AND a.entity_id = CAST(o.id AS TEXT) ORDER BY a.id LIMIT 1), o.paid)")
    intake_actor = ("COALESCE((SELECT MIN(c.actor) FROM order_status_change c WHERE c.\"order\" = o.id "
                    "AND c.from_status IS NULL), '')")
    return [
        'INSERT INTO order_payment ("order", amount, method, actor, "at") '
        f"SELECT s.id, s.amount, s.method, s.actor, s.created_at FROM (SELECT o.id AS id, {at_intake} AS amount, "
        f"o.payment_method AS method, {intake_actor} AS actor, o.created_at AS created_at FROM sales_order o) s "
        "WHERE s.amount > 0 ORDER BY s.id",
        'INSERT INTO order_payment ("order", amount, method, actor, "at") '
        f'SELECT o.id, CAST({amount} AS BIGINT), {method}, a.actor, a."at" FROM audit_entry a '
        f"JOIN sales_order o ON CAST(o.id AS TEXT) = a.entity_id WHERE {PAYMENT_ENTRY} "
        f"AND {amount} IS NOT NULL AND {method} IS NOT NULL ORDER BY a.id",
    ]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orders", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in statements(isinstance(engine, SQLiteEngine)):
            await engine.run_ddl(statement)  # in the migration's transaction

    manager.add_raw(run)
    return manager
