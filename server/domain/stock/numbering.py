"""Document numbers: one series per kind, "ПР-000001", unique and gap-tolerant.

The next number is max + 1 within the write transaction. On SQLite the IMMEDIATE transaction already
serialises writers; on PostgreSQL a transaction-scoped advisory lock per kind does, and the unique
constraint on `number` stays the last line of defence.
"""

from __future__ import annotations

from server.db import in_transaction, is_sqlite
from server.domain.stock.tables import DOCUMENT_KINDS, StockDocument

PREFIXES = {
    "receipt": "ПР",
    "transfer": "ПМ",
    "write_off": "СП",
    "inventory": "ИН",
    "shipment": "ОТ",
    "return": "ВЗ",
}
_LOCK_NAMESPACE = 7_411  # first key of pg_advisory_xact_lock(int, int); the second is the kind
WIDTH = 6


def format_number(kind: str, n: int) -> str:
    return f"{PREFIXES[kind]}-{n:0{WIDTH}d}"


async def next_number(kind: str) -> str:
    """Call inside write_tx (asserted): the number is only safe until that transaction ends."""
    if not in_transaction():
        raise RuntimeError("next_number() must run inside write_tx()")
    prefix = PREFIXES[kind]
    if not is_sqlite():
        await StockDocument.raw("SELECT pg_advisory_xact_lock({}, {})", _LOCK_NAMESPACE,
                                DOCUMENT_KINDS.index(kind))
    rows = await StockDocument.raw(
        "SELECT MAX(CAST(SUBSTR(number, {}) AS INTEGER)) AS n FROM stock_document "
        "WHERE kind = {} AND number LIKE {}",
        len(prefix) + 2, kind, f"{prefix}-%",
    )
    last = rows[0]["n"] if rows and rows[0]["n"] is not None else 0
    return format_number(kind, int(last) + 1)
