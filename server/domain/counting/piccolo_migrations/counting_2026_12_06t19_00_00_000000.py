from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T19:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "a bin once per count, a variant once per counted bin"

STATEMENTS = [
    'CREATE UNIQUE INDEX count_bin_uniq ON count_bin (inventory, bin)',
    "CREATE UNIQUE INDEX count_line_uniq ON count_line (count_bin, variant)",
    'CREATE INDEX count_scan_count_actor ON count_scan (inventory, actor, id)',
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="counting", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine._run_in_new_connection(statement)

    manager.add_raw(run)
    return manager
