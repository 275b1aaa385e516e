"""Picking: pick lists of one order or a wave of orders, their lines by bin, every scan, and the
shortages pickers report.

A pick list is open until every order in it is packed or cancelled. Its lines are the order lines
split by the bins the goods are taken from, walked in the bins' pick order. Every scan is a row (right
or wrong: the picker report counts wrong scans), identified by the device's UUID so that an offline
queue replayed twice counts once. Partial unique indexes (one open pick list per order, one open
shortage per pick line) are in a raw migration.
"""

from piccolo.columns import JSON, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.domain.catalog.tables import Variant
from server.domain.orders.tables import Order, OrderLine
from server.domain.stock.tables import Bin, Warehouse

PICK_LIST_STATUSES = ("open", "done", "cancelled")
PICK_MODES = ("item", "location")  # goods in list order, or scan the bin first
SCAN_RESULTS = ("ok", "bin", "needs_serial", "unknown", "not_on_list", "other_variant", "over", "wrong_bin",
                "marking_needed", "marking_invalid", "marking_gtin", "marking_reused", "marking_incomplete",
                "serial_reused", "order_cancelled", "order_packed", "line_short", "list_closed")


class PickList(Table):
    number = Varchar(length=32, unique=True)  # "СБ-000001"
    warehouse = ForeignKey(Warehouse, on_delete=OnDelete.restrict, index=True)
    status = Varchar(length=16, default="open", index=True)  # PICK_LIST_STATUSES
    mode = Varchar(length=16, default="item")  # PICK_MODES
    picker = Varchar(length=64, default="", index=True)  # username of who picks it
    created_by = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    started_at = Timestamptz(null=True, default=None)  # the first scan
    finished_at = Timestamptz(null=True, default=None)


class PickListOrder(Table):
    pick_list = ForeignKey(PickList, on_delete=OnDelete.cascade, index=True)
    order = ForeignKey(Order, on_delete=OnDelete.restrict, index=True)
    position = Integer(default=0)  # tote / slot number in a wave: 1, 2, …
    open = Integer(default=1)  # 1 while the list is open (a partial unique index: one open list per order)
    packed_at = Timestamptz(null=True, default=None)


class PickLine(Table):
    pick_list = ForeignKey(PickList, on_delete=OnDelete.cascade, index=True)
    order = ForeignKey(Order, on_delete=OnDelete.restrict, index=True)
    order_line = ForeignKey(OrderLine, on_delete=OnDelete.restrict, index=True)
    variant = ForeignKey(Variant, on_delete=OnDelete.restrict, index=True)
    bin = ForeignKey(Bin, on_delete=OnDelete.restrict, null=True, default=None)  # None: no bin holds it
    seq = Integer(default=0)  # walking order within the list
    qty = Integer()  # units to pick from this bin
    picked = Integer(default=0)
    short = Integer(default=0)  # units the picker reported missing
    first_scan_at = Timestamptz(null=True, default=None)
    done_at = Timestamptz(null=True, default=None)  # picked (+ short) reached qty


class PickScan(Table):
    client_uuid = Varchar(length=64, unique=True)  # from the device; a replay finds its first result
    pick_list = ForeignKey(PickList, on_delete=OnDelete.cascade, index=True)
    line = ForeignKey(PickLine, on_delete=OnDelete.cascade, null=True, default=None, index=True)
    raw = Text(default="")  # as scanned (GS kept)
    code = Varchar(length=200, default="")  # what was matched: barcode, SKU, КИ, bin address
    variant = ForeignKey(Variant, on_delete=OnDelete.restrict, null=True, default=None)
    units = Integer(default=0)  # counted by this scan (0 when refused)
    result = Varchar(length=24, default="ok")  # SCAN_RESULTS
    message = JSON(default={})  # {"msgid": …, "params": {…}}: shown in the picker's language
    serial = Varchar(length=100, default="")
    bin_code = Varchar(length=80, default="")  # the bin scanned before (location-first mode)
    actor = Varchar(length=64, default="")
    device = Varchar(length=100, default="")
    scanned_at = Timestamptz(default=TimestamptzNow())  # on the device (offline scans keep their time)
    received_at = Timestamptz(default=TimestamptzNow())  # on the server


class PickShortage(Table):
    """Goods the picker could not find. Open until a manager reduces the line or replaces the goods."""

    pick_list = ForeignKey(PickList, on_delete=OnDelete.cascade, index=True)
    line = ForeignKey(PickLine, on_delete=OnDelete.cascade, index=True)
    order = ForeignKey(Order, on_delete=OnDelete.restrict, index=True)
    variant = ForeignKey(Variant, on_delete=OnDelete.restrict)
    bin = ForeignKey(Bin, on_delete=OnDelete.restrict, null=True, default=None)  # where it should have been
    qty = Integer()
    comment = Text(default="")
    reported_by = Varchar(length=64, default="")
    reported_at = Timestamptz(default=TimestamptzNow())
    resolution = Varchar(length=16, default="")  # "", "reduced", "replaced", "found"
    resolved_by = Varchar(length=64, default="")
    resolved_at = Timestamptz(null=True, default=None)
