from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Integer, Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T22:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "route_stop.planned_eta, late_by_s; courier.work_days; plan_run.warnings"


def _params(default, null=False):
    return {"default": default, "null": null, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="delivery", description=DESCRIPTION)
    manager.add_column(table_class_name="RouteStop", tablename="route_stop", column_name="planned_eta",
                       db_column_name="planned_eta", column_class_name="Timestamptz", column_class=Timestamptz,
                       params=_params(None, null=True), schema=None)
    manager.add_column(table_class_name="RouteStop", tablename="route_stop", column_name="late_by_s",
                       db_column_name="late_by_s", column_class_name="Integer", column_class=Integer,
                       params=_params(0), schema=None)
    manager.add_column(table_class_name="Courier", tablename="courier", column_name="work_days",
                       db_column_name="work_days", column_class_name="JSON", column_class=JSON,
                       params=_params("[1, 2, 3, 4, 5, 6, 7]"), schema=None)
    manager.add_column(table_class_name="PlanRun", tablename="plan_run", column_name="warnings",
                       db_column_name="warnings", column_class_name="JSON", column_class=JSON,
                       params=_params("[]"), schema=None)
    return manager
