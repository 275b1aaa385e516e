"""The change log and each channel's place in it."""

from piccolo.columns import BigInt, BigSerial, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.domain.channels.tables import SalesChannel

CHANGE_KINDS = ("variant_price", "variant_stock", "product_card")


class ChangeLog(Table):
    """Append-only: something a site shows changed. Written in the transaction of the change, one
    multi-row INSERT per transaction (sync/log.py); seq grows in commit order."""

    seq = BigSerial(primary_key=True)
    kind = Varchar(length=16)  # CHANGE_KINDS
    entity_id = BigInt()  # variant id (variant_price, variant_stock) or product id (product_card)
    at = Timestamptz(default=TimestamptzNow())


class SyncState(Table):
    """Per channel: the last change-log seq it has taken (its cursor, last_seq) and how the last sync went."""

    channel = ForeignKey(SalesChannel, unique=True, on_delete=OnDelete.cascade)
    last_seq = BigInt(default=0)  # the cursor: changes with seq > last_seq are pending
    last_success_at = Timestamptz(null=True, default=None)
    last_attempt_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    last_error_at = Timestamptz(null=True, default=None)
    mode = Varchar(length=16, default="")  # "full" | "changes" of the last success
