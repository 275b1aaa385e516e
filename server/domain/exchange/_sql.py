"""Batched statements for the import (one round trip per few hundred rows, on both databases). Internal.

Piccolo's per-object insert costs about half a millisecond a row; a catalog of 100 000 variants needs
multi-row INSERTs. Placeholders are Piccolo's `{}`; rows are chunked below both databases' limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from server.domain.exchange.tables import ExternalRef

CHUNK_PARAMS = 8000  # SQLite allows 32 766 variables, asyncpg 32 767


def chunks(rows: Sequence, width: int) -> Iterable[Sequence]:
    size = max(1, CHUNK_PARAMS // max(1, width))
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


async def raw(sql: str, *args: Any) -> list[dict]:
    return await ExternalRef.raw(sql, *args)


async def insert_rows(table: str, columns: Sequence[str], rows: Sequence[tuple], *, returning: str = "",
                      conflict: str = "") -> list[dict]:
    """INSERT … VALUES (…), (…) [ON CONFLICT …] [RETURNING …]; returns the RETURNING rows."""
    found: list[dict] = []
    one = "(" + ", ".join("{}" for _ in columns) + ")"
    tail = (f" {conflict}" if conflict else "") + (f" RETURNING {returning}" if returning else "")
    for part in chunks(rows, len(columns)):
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join(one for _ in part)}{tail}"
        result = await raw(sql, *[x for row in part for x in row])
        if returning:
            found.extend(result)
    return found


async def select_in(sql: str, values: Sequence[Any], *before: Any) -> list[dict]:
    """Runs `sql` (with one `{in}` for the list, after any `before` parameters) over chunks of values."""
    out: list[dict] = []
    unique = sorted(set(values), key=str)
    for part in chunks(unique, 1):
        marks = ", ".join("{}" for _ in part)
        out.extend(await raw(sql.replace("{in}", marks), *before, *part))
    return out
