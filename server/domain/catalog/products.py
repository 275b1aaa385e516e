"""Products and variants: create, update, read the card. (Contract stub — implementation pending.)"""

from __future__ import annotations

from server.domain.catalog.dto import CreatedProduct, ProductInput


async def create_product(data: ProductInput, *, actor: str = "system") -> CreatedProduct:
    """Validates everything first (names, SKUs unique, barcodes valid and unique across the catalog,
    price types known, VAT known) and reports ALL problems in one ValidationFailed/Conflict with
    `problems=[...]`; then writes product, variants, barcodes, prices and an audit row in one write_tx."""
    raise NotImplementedError


async def get_product_card(product_id: int) -> dict:
    """{"product": {...}, "category_path": [...], "variants": [{"id","sku","name","characteristics",
    "barcodes": [{"code","kind","multiplier"}], "prices": {code: kopecks},
    "stock": [{"warehouse_id","warehouse","on_hand","reserved","available","avg_cost",
               "bins": [{"bin_id","address","on_hand"}]}]}], "properties": [...]}. Raises NotFound."""
    raise NotImplementedError
