"""Catalog search for lists and pickers. (Contract stub.)"""

from __future__ import annotations

from server.domain.catalog.dto import VariantRow


async def search_variants(query: str = "", *, limit: int = 50, offset: int = 0,
                          category_id: int | None = None) -> tuple[list[VariantRow], int]:
    """Rows matching name (case-insensitive, Cyrillic too), SKU or barcode (exact barcode first);
    returns (rows, total)."""
    raise NotImplementedError
