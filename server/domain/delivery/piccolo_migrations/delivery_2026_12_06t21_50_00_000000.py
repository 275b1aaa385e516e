from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T21:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite indexes"

STATEMENTS = [
    "CREATE UNIQUE INDEX plan_day_uniq ON plan_day (day, warehouse)",
    "CREATE INDEX delivery_route_day_wh ON delivery_route (day, warehouse)",
    "CREATE INDEX courier_position_courier_at ON courier_position (courier, at)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="delivery", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine._run_in_new_connection(statement)

    manager.add_raw(run)
    return manager
