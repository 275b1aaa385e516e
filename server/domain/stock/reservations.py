"""Reservations: reserve, release, consume. (Contract stub.)"""

from __future__ import annotations

from server.domain.stock.dto import ReserveRequest, ReserveResult


async def reserve(order_ref: str, warehouse_id: int, requests: list[ReserveRequest], *,
                  partial: bool = False, actor: str = "system") -> list[ReserveResult]:
    """Conditional UPDATE … WHERE on_hand - reserved >= qty, locks in variant-id order.
    partial=False: all lines or nothing (InsufficientStock listing every short line);
    partial=True: reserve what is available, the rest is reported as shortage (reserved < requested)."""
    raise NotImplementedError


async def release(order_ref: str, *, actor: str = "system") -> int:
    """Releases every active reservation of order_ref; returns units released."""
    raise NotImplementedError


async def consume(order_ref: str, *, actor: str = "system") -> int | None:
    """Ships the active reservations of order_ref: a posted `shipment` document (moves to the
    customer at moving-average cost) written in the same transaction. Returns the document id."""
    raise NotImplementedError
