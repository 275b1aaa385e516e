"""Marking codes and serial numbers of the units that left (or are leaving) with an order.

One row per unit: a Честный ЗНАК code (kind "marking": `code_key` is the КИ, `full_code` the КМ with GS
restored, as the fiscal receipt needs it) or a serial number (kind "serial": `code_key` is
"<variant id>:<serial>"). A code is in use while `released_at` is empty — a partial unique index on
`code_key` (raw migration) refuses the same unit twice, in one order or across orders, under any
concurrency. Cancelling or returning the order releases its codes (they may be sold again).
"""

from piccolo.columns import ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.domain.catalog.tables import Variant
from server.domain.orders.tables import Order, OrderLine

UNIT_CODE_KINDS = ("marking", "serial")


class UnitCode(Table):
    kind = Varchar(length=16, default="marking")  # UNIT_CODE_KINDS
    code_key = Varchar(length=200, index=True)  # КИ, or "<variant>:<serial>"
    full_code = Text(default="")  # КМ with GS, or the serial
    raw = Text(default="")  # as scanned
    gtin = Varchar(length=14, default="")
    serial = Varchar(length=100, default="")
    variant = ForeignKey(Variant, on_delete=OnDelete.restrict, index=True)
    order = ForeignKey(Order, on_delete=OnDelete.restrict, null=True, default=None, index=True)
    order_line = ForeignKey(OrderLine, on_delete=OnDelete.restrict, null=True, default=None, index=True)
    source = Varchar(length=64, default="")  # "pick:<pick scan uuid>"
    actor = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    released_at = Timestamptz(null=True, default=None)
    release_reason = Varchar(length=32, default="")  # "cancelled", "returned", "unpicked"
