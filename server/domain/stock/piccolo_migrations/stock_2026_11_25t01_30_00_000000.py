from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T01:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite unique indexes"

STATEMENTS = [
    "CREATE UNIQUE INDEX stock_balance_uniq ON stock_balance (variant, warehouse)",
    "CREATE UNIQUE INDEX bin_balance_uniq ON bin_balance (variant, bin)",
    "CREATE UNIQUE INDEX bin_address_uniq ON bin (warehouse, address)",
    "CREATE INDEX stock_move_variant_wh ON stock_move (variant, warehouse)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stock", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine._run_in_new_connection(statement)

    manager.add_raw(run)
    return manager
