"""Inventory counts: a warehouse (or one zone of it) counted bin by bin on the pickers' devices.

A count is open while pickers scan; each bin they open is a CountBin (counting → done; a done bin can be
reopened to count it again, its lines start from zero); CountLine holds what was counted of one variant in
one bin; every scan is a CountScan row (refused ones too), identified by the device's UUID so that an
offline queue replayed twice counts once. Submitting turns the done bins into a draft inventory document
of the ledger (server/domain/counting/submit.py), which a manager reviews and posts. Unique indexes (one
row per bin of a count, one line per variant of a bin) are in a raw migration.
"""

from piccolo.columns import JSON, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.domain.catalog.tables import Variant
from server.domain.stock.tables import Bin, StockDocument, Warehouse

COUNT_STATUSES = ("open", "submitted", "cancelled")
BIN_STATUSES = ("counting", "done")
SCAN_RESULTS = ("ok", "bin", "unknown", "no_bin", "bin_done", "other_warehouse", "other_zone", "count_closed")


class InventoryCount(Table):
    number = Varchar(length=32, unique=True)  # "ИНВ-000001"
    warehouse = ForeignKey(Warehouse, on_delete=OnDelete.restrict, index=True)
    zone = Varchar(length=16, default="")  # "" = the whole warehouse
    status = Varchar(length=16, default="open", index=True)  # COUNT_STATUSES
    started_by = Varchar(length=64, default="")
    started_at = Timestamptz(default=TimestamptzNow())
    submitted_by = Varchar(length=64, default="")
    submitted_at = Timestamptz(null=True, default=None)
    document = ForeignKey(StockDocument, on_delete=OnDelete.set_null, null=True, default=None)  # the draft


class CountBin(Table):
    inventory = ForeignKey(InventoryCount, on_delete=OnDelete.cascade, index=True)
    bin = ForeignKey(Bin, on_delete=OnDelete.restrict)
    status = Varchar(length=16, default="counting")  # BIN_STATUSES
    counted_by = Varchar(length=64, default="")
    opened_at = Timestamptz(default=TimestamptzNow())
    done_at = Timestamptz(null=True, default=None)


class CountLine(Table):
    count_bin = ForeignKey(CountBin, on_delete=OnDelete.cascade, index=True)
    variant = ForeignKey(Variant, on_delete=OnDelete.restrict)
    qty = Integer(default=0)  # units counted in that bin
    updated_at = Timestamptz(default=TimestamptzNow())


class CountScan(Table):
    client_uuid = Varchar(length=64, unique=True)  # from the device; a replay finds its first result
    inventory = ForeignKey(InventoryCount, on_delete=OnDelete.cascade, index=True)
    count_bin = ForeignKey(CountBin, on_delete=OnDelete.cascade, null=True, default=None)
    bin = ForeignKey(Bin, on_delete=OnDelete.restrict, null=True, default=None)
    variant = ForeignKey(Variant, on_delete=OnDelete.restrict, null=True, default=None)
    units = Integer(default=0)  # counted by this scan (0 when refused)
    raw_code = Text(default="")  # as scanned (not "raw": Table.raw is a method)
    code = Varchar(length=200, default="")  # what was matched: barcode, SKU, bin address
    result = Varchar(length=24, default="ok")  # SCAN_RESULTS
    message = JSON(default={})  # {"msgid": …, "params": {…}}
    actor = Varchar(length=64, default="", index=True)
    device = Varchar(length=100, default="")
    scanned_at = Timestamptz(default=TimestamptzNow())  # on the device
    received_at = Timestamptz(default=TimestamptzNow())
