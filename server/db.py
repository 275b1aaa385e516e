"""Transactions and engine helpers shared by every domain service.

`write_tx()` is the unit of work: IMMEDIATE on SQLite (one writer at a time, waits on the lock),
a plain transaction on PostgreSQL (row locks are taken by the services, in id order).
Nested calls join the outer transaction; the outermost exit commits, any exception rolls back.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

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
        tx = eng.transaction(transaction_type=TransactionType.immediate)
    else:
        tx = eng.transaction()
    async with tx as t:
        yield t


def in_transaction() -> bool:
    return engine().current_transaction.get() is not None
