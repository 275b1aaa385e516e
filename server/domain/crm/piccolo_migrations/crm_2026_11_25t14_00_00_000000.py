from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one card per e-mail, phone and INN among the cards that are not merged"

STATEMENTS = [
    "CREATE UNIQUE INDEX customer_email_uniq ON customer (email) WHERE email <> '' AND merged_at IS NULL",
    "CREATE UNIQUE INDEX customer_phone_uniq ON customer (phone) WHERE phone <> '' AND merged_at IS NULL",
    "CREATE UNIQUE INDEX customer_inn_uniq ON customer (inn) WHERE inn <> '' AND merged_at IS NULL",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="crm", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine._run_in_new_connection(statement)

    manager.add_raw(run)
    return manager
