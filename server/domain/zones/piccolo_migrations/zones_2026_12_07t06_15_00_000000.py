from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T06:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "delivery_zone: same-day cut-off (minutes before a slot, a time of day) and orders per slot"


def _params(default, null=False, **more):
    return {"default": default, "null": null, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False, **more}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="zones", description=DESCRIPTION)
    manager.add_column(table_class_name="DeliveryZone", tablename="delivery_zone", column_name="cutoff_minutes",
                       db_column_name="cutoff_minutes", column_class_name="Integer", column_class=Integer,
                       params=_params(None, null=True), schema=None)
    manager.add_column(table_class_name="DeliveryZone", tablename="delivery_zone", column_name="cutoff_time",
                       db_column_name="cutoff_time", column_class_name="Varchar", column_class=Varchar,
                       params=_params("", length=5), schema=None)
    manager.add_column(table_class_name="DeliveryZone", tablename="delivery_zone", column_name="slot_capacity",
                       db_column_name="slot_capacity", column_class_name="Integer", column_class=Integer,
                       params=_params(None, null=True), schema=None)
    return manager
