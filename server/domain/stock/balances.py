"""Reading stock and proving balances equal the sum of moves. (Contract stub.)"""

from __future__ import annotations

from server.domain.stock.dto import RebuildReport, StockLevel


async def stock_levels(variant_id: int | None = None, *, sku: str | None = None) -> list[StockLevel]:
    """Per warehouse (every active warehouse, zeros included)."""
    raise NotImplementedError


async def bin_levels(variant_id: int) -> list[dict]:
    """[{"warehouse_id","bin_id","address","on_hand"}] with on_hand != 0."""
    raise NotImplementedError


async def rebuild_balances(dry_run: bool = False) -> RebuildReport:
    """Recomputes StockBalance/BinBalance on_hand and value from StockMove and reserved from active
    Reservations; lists every difference; fixes them unless dry_run."""
    raise NotImplementedError
