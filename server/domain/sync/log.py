"""The change log: every change to what a site shows (a price, stock, a product card) appends here, in
the transaction of the change. Exports read it from their channel's cursor (cursors.py).

The writing services call one function with the ids they touched (`prices_changed([variant_id])`,
`stock_changed(variant_ids)`, `cards_changed([product_id])`). Inside write_tx() the ids are collected
and written just before the commit, in one multi-row INSERT for the whole transaction (db.before_commit).

Sequence numbers must become visible in the order they were handed out, or a reader could take seq 11,
move its cursor past it, and never see seq 10 committed a moment later. SQLite's IMMEDIATE transaction
already serialises writers. On PostgreSQL the flush takes a transaction advisory lock, so the INSERT
and the COMMIT of one transaction finish before the next transaction draws its numbers; it is held only
for that last step of the transaction, so writers wait for each other only there.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from server.db import before_commit, in_transaction, is_sqlite, write_tx
from server.domain.sync.tables import CHANGE_KINDS, ChangeLog

VARIANT_PRICE, VARIANT_STOCK, PRODUCT_CARD = CHANGE_KINDS
CHANGE_LOG_LOCK = 7304  # pg_advisory_xact_lock(key): one change-log flush at a time, until its commit
_CHUNK = 5000  # rows per INSERT (one parameter each; both databases allow 32k)


async def prices_changed(variant_ids: Iterable[int]) -> None:
    await note_changes(VARIANT_PRICE, variant_ids)


async def stock_changed(variant_ids: Iterable[int]) -> None:
    await note_changes(VARIANT_STOCK, variant_ids)


async def cards_changed(product_ids: Iterable[int]) -> None:
    await note_changes(PRODUCT_CARD, product_ids)


async def note_changes(kind: str, entity_ids: Iterable[int]) -> None:
    """Records that these entities changed. Inside write_tx(): written once, just before the commit
    (nothing on a rollback). Outside any transaction: written at once in a transaction of its own."""
    if kind not in CHANGE_KINDS:
        raise ValueError(f"unknown change kind {kind!r}")
    ids = {int(i) for i in entity_ids if i is not None}
    if not ids:
        return
    pending = before_commit("sync.change_log", _flush, set)
    if pending is not None:
        pending.update((kind, i) for i in ids)
    elif in_transaction():  # a transaction not opened by write_tx(): write now, same guarantees
        await _flush({(kind, i) for i in ids})
    else:
        async with write_tx():
            await note_changes(kind, ids)


async def _flush(pending: set[tuple[str, int]]) -> None:
    """One statement: on PostgreSQL with the rows as two array parameters, the advisory lock taken by the
    same statement (a materialised CTE the rows are joined to: it is held before the first seq is
    drawn); on SQLite a VALUES list per chunk (kind comes from CHANGE_KINDS and the id is an int, both
    safe as literals)."""
    rows = sorted(pending)
    now = datetime.now(UTC)
    if not is_sqlite():  # one statement text whatever the number of rows: asyncpg prepares it once
        await ChangeLog.raw(
            f"WITH l AS MATERIALIZED (SELECT pg_advisory_xact_lock({CHANGE_LOG_LOCK})) "
            "INSERT INTO change_log (kind, entity_id, at) SELECT v.kind, v.entity_id, {} "
            "FROM l CROSS JOIN unnest(CAST({} AS VARCHAR[]), CAST({} AS BIGINT[])) AS v(kind, entity_id)",
            now, [kind for kind, _ in rows], [int(entity) for _, entity in rows])
        return
    for start in range(0, len(rows), _CHUNK):
        values = ", ".join(f"('{kind}', {int(entity)})" for kind, entity in rows[start:start + _CHUNK])
        await ChangeLog.raw(f"INSERT INTO change_log (kind, entity_id, at) SELECT column1, column2, {{}} "
                            f"FROM (VALUES {values})", now)


async def current_seq() -> int:
    """The newest seq (0 when the log is empty). Read it BEFORE a full export, then ack it."""
    rows = await ChangeLog.raw("SELECT MAX(seq) AS seq FROM change_log")
    return int(rows[0]["seq"] or 0) if rows else 0


async def prune(before_seq: int) -> int:
    """Deletes entries with seq < before_seq (call with the smallest cursor of the active channels);
    the newest entry always stays, so a sequence can never restart below a cursor. Returns rows deleted."""
    newest = await current_seq()
    limit = min(int(before_seq), newest)
    if limit <= 0:
        return 0
    async with write_tx():
        count = await ChangeLog.count().where(ChangeLog.seq < limit)
        await ChangeLog.delete().where(ChangeLog.seq < limit)
    return count
