from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T13:47:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "external id mapping: one row per (source, kind, external id); reverse lookups"

STATEMENTS = [
    "CREATE UNIQUE INDEX external_ref_uniq ON external_ref (source, kind, external_id)",
    "CREATE INDEX external_ref_internal ON external_ref (kind, internal_id)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="exchange", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine._run_in_new_connection(statement)

    manager.add_raw(run)
    return manager
