from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T12:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "sales_order.window_moved_at: the manager's latest move of the order's delivery window"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orders", description=DESCRIPTION)
    manager.add_column(table_class_name="Order", tablename="sales_order", column_name="window_moved_at",
                       db_column_name="window_moved_at", column_class_name="Timestamptz", column_class=Timestamptz,
                       params={"default": None, "null": True, "primary_key": False, "unique": False, "index": False,
                               "index_method": IndexMethod.btree, "choices": None, "db_column_name": None,
                               "secret": False}, schema=None)
    return manager
