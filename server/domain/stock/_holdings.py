"""What a warehouse or a bin still holds, read before it is closed. Internal: read-only.

Balances change only through documents.py and reservations.py; here they are only read. Inside a
write transaction on PostgreSQL the rows are locked (`FOR UPDATE`, in variant order like every
ledger writer) so a posting that is running at the same moment finishes first and is counted; on
SQLite the IMMEDIATE transaction already keeps other writers out.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.db import in_transaction, is_sqlite
from server.domain.stock.tables import BinBalance, Reservation, StockBalance


@dataclass(frozen=True)
class Held:
    skus: int = 0  # goods with a positive balance
    units: int = 0  # their units
    short_skus: int = 0  # goods below zero (warehouses that allow negative stock)
    short_units: int = 0  # how far below zero, as a positive number
    reserved_units: int = 0
    reserved_orders: int = 0

    @property
    def empty(self) -> bool:
        return not (self.skus or self.short_skus or self.reserved_units)


def _lock() -> str:
    return " FOR UPDATE" if in_transaction() and not is_sqlite() else ""


def _split(quantities: list[int]) -> dict[str, int]:
    plus = [q for q in quantities if q > 0]
    minus = [-q for q in quantities if q < 0]
    return {"skus": len(plus), "units": sum(plus), "short_skus": len(minus), "short_units": sum(minus)}


async def warehouse_held(warehouse_id: int) -> Held:
    """On hand (split into positive and below zero) and the active reservations of a warehouse."""
    rows = await StockBalance.raw(
        f"SELECT id, on_hand FROM stock_balance WHERE warehouse = {{}} ORDER BY variant{_lock()}", warehouse_id)
    reserved = await Reservation.raw(
        "SELECT COUNT(DISTINCT order_ref) AS orders, COALESCE(SUM(qty), 0) AS units FROM reservation "
        "WHERE warehouse = {} AND status = 'active'", warehouse_id)
    first = reserved[0] if reserved else {}
    return Held(**_split([int(r["on_hand"]) for r in rows]), reserved_units=int(first.get("units") or 0),
                reserved_orders=int(first.get("orders") or 0))


async def bin_held(bin_id: int) -> Held:
    """What lies in one bin (BinBalance.on_hand, positive and below zero)."""
    rows = await BinBalance.raw(
        f"SELECT id, on_hand FROM bin_balance WHERE bin = {{}} ORDER BY variant{_lock()}", bin_id)
    return Held(**_split([int(r["on_hand"]) for r in rows]))


async def bin_goods(bin_id: int) -> list[dict]:
    """[{"variant_id","sku","name","on_hand"}] of one bin, on_hand != 0, by SKU."""
    rows = await BinBalance.raw(
        "SELECT v.id AS variant_id, v.sku AS sku, p.name AS product, v.name AS variant, bb.on_hand AS on_hand "
        "FROM bin_balance bb JOIN variant v ON v.id = bb.variant JOIN product p ON p.id = v.product "
        "WHERE bb.bin = {} AND bb.on_hand <> 0 ORDER BY v.sku", bin_id)
    return [{"variant_id": r["variant_id"], "sku": r["sku"], "on_hand": int(r["on_hand"]),
             "name": ", ".join(p for p in (r["product"], r["variant"]) if p)} for r in rows]
