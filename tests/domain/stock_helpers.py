"""Small builders for the stock tests. Catalog rows are made directly with Piccolo so the stock tests
do not depend on the catalog services."""

from __future__ import annotations

from server.domain.catalog.tables import Product, Variant
from server.domain.stock.documents import create_document
from server.domain.stock.dto import DocumentInput, LineInput
from server.domain.stock.tables import (
    BinBalance,
    Reservation,
    StockBalance,
    StockDocument,
    StockDocumentLine,
    StockMove,
)
from server.domain.stock.warehouses import create_warehouse


async def make_variant(sku: str, name: str = "") -> int:
    product = Product(name=f"Товар {sku}")
    await product.save()
    variant = Variant(product=product.id, sku=sku, name=name)
    await variant.save()
    return variant.id


async def make_variants(*skus: str) -> list[int]:
    return [await make_variant(sku) for sku in skus]


async def make_warehouse(code: str = "MAIN", *, allow_negative: bool = False) -> int:
    return await create_warehouse(code, f"Склад {code}", allow_negative=allow_negative)


async def receive(warehouse_id: int, *lines: tuple, supplier: str = "ООО Поставщик") -> int:
    """receive(wh, (variant, qty, price[, bin])...) → a posted receipt's id."""
    items = [LineInput(variant_id=line[0], qty=line[1], price=line[2] if len(line) > 2 else 0,
                       bin_id=line[3] if len(line) > 3 else None) for line in lines]
    return await create_document(DocumentInput(kind="receipt", warehouse_id=warehouse_id, lines=items,
                                               supplier=supplier), post=True)


async def balance(variant_id: int, warehouse_id: int) -> dict:
    row = await StockBalance.select().where(StockBalance.variant == variant_id).where(
        StockBalance.warehouse == warehouse_id).first()
    return row or {"on_hand": 0, "reserved": 0, "value": 0}


async def bin_on_hand(variant_id: int, bin_id: int) -> int:
    row = await BinBalance.select().where(BinBalance.variant == variant_id).where(BinBalance.bin == bin_id).first()
    return row["on_hand"] if row else 0


async def snapshot() -> dict:
    """Everything the ledger holds, to prove that refused input changed nothing."""
    return {
        "balances": await StockBalance.select().order_by(StockBalance.id),
        "bins": await BinBalance.select().order_by(BinBalance.id),
        "moves": await StockMove.select().order_by(StockMove.id),
        "documents": await StockDocument.select().order_by(StockDocument.id),
        "lines": await StockDocumentLine.select().order_by(StockDocumentLine.id),
        "reservations": await Reservation.select().order_by(Reservation.id),
    }
