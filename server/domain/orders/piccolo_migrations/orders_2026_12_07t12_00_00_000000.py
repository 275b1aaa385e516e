from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import BigInt, ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Order(Table, tablename="sales_order", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


ID = "2026-12-07T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "order_payment: the order's payments, at intake and recorded afterwards"


def _params(default, null=False, index=False, **extra):
    return {"default": default, "null": null, "primary_key": False, "unique": False, "index": index,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False, **extra}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orders", description=DESCRIPTION)
    manager.add_table(class_name="OrderPayment", tablename="order_payment", schema=None, columns=None)
    columns = [
        ("order", ForeignKey, {"references": Order, "on_delete": OnDelete.restrict, "on_update": OnUpdate.cascade,
                               "target_column": None, **_params(None, null=True, index=True)}),
        ("amount", BigInt, _params(0)),
        ("method", Varchar, {"length": 32, **_params("")}),
        ("actor", Varchar, {"length": 100, **_params("")}),
        ("at", Timestamptz, _params(TimestamptzNow())),
    ]
    for name, column_class, params in columns:
        manager.add_column(table_class_name="OrderPayment", tablename="order_payment", column_name=name,
                           db_column_name=name, column_class_name=column_class.__name__,
                           column_class=column_class, params=params, schema=None)
    return manager
