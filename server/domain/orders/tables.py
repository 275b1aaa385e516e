"""Orders from every channel, their lines, status history, payments and the shop's names for the statuses.

Money is integer kopecks (BigInt); quantities are integers of the variant's unit. The order table is
`sales_order` ("order" is an SQL keyword). Composite and partial unique indexes — (channel,
external_id) when external_id is not empty, (order, line_no) — are in a raw migration.
"""

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.domain.catalog.tables import Variant
from server.domain.crm.tables import Customer
from server.domain.stock.tables import Warehouse

ORDER_STATUSES = ("new", "confirmed", "picking", "packed", "out_for_delivery", "delivered", "closed",
                  "cancelled", "returned")
DELIVERY_METHODS = ("courier", "pickup", "post", "transport_company")
PAYMENT_METHODS = ("cash_on_delivery", "card_on_delivery", "sbp", "prepaid_online", "invoice")
PREPAID_METHODS = ("prepaid_online", "invoice")
ZONE_STATUSES = ("", "in_zone", "outside", "no_point")  # a courier order's address against the delivery zones


class Order(Table, tablename="sales_order"):
    number = Varchar(length=32, unique=True)  # "З-000123" (from the row id)
    channel = Varchar(length=32, index=True)  # "api", "site", "woocommerce", "phone" …
    external_id = Varchar(length=128, default="")  # the channel's own id; unique per channel when set
    idempotency_key = Varchar(length=255, null=True, default=None, unique=True)
    request_hash = Varchar(length=64, default="")  # sha256 of the intake: a retry must match it
    status = Varchar(length=24, default="new", index=True)  # ORDER_STATUSES
    customer = ForeignKey(Customer, null=True, default=None, on_delete=OnDelete.restrict, index=True)
    contact_name = Varchar(length=300, default="")  # as given with this order
    contact_email = Varchar(length=254, default="")
    contact_phone = Varchar(length=16, default="")
    warehouse = ForeignKey(Warehouse, on_delete=OnDelete.restrict)  # ships from here; reserved here
    goods_total = BigInt(default=0)  # Σ qty × price
    discount_total = BigInt(default=0)  # Σ line discounts
    delivery_cost = BigInt(default=0)
    total = BigInt(default=0)  # goods − discount + delivery
    delivery_method = Varchar(length=32, default="courier")  # DELIVERY_METHODS
    delivery_address = Varchar(length=500, default="")
    delivery_lat = DoublePrecision(null=True, default=None)
    delivery_lon = DoublePrecision(null=True, default=None)
    delivery_zone_id = Integer(null=True, default=None, index=True)  # zones.DeliveryZone (no FK: apps apart)
    zone_status = Varchar(length=16, default="")  # ZONE_STATUSES; "" not a courier order
    zone_problems = JSON(default=[])  # [{kind, msgid, params}]: day, window, minimum against the zone (zones/slots.py)
    window_start = Timestamptz(null=True, default=None)
    window_end = Timestamptz(null=True, default=None)
    window_moved_at = Timestamptz(null=True, default=None)  # the manager's latest move to another window (zones/window.py)
    payment_method = Varchar(length=32, default="cash_on_delivery")  # PAYMENT_METHODS
    paid = BigInt(default=0)
    comment = Text(default="")
    tracking_token = Varchar(length=64, unique=True)
    manager = Varchar(length=64, null=True, default=None, index=True)  # username
    search_text = Varchar(length=1000, default="")  # casefolded number, external id, contact, phone
    placed_at = Timestamptz(default=TimestamptzNow(), index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class OrderLine(Table):
    order = ForeignKey(Order, on_delete=OnDelete.cascade, index=True)
    line_no = Integer()  # 1, 2, … in the order given by the channel
    variant = ForeignKey(Variant, on_delete=OnDelete.restrict, index=True)
    sku = Varchar(length=64)
    name = Varchar(length=300, default="")
    qty = Integer()
    price = BigInt(default=0)  # per unit, kopecks
    discount = BigInt(default=0)  # kopecks off the whole line
    vat = Varchar(length=8, default="22")
    reserved = Integer(default=0)  # units held for this line now; shortage = qty − reserved − shipped
    shipped = Integer(default=0)  # units that left with the shipment


class OrderStatusChange(Table):
    order = ForeignKey(Order, on_delete=OnDelete.cascade, index=True)
    from_status = Varchar(length=24, null=True, default=None)  # None: the order was created
    to_status = Varchar(length=24)
    at = Timestamptz(default=TimestamptzNow())
    actor = Varchar(length=64, default="")
    comment = Text(default="")


class OrderPayment(Table):
    """Money paid towards the order, one row per payment: what came with the order at intake (its
    payment.paid, by the order's payment method) and each payment recorded afterwards
    (orders/edits.record_payment). Order.paid is their sum less what was refunded since; a refund
    removes no row."""

    order = ForeignKey(Order, on_delete=OnDelete.restrict, index=True)
    amount = BigInt()  # kopecks, > 0
    method = Varchar(length=32)  # PAYMENT_METHODS
    actor = Varchar(length=100, default="")
    at = Timestamptz(default=TimestamptzNow())


class OrderStatusSetting(Table):
    """The shop's own name for a status and whether the customer hears about it. A status without a
    row uses the defaults in orders/settings.py."""

    code = Varchar(length=24, unique=True)
    label = Varchar(length=100)
    notify_customer = Boolean(default=False)
    position = Integer(default=0)

