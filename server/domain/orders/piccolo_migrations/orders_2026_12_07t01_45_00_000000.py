from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T01:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "sales_order.zone_problems: the order's day, window and sum against its delivery zone"


def _params(default, null=False):
    return {"default": default, "null": null, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orders", description=DESCRIPTION)
    manager.add_column(table_class_name="Order", tablename="sales_order", column_name="zone_problems",
                       db_column_name="zone_problems", column_class_name="JSON", column_class=JSON,
                       params=_params("[]"), schema=None)
    return manager
