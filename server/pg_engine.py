"""A PostgreSQL engine whose connection pool belongs to the event loop that uses it.

An asyncpg pool is bound to the loop that created it. Piccolo keeps one `pool` per engine, so a
process with more than one loop (the test client runs the app on a loop of its own, next to the
tests' loop; a worker thread runs its own) could pool on at most one of them and opened a connection
per query on the others: about 10 ms each on this machine against 0.1 ms for the query itself.
Here `pool` is looked up by the running loop: every loop may start (and must close) its own pool,
and a loop without one still opens a connection per query, as before."""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from piccolo.engine.postgres import PostgresEngine


class LoopPooledPostgresEngine(PostgresEngine):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()
        super().__init__(*args, **kwargs)

    @property
    def pool(self):  # type: ignore[override]
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        return self._pools.get(loop)

    @pool.setter
    def pool(self, value) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            if value is None:  # Piccolo's __init__ clears it before any loop runs
                return
            raise RuntimeError("a connection pool can only be set from inside a running event loop") from None
        if value is None:
            self._pools.pop(loop, None)
        else:
            self._pools[loop] = value
