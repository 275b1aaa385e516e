from piccolo.columns import JSON, UUID, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class OutboxEvent(Table):
    """One thing that happened and must reach the outside world (customer message, site sync …).

    Written only inside the transaction of the change (see events.emit); the worker picks rows with
    status 'pending' whose available_at has come, hands them to the handlers of their topic, and marks
    them 'done', or reschedules with backoff ('pending', attempts+1, last_error), or after too many
    attempts 'failed' (visible to the manager, retryable by hand).

    A worker claims an event by moving available_at to the end of its lease and writing its claim
    token into locked_by (worker.py); another worker takes the event only after that lease ran out."""

    event_id = UUID(unique=True)
    topic = Varchar(length=64, index=True)  # e.g. "order.created", "order.status_changed"
    payload = JSON(default={})
    status = Varchar(length=16, default="pending", index=True)  # pending | done | failed
    attempts = Integer(default=0)
    available_at = Timestamptz(default=TimestamptzNow(), index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    processed_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    locked_by = Varchar(length=64, default="")  # the claim token of the worker holding the lease
