"""The outbox worker: hands due events to the handlers of their topic, at least once.

- `register(topic, handler)` adds an async handler `handler(event: Event) -> None`. Several handlers
  may share a topic; all of them run again when any of them fails, so each one must be idempotent
  (de-duplicate by `event.event_id`: see server/domain/notify/deliveries.py). Only events of
  registered topics are claimed: an event whose consumer is not deployed yet waits, it is not lost.
- `run_once(limit)` claims up to `limit` due events, runs their handlers one after another and marks
  each 'done'; a handler's exception reschedules the event with exponential backoff
  (RetryPolicy: 10 s · 2^(attempt-1), at most an hour) and after `max_attempts` marks it 'failed'.
- Claiming is a lease: in one write transaction the due rows are picked (PostgreSQL:
  `FOR UPDATE SKIP LOCKED`, so parallel workers take different rows; SQLite: the IMMEDIATE
  transaction admits one writer), their `available_at` moves to the end of the lease, `attempts` grows
  by one and `locked_by` gets this batch's claim token. Handlers run outside that transaction. The
  outcome is written only `WHERE locked_by = <token>`: a worker that outlived its lease changes
  nothing. A worker that dies mid-batch leaves the rows to be claimed again when the lease ends.
- `run_forever(stop)` polls (every second by default) until `stop` is set; `wake()` makes a waiting
  loop in this process look at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from server.db import is_sqlite, write_tx
from server.domain.outbox.manage import purge_delivered, retry
from server.domain.outbox.tables import OutboxEvent

__all__ = ["Batch", "Event", "Handler", "RetryPolicy", "Worker", "handlers_for", "register", "registered_topics",
           "retry", "run_forever", "run_once", "unregister", "wake"]

log = logging.getLogger("kladovka.outbox")
PURGE_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class Event:
    id: int
    event_id: uuid.UUID
    topic: str
    payload: dict[str, Any]
    attempts: int  # this delivery attempt included (1 on the first)
    created_at: datetime


Handler = Callable[[Event], Awaitable[None]]
_handlers: dict[str, list[Handler]] = {}


def register(topic: str, handler: Handler) -> None:
    """Adds a handler for a topic (registering the same function twice keeps one)."""
    found = _handlers.setdefault(topic, [])
    if handler not in found:
        found.append(handler)


def unregister(topic: str, handler: Handler | None = None) -> None:
    """Removes one handler of a topic, or all of them."""
    if handler is None:
        _handlers.pop(topic, None)
        return
    found = _handlers.get(topic, [])
    if handler in found:
        found.remove(handler)
    if not found:
        _handlers.pop(topic, None)


def handlers_for(topic: str) -> list[Handler]:
    return list(_handlers.get(topic, []))


def registered_topics() -> list[str]:
    return sorted(_handlers)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_delay: float = 10.0  # seconds before the second attempt
    max_delay: float = 3600.0

    def delay(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt: 10 s, 20 s, 40 s … capped."""
        seconds = self.base_delay * (2 ** max(0, attempts - 1))
        return timedelta(seconds=min(seconds, self.max_delay))


@dataclass(frozen=True)
class Batch:
    claimed: int = 0
    done: int = 0
    retried: int = 0
    failed: int = 0


def _now() -> datetime:
    return datetime.now(UTC)


def _error_text(exc: BaseException) -> str:
    text = str(exc).strip()
    return (f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:2000]


class Worker:
    """One delivering loop. `name` shows up in the claim tokens (host:pid by default)."""

    def __init__(self, policy: RetryPolicy | None = None, *, lease_seconds: float = 300.0,
                 handler_timeout: float = 120.0, name: str | None = None,
                 keep_done: timedelta = timedelta(days=30)) -> None:
        self.policy = policy or RetryPolicy()
        self.lease = timedelta(seconds=lease_seconds)
        self.handler_timeout = handler_timeout
        self.keep_done = keep_done  # delivered events are purged after this long (the loop does it hourly)
        self.name = (name or f"{socket.gethostname()}:{os.getpid()}")[:40]

    async def run_once(self, limit: int = 20) -> Batch:
        """Claims and delivers up to `limit` due events; returns what became of them."""
        token = f"{self.name}:{uuid.uuid4().hex[:16]}"
        claimed_at = _now()
        events = await self._claim(limit, token)
        done = retried = failed = 0
        for event in events:
            if _now() - claimed_at > self.lease / 3 and not await self._renew(event, token):
                continue  # slow batch: the lease of this one ran out and another worker has it
            outcome = await self._deliver(event, token)
            done += outcome == "done"
            retried += outcome == "pending"
            failed += outcome == "failed"
        return Batch(claimed=len(events), done=done, retried=retried, failed=failed)

    async def _claim(self, limit: int, token: str) -> list[Event]:
        topics = registered_topics()
        if not topics or limit <= 0:
            return []
        now = _now()
        due = ((OutboxEvent.status == "pending") & (OutboxEvent.available_at <= now)
               & OutboxEvent.topic.is_in(topics))
        if not await OutboxEvent.exists().where(due):  # idle: no write lock taken
            return []
        async with write_tx():
            query = (OutboxEvent.select(OutboxEvent.id).where(due)
                     .order_by(OutboxEvent.available_at, OutboxEvent.id).limit(limit))
            if not is_sqlite():
                query = query.lock_rows("UPDATE", skip_locked=True)
            ids = [row["id"] for row in await query]
            if not ids:
                return []
            await OutboxEvent.update({OutboxEvent.available_at: now + self.lease, OutboxEvent.locked_by: token,
                                      OutboxEvent.attempts: OutboxEvent.attempts + 1}).where(
                OutboxEvent.id.is_in(ids))
            rows = await (OutboxEvent.select(OutboxEvent.id, OutboxEvent.event_id, OutboxEvent.topic,
                                             OutboxEvent.payload, OutboxEvent.attempts, OutboxEvent.created_at)
                          .where(OutboxEvent.id.is_in(ids)).order_by(OutboxEvent.available_at, OutboxEvent.id)
                          .output(load_json=True))
        return [Event(id=r["id"], event_id=_uuid(r["event_id"]), topic=r["topic"], payload=r["payload"] or {},
                      attempts=r["attempts"], created_at=r["created_at"]) for r in rows]

    async def _renew(self, event: Event, token: str) -> bool:
        """Extends the lease of an event still held by this batch; False when it is no longer ours."""
        async with write_tx():
            kept = await OutboxEvent.update({OutboxEvent.available_at: _now() + self.lease}).where(
                (OutboxEvent.id == event.id) & (OutboxEvent.locked_by == token)
                & (OutboxEvent.status == "pending")).returning(OutboxEvent.id)
        return bool(kept)

    async def _deliver(self, event: Event, token: str) -> str:
        try:
            for handler in handlers_for(event.topic):
                await asyncio.wait_for(handler(event), timeout=self.handler_timeout)
        except Exception as exc:  # any failure: try again later (or give up after max_attempts)
            return await self._reschedule(event, token, exc)
        await self._settle(event, token, {OutboxEvent.status: "done", OutboxEvent.processed_at: _now(),
                                          OutboxEvent.last_error: ""})
        return "done"

    async def _reschedule(self, event: Event, token: str, exc: Exception) -> str:
        error = _error_text(exc)
        if event.attempts >= self.policy.max_attempts:
            log.error("outbox event %s (%s) failed for good after %s attempts: %s", event.event_id, event.topic,
                      event.attempts, error)
            await self._settle(event, token, {OutboxEvent.status: "failed", OutboxEvent.processed_at: _now(),
                                              OutboxEvent.last_error: error})
            return "failed"
        log.warning("outbox event %s (%s), attempt %s: %s", event.event_id, event.topic, event.attempts, error)
        await self._settle(event, token, {OutboxEvent.available_at: _now() + self.policy.delay(event.attempts),
                                          OutboxEvent.last_error: error})
        return "pending"

    async def _settle(self, event: Event, token: str, values: dict) -> None:
        async with write_tx():
            changed = await OutboxEvent.update({**values, OutboxEvent.locked_by: ""}).where(
                (OutboxEvent.id == event.id) & (OutboxEvent.locked_by == token)).returning(OutboxEvent.id)
        if not changed:
            log.warning("outbox event %s: the lease ran out before the handlers finished", event.event_id)

    async def run_forever(self, stop: asyncio.Event, *, poll_interval: float = 1.0, limit: int = 20) -> None:
        """Delivers until `stop` is set. A full batch is followed at once by the next; otherwise the loop
        waits `poll_interval` (or until wake()). A database outage is logged and retried with backoff."""
        wakeup = asyncio.Event()
        _wakeups.add(wakeup)
        try:
            await self._loop(stop, wakeup, poll_interval, limit)
        finally:
            _wakeups.discard(wakeup)

    async def _loop(self, stop: asyncio.Event, wakeup: asyncio.Event, poll_interval: float, limit: int) -> None:
        failures = 0
        next_purge = _now()
        while not stop.is_set():
            if _now() >= next_purge:
                next_purge = _now() + PURGE_EVERY
                await self._purge()
            try:
                batch = await self.run_once(limit)
                failures = 0
            except Exception:
                failures += 1
                log.exception("outbox worker: a batch failed (%s in a row)", failures)
                batch = Batch()
            if batch.claimed >= limit and not failures:
                await asyncio.sleep(0)
                continue
            await _wait(stop, wakeup, poll_interval * (2 ** min(failures, 6)) if failures else poll_interval)


    async def _purge(self) -> None:
        try:
            purged = await purge_delivered(self.keep_done)
        except Exception:
            log.exception("outbox worker: purging delivered events failed")
            return
        if purged:
            log.info("outbox worker: %s delivered events older than %s purged", purged, self.keep_done)


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


_wakeups: set[asyncio.Event] = set()  # one per run_forever loop of this process


def wake() -> None:
    """Makes the waiting run_forever loops of this process look for events at once (call it from the
    event loop they run on, after the transaction that emitted has committed)."""
    for wakeup in list(_wakeups):
        wakeup.set()


async def _wait(stop: asyncio.Event, wakeup: asyncio.Event, seconds: float) -> None:
    waiters = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wakeup.wait())}
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        wakeup.clear()


_default = Worker()


async def run_once(limit: int = 20) -> Batch:
    """One batch with the default worker (RetryPolicy() : 8 attempts, 10 s · 2^n, capped at an hour)."""
    return await _default.run_once(limit)


async def run_forever(stop: asyncio.Event, poll_interval: float = 1.0) -> None:
    await _default.run_forever(stop, poll_interval=poll_interval)
