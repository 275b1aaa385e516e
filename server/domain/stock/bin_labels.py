"""Bin labels: each bin's address as Code 128 with the address in big letters, for location-first picking
(a bin scan is matched by its address, regardless of case). The page prints them (an HTML print view);
an address with letters Code 128 cannot hold (Cyrillic) gets its text only."""

from __future__ import annotations

from server.domain.catalog.barcode_svg import code128_svg
from server.domain.stock.bins import BinFilter, search_bins
from server.domain.stock.warehouses import get_warehouse

MAX_LABELS = 500


async def bin_labels(warehouse_id: int, *, zone: str = "", query: str = "", status: str = "active") -> dict:
    """{"warehouse", "labels": [{"id", "address", "barcode": svg | None}], "total", "cut"} in walking order."""
    warehouse = await get_warehouse(warehouse_id)
    rows, total = await search_bins(warehouse_id, BinFilter(zone=zone, query=query, status=status), limit=MAX_LABELS)
    labels = [{"id": r["id"], "address": r["address"],
               "barcode": code128_svg(r["address"], label=r["address"]) if r["address"].isascii() else None}
              for r in rows]
    return {"warehouse": warehouse, "labels": labels, "total": total, "cut": total > len(labels)}
