from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one order per channel and external id; line numbers unique per order"

STATEMENTS = [
    "CREATE UNIQUE INDEX sales_order_external_uniq ON sales_order (channel, external_id) WHERE external_id <> ''",
    'CREATE UNIQUE INDEX order_line_no_uniq ON order_line ("order", line_no)',
    'CREATE INDEX order_status_change_order_at ON order_status_change ("order", at)',
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orders", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine._run_in_new_connection(statement)

    manager.add_raw(run)
    return manager
