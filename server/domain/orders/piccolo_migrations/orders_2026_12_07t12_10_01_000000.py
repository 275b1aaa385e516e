"""Backfill of sales_order.window_moved_at from what the audit log held before it: the latest
"order.window" entry (zones/window.change_order_window: changes window_start / window_end {old, new})
that changed the window — saving the same window again was no move."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-07T12:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "sales_order.window_moved_at from the order.window audit entries"


def json_text(column: str, *path: str, sqlite: bool) -> str:
    """SQL for the JSON value at `path` in `column` (NULL where there is none)."""
    if sqlite:
        return f"json_extract({column}, '$.{'.'.join(path)}')"
    return f"({column}::json #>> '{{{','.join(path)}}}')"


def statement(sqlite: bool) -> str:
    changed = " OR ".join(
        f"COALESCE({json_text('a.changes', f, 'old', sqlite=sqlite)}, '') "
        f"<> COALESCE({json_text('a.changes', f, 'new', sqlite=sqlite)}, '')" for f in ("window_start", "window_end"))
    moves = f"FROM audit_entry a WHERE a.entity = 'order' AND a.action = 'order.window' AND ({changed})"
    return (f'UPDATE sales_order SET window_moved_at = (SELECT MAX(a."at") {moves} '
            "AND a.entity_id = CAST(sales_order.id AS TEXT)) "
            f"WHERE CAST(sales_order.id AS TEXT) IN (SELECT a.entity_id {moves})")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orders", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        await engine.run_ddl(statement(isinstance(engine, SQLiteEngine)))  # in the migration's transaction

    manager.add_raw(run)
    return manager
