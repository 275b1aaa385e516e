from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "a unit's marking code or serial is in use at most once (until released)"

STATEMENTS = [
    "CREATE UNIQUE INDEX unit_code_in_use_uniq ON unit_code (code_key) WHERE released_at IS NULL",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marking", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine._run_in_new_connection(statement)

    manager.add_raw(run)
    return manager
