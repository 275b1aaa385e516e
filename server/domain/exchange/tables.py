"""Which of our rows a record of an outside system is: (source, kind, external id) → internal id.

A re-import finds its rows here and updates them instead of making duplicates. `source` names the
system ("1c" by default, or a channel code), so two 1C bases may use the same Ид without clashing.
The exchange protocol keeps its runs, 1C's sessions with their uploaded files and imports, and what each
channel knows of our orders (ExchangeRun … ExchangeOrderState below).
"""

from piccolo.columns import JSON, BigInt, Boolean, Bytea, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

REF_KINDS = ("category", "product", "variant", "property", "price_type", "warehouse")


class ExternalRef(Table):
    source = Varchar(length=64, default="1c")
    kind = Varchar(length=16)  # REF_KINDS
    external_id = Varchar(length=200)  # the 1C Ид ("guid", "guid#guid", "Отпускная цена" …)
    internal_id = BigInt(index=True)
    label = Varchar(length=300, default="")  # the name the outside system gave it (for people reading)
    updated_at = Timestamptz(default=TimestamptzNow())


# --- the exchange protocol (server/integrations/commerceml/client.py and site_protocol.py) -------------

RUN_ROLES = ("site", "1c")  # site: Kladovka plays 1C towards a shop site · 1c: the shop's 1C calls Kladovka
RUN_STATUSES = ("running", "success", "failed")


class ExchangeRun(Table):
    """One exchange of a channel, for the manager's sync screen: when, what went, what came, what failed."""

    channel = Varchar(length=32, index=True)  # the sales channel's code
    role = Varchar(length=8, default="site")  # RUN_ROLES
    status = Varchar(length=16, default="running")  # RUN_STATUSES
    full = Boolean(default=False)  # the whole catalog was sent (else only the changes)
    started_at = Timestamptz(default=TimestamptzNow(), index=True)
    finished_at = Timestamptz(null=True, default=None)
    sent = JSON(default={})  # {"products": n, "offers": n, "orders": n, "files": [...]}
    received = JSON(default={})  # {"orders": n, "changes": n, "files": [...]}
    orders_received = Integer(default=0)  # new orders taken in
    error = Text(default="")  # the first error, in Russian, as the manager reads it
    notes = JSON(default=[])  # smaller problems (an order that could not be taken, a status refused …)
    cursor_from = BigInt(default=0)  # the change-log cursor before the run
    cursor_to = BigInt(default=0)  # … and after (moves only when the site said success)


class ExchangeSession(Table):
    """A session of the shop's 1C with Kladovka-as-site (checkauth → cookie); shared by every process."""

    channel = Varchar(length=32, index=True)
    token_hash = Varchar(length=64, unique=True)  # sha256 of the cookie value
    version = Varchar(length=16, default="")  # the CommerceML version 1C asked for in init
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(default=TimestamptzNow(), index=True)
    run = BigInt(null=True, default=None)  # the ExchangeRun this session reports into


class ExchangeFile(Table):
    """A file 1C uploaded in a session (mode=file), kept as the parts it arrived in (appended in order)."""

    session = ForeignKey(ExchangeSession, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=255)  # sanitised: "import.xml", "import_files/ab/x.jpg"
    part = Integer(default=0)
    data = Bytea(default=b"")


class ExchangeJob(Table):
    """The import of one uploaded file (mode=import): runs in the background, answered by "progress"
    until it is done. Unique per (session, filename) (raw migration)."""

    session = ForeignKey(ExchangeSession, on_delete=OnDelete.cascade, index=True)
    filename = Varchar(length=255)
    status = Varchar(length=16, default="running")  # running | done | failed
    owner = Varchar(length=64, default="")  # the process running it
    message = Text(default="")  # the answer's second line (Russian)
    started_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)


class ExchangeOrderState(Table):
    """What a channel knows of one of our orders: its id there, and the version (the order's updated_at)
    last sent and last confirmed. An order is pending for the channel while the confirmed version differs
    from its updated_at. Unique per (channel, order_id) (raw migration)."""

    channel = Varchar(length=32)
    order_id = BigInt(index=True)
    remote_id = Varchar(length=128, default="")
    remote_number = Varchar(length=64, default="")
    sent_version = Timestamptz(null=True, default=None)
    acked_version = Timestamptz(null=True, default=None)
