"""Balance rows: locking them in one fixed order and writing them back. Internal.

Only stock/documents.py (through _posting.py) and stock/reservations.py call this module; nothing
else writes StockBalance or BinBalance (except balances.rebuild_balances, which repairs them).

Locking: every transaction that touches several balances locks them sorted by (variant, warehouse)
— and bin balances sorted by (variant, bin), after the warehouse ones — one row at a time. On
PostgreSQL that is `SELECT … FOR UPDATE` (a missing row is first inserted with ON CONFLICT DO
NOTHING, then locked); on SQLite the IMMEDIATE write transaction already excludes other writers.
The caller changes the returned objects in memory and calls `save()` before the transaction ends.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from server.db import in_transaction, is_sqlite
from server.domain.stock.tables import BinBalance, StockBalance

Key = tuple[int, int]


@dataclass
class Balance:
    id: int
    variant: int
    warehouse: int
    on_hand: int
    reserved: int
    value: int
    dirty: bool = False

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass
class BinStock:
    id: int
    variant: int
    bin: int
    on_hand: int
    dirty: bool = False


_BAL_COLS = "id, variant, warehouse, on_hand, reserved, value"


async def share_warehouses(ids) -> None:
    """PostgreSQL: FOR SHARE on the warehouse rows a posting or reservation is about to use, taken
    before the balances. Closing a warehouse holds FOR UPDATE on its row, so either the close waits for
    this transaction (and then sees its stock) or this transaction waits and sees the warehouse closed.
    SQLite's IMMEDIATE transaction already excludes the close."""
    _check_tx()
    wanted = sorted({i for i in ids if isinstance(i, int)})
    if is_sqlite() or not wanted:
        return
    marks = ", ".join("{}" for _ in wanted)
    await StockBalance.raw(f"SELECT id FROM warehouse WHERE id IN ({marks}) ORDER BY id FOR SHARE", *wanted)


def _check_tx() -> None:
    if not in_transaction():
        raise RuntimeError("balances may only be locked inside write_tx()")


def _balance(row: dict) -> Balance:
    return Balance(id=row["id"], variant=row["variant"], warehouse=row["warehouse"],
                   on_hand=row["on_hand"], reserved=row["reserved"], value=row["value"])


def _bin_stock(row: dict) -> BinStock:
    return BinStock(id=row["id"], variant=row["variant"], bin=row["bin"], on_hand=row["on_hand"])


async def lock_balances(keys: Iterable[Key], *, create: bool = True) -> dict[Key, Balance]:
    """Locks the (variant, warehouse) balances in sorted order. create=False leaves missing rows
    out of the result (nothing to reserve there); create=True makes them with zeros."""
    _check_tx()
    ordered = sorted(set(keys))
    if not ordered:
        return {}
    if is_sqlite():
        return await _sqlite_rows(StockBalance, _BAL_COLS, "warehouse", ordered, create, _balance,
                                  "variant, warehouse, on_hand, reserved, value", "0, 0, 0")
    found: dict[Key, Balance] = {}
    for variant, warehouse in ordered:
        sql = f"SELECT {_BAL_COLS} FROM stock_balance WHERE variant = {{}} AND warehouse = {{}} FOR UPDATE"
        rows = await StockBalance.raw(sql, variant, warehouse)
        if not rows and create:
            await StockBalance.raw(
                "INSERT INTO stock_balance (variant, warehouse, on_hand, reserved, value) "
                "VALUES ({}, {}, 0, 0, 0) ON CONFLICT (variant, warehouse) DO NOTHING", variant, warehouse)
            rows = await StockBalance.raw(sql, variant, warehouse)
        if rows:
            found[(variant, warehouse)] = _balance(rows[0])
    return found


async def lock_bin_stock(keys: Iterable[Key]) -> dict[Key, BinStock]:
    """Locks (variant, bin) rows in sorted order, creating missing ones. Call after lock_balances."""
    _check_tx()
    ordered = sorted(set(keys))
    if not ordered:
        return {}
    cols = "id, variant, bin, on_hand"
    if is_sqlite():
        return await _sqlite_rows(BinBalance, cols, "bin", ordered, True, _bin_stock,
                                  "variant, bin, on_hand", "0")
    found: dict[Key, BinStock] = {}
    for variant, bin_id in ordered:
        sql = f"SELECT {cols} FROM bin_balance WHERE variant = {{}} AND bin = {{}} FOR UPDATE"
        rows = await BinBalance.raw(sql, variant, bin_id)
        if not rows:
            await BinBalance.raw("INSERT INTO bin_balance (variant, bin, on_hand) VALUES ({}, {}, 0) "
                                 "ON CONFLICT (variant, bin) DO NOTHING", variant, bin_id)
            rows = await BinBalance.raw(sql, variant, bin_id)
        found[(variant, bin_id)] = _bin_stock(rows[0])
    return found


async def _sqlite_rows(table, cols: str, second: str, ordered: list[Key], create: bool, make,
                       insert_cols: str, zeros: str) -> dict:
    """SQLite: one SELECT for all keys (the IMMEDIATE transaction is the lock), one INSERT for the
    missing ones."""
    name = table._meta.tablename
    variants = sorted({k[0] for k in ordered})
    seconds = sorted({k[1] for k in ordered})
    marks_v = ", ".join("{}" for _ in variants)
    marks_s = ", ".join("{}" for _ in seconds)
    rows = await table.raw(f"SELECT {cols} FROM {name} WHERE variant IN ({marks_v}) AND {second} IN ({marks_s})",
                           *variants, *seconds)
    wanted = set(ordered)
    found = {(r["variant"], r[second]): make(r) for r in rows if (r["variant"], r[second]) in wanted}
    missing = [k for k in ordered if k not in found]
    if missing and create:
        values = ", ".join(f"({{}}, {{}}, {zeros})" for _ in missing)
        args = [x for key in missing for x in key]
        inserted = await table.raw(f"INSERT INTO {name} ({insert_cols}) VALUES {values} RETURNING {cols}", *args)
        for r in inserted:
            found[(r["variant"], r[second])] = make(r)
    return found


async def save(balances: Iterable[Balance] = (), bins: Iterable[BinStock] = ()) -> None:
    """Writes back the rows changed in memory (they are locked by this transaction): one UPDATE per
    table, whatever the number of rows."""
    _check_tx()
    changed = sorted((b for b in balances if b.dirty), key=lambda b: (b.variant, b.warehouse))
    await update_rows("stock_balance", ("on_hand", "reserved", "value"),
                      [(b.id, b.on_hand, b.reserved, b.value) for b in changed])
    stocks = sorted((s for s in bins if s.dirty), key=lambda s: (s.variant, s.bin))
    await update_rows("bin_balance", ("on_hand",), [(s.id, s.on_hand) for s in stocks])
    for row in (*changed, *stocks):
        row.dirty = False


_UPDATE_FROM = sqlite3.sqlite_version_info >= (3, 33, 0)  # UPDATE … FROM, as PostgreSQL has it


async def update_rows(table: str, columns: tuple[str, ...], rows: list[tuple[int, ...]]) -> None:
    """Sets `columns` of the rows whose ids come first in each tuple, in one statement."""
    if not rows:
        return
    if len(rows) == 1 or (is_sqlite() and not _UPDATE_FROM):
        sets = ", ".join(f"{c} = {{}}" for c in columns)
        for row_id, *values in rows:
            await StockBalance.raw(f"UPDATE {table} SET {sets} WHERE id = {{}}", *values, row_id)
        return
    one = "(" + ", ".join("CAST({} AS BIGINT)" for _ in range(len(columns) + 1)) + ")"
    sets = ", ".join(f"{c} = v.{c}" for c in columns)
    await StockBalance.raw(
        f"WITH v(id, {', '.join(columns)}) AS (VALUES {', '.join(one for _ in rows)}) "
        f"UPDATE {table} SET {sets} FROM v WHERE {table}.id = v.id", *[x for row in rows for x in row])


def apply(balance: Balance, qty: int, cost: int) -> None:
    """A move of signed qty and signed cost lands on the balance (in memory)."""
    balance.on_hand += qty
    balance.value += cost
    balance.dirty = True


def apply_bin(stock: BinStock, qty: int) -> None:
    stock.on_hand += qty
    stock.dirty = True


def add_reserved(balance: Balance, qty: int) -> None:
    balance.reserved += qty
    balance.dirty = True


async def reserve_units(balance: Balance, qty: int) -> bool:
    """Conditional UPDATE: adds `qty` to reserved only if that much is available. The row lock is
    already held; the condition is the guard the invariants rest on."""
    rows = await StockBalance.raw(
        "UPDATE stock_balance SET reserved = reserved + {} WHERE id = {} AND on_hand - reserved >= {} "
        "RETURNING reserved", qty, balance.id, qty)
    if rows:
        balance.reserved = rows[0]["reserved"]
    return bool(rows)


async def unreserve_units(balance: Balance, qty: int) -> bool:
    rows = await StockBalance.raw(
        "UPDATE stock_balance SET reserved = reserved - {} WHERE id = {} AND reserved >= {} RETURNING reserved",
        qty, balance.id, qty)
    if rows:
        balance.reserved = rows[0]["reserved"]
    return bool(rows)
