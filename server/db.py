"""Transactions and engine helpers shared by every domain service.

`write_tx()` is the unit of work: IMMEDIATE on SQLite (one writer at a time, waits on the lock),
a plain transaction on PostgreSQL (row locks are taken by the services, in id order).
Nested calls join the outer transaction; the outermost exit commits, any exception rolls back.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine, TransactionType


def engine():
    found = engine_finder()
    if found is None:  # pragma: no cover - PICCOLO_CONF is set in server/__init__
        raise RuntimeError("Piccolo engine not configured")
    return found


def is_sqlite() -> bool:
    return isinstance(engine(), SQLiteEngine)


@asynccontextmanager
async def write_tx():
    eng = engine()
    current = eng.current_transaction.get()
    if current is not None:
        yield current
        return
    if isinstance(eng, SQLiteEngine):
        async with _sqlite_writer():
            async with _transaction(eng.transaction(transaction_type=TransactionType.immediate)) as t:
                yield t
        return
    async with _transaction(eng.transaction()) as t:
        yield t


@asynccontextmanager
async def _sqlite_writer():
    """SQLite has one writer. Writers of this process queue on an asyncio lock instead of polling the
    database's busy lock (which sleeps and retries): under 200 concurrent order intakes that polling
    made them twice as slow as running them one after another. Other processes still meet the busy
    timeout. A writer that waits a minute gets an error instead of hanging."""
    loop = asyncio.get_running_loop()
    lock = _WRITERS.get(loop)
    if lock is None:
        lock = _WRITERS[loop] = asyncio.Lock()
    try:
        await asyncio.wait_for(lock.acquire(), timeout=60)
    except TimeoutError:
        raise RuntimeError("waited over a minute for the SQLite write lock of this process") from None
    try:
        yield
    finally:
        lock.release()


_WRITERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


@asynccontextmanager
async def _transaction(tx):
    async with tx as t:
        hooks: dict[str, tuple[Any, Callable[[Any], Awaitable[None]]]] = {}
        _BEFORE_COMMIT[id(t)] = hooks
        try:
            yield t
            done: set[str] = set()
            while len(done) < len(hooks):  # a hook may register another one
                key = next(k for k in hooks if k not in done)
                done.add(key)
                state, callback = hooks[key]
                await callback(state)
        finally:
            del _BEFORE_COMMIT[id(t)]


_BEFORE_COMMIT: dict[int, dict[str, tuple[Any, Callable[[Any], Awaitable[None]]]]] = {}


def before_commit(key: str, callback: Callable[[Any], Awaitable[None]], initial: Callable[[], Any]) -> Any:
    """Per-transaction state under `key` (made with initial() on first use in this transaction), and
    `await callback(state)` run once, inside the transaction, just before the outermost write_tx()
    commits — never after a rollback. Lets a service batch its writes into one statement per transaction
    (the change log does). None when the current transaction was not opened by write_tx()."""
    current = engine().current_transaction.get()
    hooks = _BEFORE_COMMIT.get(id(current)) if current is not None else None
    if hooks is None:
        return None
    if key not in hooks:
        hooks[key] = (initial(), callback)
    return hooks[key][0]


def is_unique_violation(exc: BaseException) -> bool:
    """The database refused a row because a unique index already holds its key (a concurrent writer
    got in first): SQLite's IntegrityError "UNIQUE constraint failed", asyncpg's UniqueViolationError."""
    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE" in str(exc).upper()
    try:
        from asyncpg.exceptions import UniqueViolationError
    except ImportError:  # pragma: no cover - asyncpg is installed with piccolo[postgres]
        return False
    return isinstance(exc, UniqueViolationError)


def in_transaction() -> bool:
    return engine().current_transaction.get() is not None
