"""Receiving: every scan made on an expected receipt, and what was expected and counted per variant when
the receipt was posted.

The counted quantity of a variant in a bin is the sum of `units` of its scans: a scan is an insert, never
an update of a counter, so two devices scanning one receipt at once both count. A correction ("−1") is a
scan with negative units. Each scan carries the device's UUID (unique): a replay finds its first outcome.
"""

from piccolo.columns import JSON, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.domain.catalog.tables import Variant
from server.domain.stock.tables import Bin, StockDocument

RECEIVING_RESULTS = ("ok", "surplus", "bin", "undo", "unknown", "unknown_bin", "nothing_to_undo", "closed")


class ReceivingScan(Table):
    client_uuid = Varchar(length=64, unique=True)  # from the device; a replay finds its first result
    document = ForeignKey(StockDocument, on_delete=OnDelete.cascade, index=True)
    raw = Text(default="")  # as scanned
    code = Varchar(length=200, default="")  # what was matched: barcode, SKU, bin address
    variant = ForeignKey(Variant, on_delete=OnDelete.restrict, null=True, default=None, index=True)
    bin = ForeignKey(Bin, on_delete=OnDelete.restrict, null=True, default=None)  # where the units are put away
    units = Integer(default=0)  # counted by this scan: + goods, − a correction, 0 refused or a bin
    result = Varchar(length=24, default="ok")  # RECEIVING_RESULTS
    message = JSON(default={})  # {"msgid": …, "params": {…}}: shown in the user's language
    actor = Varchar(length=64, default="")
    device = Varchar(length=100, default="")
    scanned_at = Timestamptz(default=TimestamptzNow())
    received_at = Timestamptz(default=TimestamptzNow())


class ReceivingResult(Table):
    """Expected against counted, per variant, written when the receipt is posted (the discrepancy report)."""

    document = ForeignKey(StockDocument, on_delete=OnDelete.cascade, index=True)
    variant = ForeignKey(Variant, on_delete=OnDelete.restrict)
    expected = Integer(default=0)
    counted = Integer(default=0)
    posted_by = Varchar(length=64, default="")
    posted_at = Timestamptz(default=TimestamptzNow())
