from piccolo.columns import UUID, Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class NotificationTemplate(Table):
    """The owner's version of one message: an order status × a channel (email | sms | push).
    A status+channel without a row uses the built-in Russian text (defaults.py)."""

    key = Varchar(length=48, unique=True)  # "<status>:<channel>"
    status = Varchar(length=32)
    channel = Varchar(length=8)
    subject = Text(default="")  # e-mail subject / push title; unused for SMS
    body = Text(default="")
    enabled = Boolean(default=True)
    updated_at = Timestamptz(default=TimestamptzNow())
    updated_by = Varchar(length=100, default="")


class NotificationDelivery(Table):
    """The delivery log: one row per (event, channel, recipient). `key` makes that triple unique, so
    a replayed event never sends again what is recorded as sent."""

    key = Varchar(length=64, unique=True)  # sha256 of "<event_id>|<channel>|<recipient>"
    event_id = UUID(index=True)
    order_number = Varchar(length=64, default="", index=True)
    order_status = Varchar(length=32, default="")  # the status the message was about
    channel = Varchar(length=8, index=True)
    recipient = Varchar(length=1000)  # e-mail, phone (digits) or push endpoint
    status = Varchar(length=8, index=True)  # sent | failed
    attempts = Integer(default=0)
    error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)


class PushSubscription(Table):
    """A browser that asked, on the tracking page of an order, to be told about it. `key` is unique per
    (tracking token, endpoint): one browser may follow several orders."""

    key = Varchar(length=64, unique=True)  # sha256 of "<tracking_token>|<endpoint>"
    tracking_token = Varchar(length=64, index=True)
    endpoint = Varchar(length=1000)
    p256dh = Varchar(length=128)
    auth = Varchar(length=64)
    created_at = Timestamptz(default=TimestamptzNow())
