"""Payments, their fiscal receipts and the couriers' cash shifts.

- `Payment`: money taken for an order (kopecks). A courier's device sends a client UUID (unique): a
  replay finds the first payment. Cash keeps what was tendered and the change; a card the terminal's
  slip number; SBP the acquirer's id (pending until the acquirer says paid).
- `Receipt`: one 54-FZ document per payment (sell) or per refund (sell_refund), sent to the online-cash
  provider by the outbox. `external_id` is the provider's idempotency key: the same document is never
  fiscalised twice; a receipt the provider refused ("fail") is retried by hand under a new key.
- `Refund`: money given back for goods the customer handed back at the door after paying (door_refunds.py):
  cash is given back by the courier there and then ("done"); card, SBP and online prepayments wait for
  the bank ("to_return") until the manager records the refund as done.
- `CashShift`: a courier's day as the cashier closes it: expected per payment method, cash handed
  over, the difference. One per courier and day.
"""

from piccolo.columns import JSON, BigInt, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.domain.orders.tables import Order

PAYMENT_KINDS = ("cash", "card", "sbp")
PAYMENT_STATUSES = ("pending", "done", "cancelled")
RECEIPT_OPERATIONS = ("sell", "sell_refund")
RECEIPT_STATUSES = ("queued", "wait", "done", "fail", "error")
SHIFT_STATUSES = ("open", "closed")
REFUND_METHODS = ("cash", "card", "sbp", "online", "invoice", "other")  # other: recorded by hand, no Payment
REFUND_STATUSES = ("to_return", "done")


class Payment(Table):
    order = ForeignKey(Order, on_delete=OnDelete.restrict, index=True)
    method = Varchar(length=8)  # PAYMENT_KINDS
    amount = BigInt(default=0)  # kopecks paid towards the order
    tendered = BigInt(null=True, default=None)  # cash handed by the customer
    change = BigInt(default=0)  # cash given back
    slip_ref = Varchar(length=64, default="")  # card terminal slip / RRN
    acquirer_ref = Varchar(length=128, default="")  # SBP: the acquirer's payment id
    sbp_url = Text(default="")  # SBP: the payment link shown as a QR code
    status = Varchar(length=16, default="done", index=True)  # PAYMENT_STATUSES
    courier = Varchar(length=64, null=True, default=None, index=True)  # username of the courier who took it
    route_id = Integer(null=True, default=None, index=True)  # DeliveryRoute id, when taken on a route
    client_uuid = Varchar(length=64, unique=True)
    actor = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    done_at = Timestamptz(null=True, default=None)


class Receipt(Table, tablename="fiscal_receipt"):
    order = ForeignKey(Order, on_delete=OnDelete.restrict, index=True)
    payment = ForeignKey(Payment, on_delete=OnDelete.restrict, null=True, default=None, index=True)
    operation = Varchar(length=16, default="sell")  # RECEIPT_OPERATIONS
    external_id = Varchar(length=128, unique=True)
    status = Varchar(length=16, default="queued", index=True)  # RECEIPT_STATUSES
    provider_uuid = Varchar(length=64, default="", index=True)
    attempts = Integer(default=0)
    last_error = Text(default="")
    request = JSON(default={})  # the body sent (built when queued)
    report = JSON(default={})  # the provider's last report, raw
    total = BigInt(default=0)  # kopecks
    fiscal_receipt_number = Varchar(length=32, default="")
    fiscal_document_number = Varchar(length=32, default="")
    fiscal_document_attribute = Varchar(length=32, default="")  # ФПД
    fn_number = Varchar(length=32, default="")
    shift_number = Varchar(length=16, default="")
    receipt_datetime = Varchar(length=32, default="")
    next_poll_at = Timestamptz(null=True, default=None)
    replaces = Integer(null=True, default=None)  # a receipt the provider refused, sent again as this one
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class CashShift(Table):
    shift_key = Varchar(length=100, unique=True)  # "<courier>:<day>": one shift per courier and day
    courier = Varchar(length=64, index=True)  # username
    day = Date(index=True)  # the shop's local day
    route_id = Integer(null=True, default=None)
    status = Varchar(length=16, default="open")  # SHIFT_STATUSES
    expected_cash = BigInt(default=0)
    expected_card = BigInt(default=0)
    expected_sbp = BigInt(default=0)
    handed_cash = BigInt(null=True, default=None)
    difference = BigInt(default=0)  # handed − expected cash (negative: short)
    orders = JSON(default=[])  # per order at closing: [{order_id, number, cash, card, sbp}]
    closed_by = Varchar(length=64, default="")
    closed_at = Timestamptz(null=True, default=None)
    note = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Refund(Table):
    refund_key = Varchar(length=100, unique=True)  # "<return document id>:<n>": one set per return
    order = ForeignKey(Order, on_delete=OnDelete.restrict, index=True)
    payment = ForeignKey(Payment, on_delete=OnDelete.restrict, null=True, default=None, index=True)
    receipt = ForeignKey(Receipt, on_delete=OnDelete.restrict, null=True, default=None)
    return_document = Integer(null=True, default=None, index=True)  # the stock return (ВЗ-…) it pays back
    method = Varchar(length=8)  # REFUND_METHODS
    amount = BigInt(default=0)  # kopecks given back (> 0)
    status = Varchar(length=16, default="to_return", index=True)  # REFUND_STATUSES
    courier = Varchar(length=64, null=True, default=None, index=True)  # cash: who gave it back
    actor = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    done_at = Timestamptz(null=True, default=None)
    done_by = Varchar(length=64, default="")
    note = Text(default="")  # the manager's note when recording a bank refund (its reference)
