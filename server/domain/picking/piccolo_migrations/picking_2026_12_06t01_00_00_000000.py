from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "an order is in at most one open pick list; one open shortage per pick line"

STATEMENTS = [
    'CREATE UNIQUE INDEX pick_list_order_open_uniq ON pick_list_order ("order") WHERE open = 1',
    "CREATE UNIQUE INDEX pick_shortage_open_uniq ON pick_shortage (line) WHERE resolution = ''",
    "CREATE INDEX pick_scan_actor_at ON pick_scan (actor, received_at)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="picking", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine._run_in_new_connection(statement)

    manager.add_raw(run)
    return manager
