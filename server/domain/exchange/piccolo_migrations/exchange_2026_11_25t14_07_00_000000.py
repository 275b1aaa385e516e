from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T14:07:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "exchange: one import job per (session, file), one order state per (channel, order)"

STATEMENTS = [
    "CREATE UNIQUE INDEX exchange_job_uniq ON exchange_job (session, filename)",
    "CREATE UNIQUE INDEX exchange_order_state_uniq ON exchange_order_state (channel, order_id)",
    "CREATE INDEX exchange_file_name ON exchange_file (session, name, part)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="exchange", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine._run_in_new_connection(statement)

    manager.add_raw(run)
    return manager
