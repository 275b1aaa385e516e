from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T01:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite unique indexes"

STATEMENTS = [
    "CREATE UNIQUE INDEX price_variant_type_uniq ON price (variant, price_type)",
    "CREATE UNIQUE INDEX product_property_uniq ON product_property (product, prop)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="catalog", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine._run_in_new_connection(statement)

    manager.add_raw(run)
    return manager
