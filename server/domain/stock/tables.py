"""The stock ledger: warehouses, bins, documents, moves, balances, reservations.

Quantities are integers in the product's unit; money is integer kopecks.
Balances change only through stock/documents.py and stock/reservations.py.
"""

from piccolo.columns import BigInt, Boolean, DoublePrecision, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.domain.catalog.tables import Variant

DOCUMENT_KINDS = ("receipt", "transfer", "write_off", "inventory", "shipment", "return")
DOCUMENT_STATUSES = ("draft", "posted")
# Virtual locations on the other side of a move (double entry, as in Odoo).
COUNTERPARTS = ("supplier", "customer", "loss", "inventory", "transfer")
RESERVATION_STATUSES = ("active", "released", "consumed")


class Warehouse(Table):
    code = Varchar(length=32, unique=True)
    name = Varchar(length=200)
    address = Varchar(length=300, default="")
    allow_negative = Boolean(default=False)
    active = Boolean(default=True)
    lat = DoublePrecision(null=True, default=None)  # the delivery depot (routes start and end here)
    lon = DoublePrecision(null=True, default=None)


class Bin(Table):
    """A storage cell addressed zone-rack-shelf-cell, walked in pick_seq order."""

    warehouse = ForeignKey(Warehouse, on_delete=OnDelete.restrict, index=True)
    zone = Varchar(length=16, default="")
    rack = Varchar(length=16, default="")
    shelf = Varchar(length=16, default="")
    cell = Varchar(length=16, default="")
    address = Varchar(length=80, index=True)  # "A-01-02-03"; unique per warehouse (migration index)
    pick_seq = Integer(default=0)
    active = Boolean(default=True)


class StockDocument(Table):
    number = Varchar(length=32, unique=True)  # "ПР-000001"
    kind = Varchar(length=16, index=True)  # DOCUMENT_KINDS
    status = Varchar(length=16, default="draft", index=True)  # DOCUMENT_STATUSES
    warehouse = ForeignKey(Warehouse, on_delete=OnDelete.restrict)
    dest_warehouse = ForeignKey(Warehouse, on_delete=OnDelete.restrict, null=True, default=None)  # transfers
    supplier = Varchar(length=200, default="")
    reason = Varchar(length=200, default="")  # write-offs: why
    comment = Text(default="")
    order_ref = Varchar(length=64, default="", index=True)  # shipments: "order:<id>"
    created_by = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    posted_at = Timestamptz(null=True, default=None)
    posted_by = Varchar(length=64, default="")


class StockDocumentLine(Table):
    document = ForeignKey(StockDocument, on_delete=OnDelete.cascade, index=True)
    variant = ForeignKey(Variant, on_delete=OnDelete.restrict)
    qty = Integer(default=0)  # receipt/transfer/write-off: quantity; inventory: counted
    bin = ForeignKey(Bin, on_delete=OnDelete.restrict, null=True, default=None)  # source bin (receipt: destination)
    dest_bin = ForeignKey(Bin, on_delete=OnDelete.restrict, null=True, default=None)  # transfers
    price = BigInt(default=0)  # receipts: unit cost in kopecks
    book_qty = Integer(null=True, default=None)  # inventory: on hand when posted
    position = Integer(default=0)


class StockMove(Table):
    """Append-only history. A reversal (unpost) writes the opposite move, never deletes."""

    document = ForeignKey(StockDocument, on_delete=OnDelete.restrict, index=True)
    line = ForeignKey(StockDocumentLine, on_delete=OnDelete.restrict, null=True, default=None)
    variant = ForeignKey(Variant, on_delete=OnDelete.restrict, index=True)
    warehouse = ForeignKey(Warehouse, on_delete=OnDelete.restrict, index=True)
    bin = ForeignKey(Bin, on_delete=OnDelete.restrict, null=True, default=None)
    qty = Integer()  # signed: + into the warehouse, - out of it
    cost = BigInt(default=0)  # signed total cost in kopecks
    counterpart = Varchar(length=16, default="")  # COUNTERPARTS
    reversal = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())


class StockBalance(Table):
    """Per variant and warehouse: on hand, reserved and the stock's total value (moving average)."""

    variant = ForeignKey(Variant, on_delete=OnDelete.restrict, index=True)
    warehouse = ForeignKey(Warehouse, on_delete=OnDelete.restrict, index=True)
    on_hand = Integer(default=0)
    reserved = Integer(default=0)
    value = BigInt(default=0)  # kopecks; average unit cost = value / on_hand


class BinBalance(Table):
    """Per variant and bin: where in the warehouse the goods lie."""

    variant = ForeignKey(Variant, on_delete=OnDelete.restrict, index=True)
    bin = ForeignKey(Bin, on_delete=OnDelete.restrict, index=True)
    on_hand = Integer(default=0)


class Reservation(Table):
    variant = ForeignKey(Variant, on_delete=OnDelete.restrict, index=True)
    warehouse = ForeignKey(Warehouse, on_delete=OnDelete.restrict)
    qty = Integer()
    order_ref = Varchar(length=64, index=True)  # "order:<id>" or "order:<id>:line:<n>"
    status = Varchar(length=16, default="active", index=True)  # RESERVATION_STATUSES
    created_at = Timestamptz(default=TimestamptzNow())
    closed_at = Timestamptz(null=True, default=None)
