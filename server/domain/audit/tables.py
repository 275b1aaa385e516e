from piccolo.columns import JSON, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class AuditEntry(Table):
    """Who changed what and when: documents, prices, statuses, users."""

    at = Timestamptz(default=TimestamptzNow(), index=True)
    actor = Varchar(length=100, default="system", index=True)  # username or "token:<name>"
    action = Varchar(length=50)  # e.g. "document.post", "price.set", "user.create"
    entity = Varchar(length=50, index=True)  # e.g. "document", "variant", "user"
    entity_id = Varchar(length=64, index=True, default="")
    changes = JSON(default={})  # {"field": {"old": a, "new": b}} or free-form details (see log.py)
