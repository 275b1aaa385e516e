"""Each channel's place in the change log, and how its last sync went.

An incremental export:
    batch = await changes_since("site", limit=1000)   # distinct ids changed after the cursor
    ... send the offers of batch.variant_ids(), the cards of batch.product_cards ...
    await ack("site", batch.until)                     # or record_failure("site", "timeout") and retry later
A full export reads `current_seq()` first, sends everything, then acks that number (mode="full").
The read walks the log by its primary key from the cursor: its cost follows the number of changes,
never the size of the catalog.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from server.db import engine, in_transaction, write_tx
from server.domain.audit.log import record
from server.domain.channels.channels import Channel, get_channel, list_channels
from server.domain.sync.log import PRODUCT_CARD, VARIANT_PRICE, VARIANT_STOCK, current_seq
from server.domain.sync.tables import ChangeLog, SyncState
from server.errors import ValidationFailed

MAX_BATCH = 50_000


@dataclass(frozen=True)
class ChangeBatch:
    channel: str
    since: int  # the cursor the batch was read from (exclusive)
    until: int  # the newest seq in the batch: ack it once the batch is delivered (== since: nothing new)
    entries: int  # log rows read (several rows may name the same entity)
    more: bool  # the limit was reached: call again after ack for the rest
    variant_prices: frozenset[int] = field(default_factory=frozenset)
    variant_stock: frozenset[int] = field(default_factory=frozenset)
    product_cards: frozenset[int] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return self.entries == 0

    def variant_ids(self) -> list[int]:
        """Variants whose price or stock changed (a changed card means all its variants: see
        sync.offers.changed_variant_ids)."""
        return sorted(self.variant_prices | self.variant_stock)


@dataclass(frozen=True)
class SyncStatus:
    channel: str
    name: str
    kind: str
    active: bool
    last_seq: int
    pending: int  # change-log entries after the cursor
    last_success_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_error: str = ""
    last_error_at: datetime | None = None
    mode: str = ""  # how the last success was made: "full" or "changes"


@asynccontextmanager
async def one_read():
    """Several reads on one connection and one snapshot: a read transaction (on SQLite it takes no
    lock; without a pool it also saves a connection per query). Inside a transaction: that one."""
    if in_transaction():
        yield
        return
    async with engine().transaction():
        yield


async def _state(channel: Channel) -> dict | None:
    return await SyncState.select().where(SyncState.channel == channel.id).first()


async def _cursor(channel: Channel) -> int:
    row = await _state(channel)
    return int(row["last_seq"]) if row else 0


def _check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 < limit <= MAX_BATCH:
        raise ValidationFailed("The batch size must be a whole number from 1 to %(max)s", field="limit",
                               max=MAX_BATCH)
    return limit


async def changes_since(channel_code: str, limit: int = 1000) -> ChangeBatch:
    """At most `limit` log entries after the channel's cursor, as distinct ids per kind, with the
    newest seq read (`until`). Reads only; nothing moves until ack()."""
    limit = _check_limit(limit)
    async with one_read():
        channel = await get_channel(channel_code)
        since = await _cursor(channel)
        rows = await ChangeLog.raw("SELECT seq, kind, entity_id FROM change_log WHERE seq > {} ORDER BY seq "
                                   "LIMIT {}", since, limit)
    found: dict[str, set[int]] = {VARIANT_PRICE: set(), VARIANT_STOCK: set(), PRODUCT_CARD: set()}
    for r in rows:
        found[r["kind"]].add(int(r["entity_id"]))
    return ChangeBatch(channel=channel.code, since=since, until=int(rows[-1]["seq"]) if rows else since,
                       entries=len(rows), more=len(rows) == limit,
                       variant_prices=frozenset(found[VARIANT_PRICE]), variant_stock=frozenset(found[VARIANT_STOCK]),
                       product_cards=frozenset(found[PRODUCT_CARD]))


async def _ensure_state(channel: Channel) -> None:
    await SyncState.raw("INSERT INTO sync_state (channel, last_seq, last_error, mode) VALUES ({}, 0, '', '') "
                        "ON CONFLICT (channel) DO NOTHING", channel.id)


async def ack(channel_code: str, seq: int, *, mode: str = "changes") -> int:
    """The channel has everything up to `seq`: the cursor moves there (never backwards: two exporters
    acking out of order keep the larger), last success is now, the last error is cleared. Returns the
    cursor."""
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise ValidationFailed("The sequence number must be a whole number, zero or more", field="seq")
    if mode not in ("changes", "full"):
        raise ValidationFailed("Unknown sync mode %(mode)s", field="mode", mode=str(mode)[:20])
    channel = await get_channel(channel_code)
    if seq > await current_seq():
        raise ValidationFailed("Sequence number %(seq)s is beyond the change log", field="seq", seq=seq)
    now = datetime.now(UTC)
    async with write_tx():
        await _ensure_state(channel)
        await SyncState.raw(
            "UPDATE sync_state SET last_seq = CASE WHEN last_seq < {} THEN {} ELSE last_seq END, "
            "last_success_at = {}, last_attempt_at = {}, last_error = '', last_error_at = NULL, mode = {} "
            "WHERE channel = {}", seq, seq, now, now, mode, channel.id)
    return await _cursor(channel)


async def reset_cursor(channel_code: str, seq: int = 0, *, actor: str = "system") -> None:
    """Moves the cursor back (0: everything is pending again), e.g. to resend after the site lost data."""
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise ValidationFailed("The sequence number must be a whole number, zero or more", field="seq")
    channel = await get_channel(channel_code)
    async with write_tx():
        await _ensure_state(channel)
        old = await _cursor(channel)
        await SyncState.update({SyncState.last_seq: seq}).where(SyncState.channel == channel.id)
        await record(actor, "sync.reset", "sales_channel", channel.id, {"code": channel.code, "last_seq": [old, seq]})


async def record_failure(channel_code: str, error: str) -> None:
    """A sync attempt failed: the cursor stays, the error and the time are kept for the manager."""
    channel = await get_channel(channel_code)
    now = datetime.now(UTC)
    async with write_tx():
        await _ensure_state(channel)
        await SyncState.update({SyncState.last_attempt_at: now, SyncState.last_error: (error or "?")[:2000],
                                SyncState.last_error_at: now}).where(SyncState.channel == channel.id)


async def _status(channel: Channel, row: dict | None) -> SyncStatus:
    last_seq = int(row["last_seq"]) if row else 0
    pending = await ChangeLog.count().where(ChangeLog.seq > last_seq)
    row = row or {}
    return SyncStatus(channel=channel.code, name=channel.name, kind=channel.kind, active=channel.active,
                      last_seq=last_seq, pending=pending, last_success_at=row.get("last_success_at"),
                      last_attempt_at=row.get("last_attempt_at"), last_error=row.get("last_error") or "",
                      last_error_at=row.get("last_error_at"), mode=row.get("mode") or "")


async def sync_state(channel_code: str) -> SyncStatus:
    """Cursor, pending count (entries after the cursor), last success, last attempt, last error."""
    channel = await get_channel(channel_code)
    return await _status(channel, await _state(channel))


async def sync_states() -> list[SyncStatus]:
    """Every channel's status, by code (for the manager's sync screen)."""
    channels = await list_channels()
    rows = {r["channel"]: r for r in await SyncState.select()}
    return [await _status(ch, rows.get(ch.id)) for ch in channels]
