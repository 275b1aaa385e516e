"""The record of every exchange run, for the manager's sync screen, and the lock that keeps two
processes from exchanging with the same site at the same time.

`start_run(channel, role)` claims the channel (None when a run of it is already going and not stale)
and returns the run's id; `finish_run(id, ...)` writes what went, what came and the first error;
`recent_runs(channel)` reads them back, newest first.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from server.db import is_sqlite, write_tx
from server.domain.exchange.tables import RUN_ROLES, ExchangeRun

STALE_AFTER = timedelta(minutes=30)  # a "running" run older than this was cut short (a process died)
_LOCK_NAMESPACE = 7_416  # pg_advisory_xact_lock(7416, crc32(channel)) while claiming a channel
KEEP_RUNS = 200  # per channel; older runs are deleted when a new one starts


@dataclass
class RunReport:
    """What a run did; `finish_run` stores it."""

    sent: dict[str, Any] = field(default_factory=dict)
    received: dict[str, Any] = field(default_factory=dict)
    orders_received: int = 0
    error: str = ""
    notes: list[str] = field(default_factory=list)
    cursor_from: int = 0
    cursor_to: int = 0
    full: bool = False

    @property
    def ok(self) -> bool:
        return not self.error

    def count(self, where: str, key: str, n: int = 1) -> None:
        box = self.sent if where == "sent" else self.received
        box[key] = box.get(key, 0) + n

    def note(self, text: str) -> None:
        if len(self.notes) < 100 and text not in self.notes:
            self.notes.append(text[:500])

    def fail(self, text: str) -> None:
        """Keeps the first error (later ones become notes)."""
        if not self.error:
            self.error = (text or "?")[:2000]
        else:
            self.note(text)


async def start_run(channel: str, role: str = "site", *, full: bool = False, cursor: int = 0,
                    exclusive: bool = True) -> int | None:
    """A new running run of the channel, or None when another one is running (and not stale).
    exclusive=False: a run that only records (the shop's 1C calling; it may hold several sessions)."""
    if role not in RUN_ROLES:
        raise ValueError(f"unknown exchange role {role!r}")
    now = datetime.now(UTC)
    if not exclusive:
        async with write_tx():
            rows = await ExchangeRun.insert(ExchangeRun(channel=channel, role=role, status="success", full=full,
                                                        started_at=now, finished_at=now))
            await _prune(channel)
        return int(rows[0]["id"])
    async with write_tx():
        if not is_sqlite():
            await ExchangeRun.raw("SELECT pg_advisory_xact_lock({}, {})", _LOCK_NAMESPACE,
                                  zlib.crc32(f"{role}:{channel}".encode()) & 0x7FFFFFFF)
        running = await ExchangeRun.select(ExchangeRun.id).where(
            (ExchangeRun.channel == channel) & (ExchangeRun.role == role) & (ExchangeRun.status == "running")
            & (ExchangeRun.started_at > now - STALE_AFTER)).first()
        if running is not None:
            return None
        await ExchangeRun.update({ExchangeRun.status: "failed", ExchangeRun.finished_at: now,
                                  ExchangeRun.error: "Обмен прерван: процесс остановился"}).where(
            (ExchangeRun.channel == channel) & (ExchangeRun.role == role) & (ExchangeRun.status == "running"))
        rows = await ExchangeRun.insert(ExchangeRun(channel=channel, role=role, status="running", full=full,
                                                    started_at=now, cursor_from=cursor, cursor_to=cursor))
        await _prune(channel)
    return int(rows[0]["id"])


async def _prune(channel: str) -> None:
    old = await ExchangeRun.select(ExchangeRun.id).where(ExchangeRun.channel == channel).order_by(
        ExchangeRun.id, ascending=False).offset(KEEP_RUNS).first()
    if old is not None:
        await ExchangeRun.delete().where((ExchangeRun.channel == channel) & (ExchangeRun.id <= old["id"]))


async def finish_run(run_id: int, report: RunReport) -> None:
    async with write_tx():
        await ExchangeRun.update({
            ExchangeRun.status: "success" if report.ok else "failed", ExchangeRun.finished_at: datetime.now(UTC),
            ExchangeRun.sent: report.sent, ExchangeRun.received: report.received,
            ExchangeRun.orders_received: report.orders_received, ExchangeRun.error: report.error,
            ExchangeRun.notes: report.notes, ExchangeRun.full: report.full,
            ExchangeRun.cursor_from: report.cursor_from, ExchangeRun.cursor_to: report.cursor_to,
        }).where(ExchangeRun.id == run_id)


async def add_to_run(run_id: int, *, sent: dict[str, int] | None = None, received: dict[str, int] | None = None,
                     orders_received: int = 0, error: str = "", notes: list[str] | None = None) -> None:
    """Adds counts (and an error or notes) to a run that goes on over several requests (the shop's 1C
    calling Kladovka); the run counts as finished now, failed if any step failed."""
    async with write_tx():
        row = await ExchangeRun.select().where(ExchangeRun.id == run_id).output(load_json=True).first()
        if row is None:
            return
        merged_sent, merged_received = dict(row["sent"] or {}), dict(row["received"] or {})
        for box, add in ((merged_sent, sent or {}), (merged_received, received or {})):
            for key, n in add.items():
                box[key] = box.get(key, 0) + n
        all_notes = [*(row["notes"] or []), *(notes or [])][:100]
        await ExchangeRun.update({
            ExchangeRun.sent: merged_sent, ExchangeRun.received: merged_received,
            ExchangeRun.orders_received: row["orders_received"] + orders_received,
            ExchangeRun.error: row["error"] or error[:2000], ExchangeRun.notes: all_notes,
            ExchangeRun.status: "failed" if (row["error"] or error) else "success",
            ExchangeRun.finished_at: datetime.now(UTC)}).where(ExchangeRun.id == run_id)


async def recent_runs(channel: str, limit: int = 20) -> list[dict]:
    """The channel's runs, newest first: started/finished, status, full, sent, received, orders, error."""
    return await ExchangeRun.select().where(ExchangeRun.channel == channel).order_by(
        ExchangeRun.id, ascending=False).limit(max(1, min(int(limit), 200))).output(load_json=True)


async def last_started(channels: list[str], role: str = "site") -> dict[str, datetime]:
    """When each channel's newest run started (channels that never ran are absent)."""
    if not channels:
        return {}
    rows = await ExchangeRun.raw(
        f"SELECT channel, MAX(started_at) AS at FROM exchange_run WHERE role = {{}} AND channel IN "
        f"({', '.join('{}' for _ in channels)}) GROUP BY channel", role, *channels)
    found = {}
    for r in rows:
        at = r["at"]
        if isinstance(at, str):  # SQLite's MAX() gives the stored text
            at = datetime.fromisoformat(at)
        if at is not None:
            found[r["channel"]] = at if at.tzinfo else at.replace(tzinfo=UTC)
    return found
