"""The product card: everything a manager sees about one product, read in one place."""

from __future__ import annotations

from contextlib import asynccontextmanager

from server.db import engine, in_transaction, is_sqlite
from server.domain.catalog.categories import category_path
from server.domain.catalog.prices import get_prices
from server.domain.catalog.properties import product_properties
from server.domain.catalog.tables import Barcode, PriceType, Product, Variant
from server.domain.stock.balances import bin_levels, stock_levels
from server.errors import NotFound

PRODUCT_FIELDS = ("id", "name", "description", "vat", "weight_g", "length_mm", "width_mm", "height_mm",
                  "image_urls", "serial_tracked", "marking_required", "archived", "created_at", "updated_at")


@asynccontextmanager
async def _one_snapshot():
    """On PostgreSQL, read the whole card on one connection from one snapshot (a read-only repeatable-read
    transaction) instead of a connection per query. SQLite reads are cheap and consistent enough."""
    if is_sqlite() or in_transaction():
        yield
        return
    async with engine().transaction():
        await Product.raw("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


async def _product(product_id: int) -> dict:
    row = await Product.select(*[getattr(Product, f) for f in PRODUCT_FIELDS], Product.category,
                               Product.unit.code.as_alias("unit_code"), Product.unit.name.as_alias("unit_name")).where(
        Product.id == product_id).output(load_json=True).first()
    if row is None:
        raise NotFound("Unknown product %(id)s", field="product_id", id=product_id)
    product = dict(row)
    product["category_id"] = product.pop("category")
    return product


async def _barcodes(variant_ids: list[int]) -> dict[int, list[dict]]:
    if not variant_ids:
        return {}
    rows = await Barcode.select(Barcode.variant, Barcode.code, Barcode.kind, Barcode.multiplier).where(
        Barcode.variant.is_in(variant_ids)).order_by(Barcode.multiplier).order_by(Barcode.id)
    found: dict[int, list[dict]] = {}
    for r in rows:
        found.setdefault(r["variant"], []).append({"code": r["code"], "kind": r["kind"],
                                                   "multiplier": r["multiplier"]})
    return found


async def variant_stock(variant_id: int) -> list[dict]:
    """Per active warehouse (zeros included, by warehouse code): on_hand, reserved, available, avg_cost
    (kopecks per unit, value // on_hand; None when nothing is on hand) and bins in pick order."""
    bins: dict[int, list[dict]] = {}
    for b in await bin_levels(variant_id):
        bins.setdefault(b["warehouse_id"], []).append({"bin_id": b["bin_id"], "address": b["address"],
                                                       "on_hand": b["on_hand"]})
    return [{"warehouse_id": s.warehouse_id, "warehouse": s.warehouse_name, "warehouse_code": s.warehouse_code,
             "on_hand": s.on_hand, "reserved": s.reserved, "available": s.available, "value": s.value,
             "avg_cost": s.value // s.on_hand if s.on_hand > 0 else None, "bins": bins.get(s.warehouse_id, [])}
            for s in await stock_levels(variant_id)]


async def get_product_card(product_id: int) -> dict:
    """{"product": {...}, "category_path": [{"id","name"}], "variants": [{"id","sku","name",
    "characteristics","archived", "barcodes": [{"code","kind","multiplier"}], "prices": {code: kopecks},
    "stock": [{"warehouse_id","warehouse","warehouse_code","on_hand","reserved","available","value",
    "avg_cost", "bins": [{"bin_id","address","on_hand"}]}], "on_hand", "available"}],
    "properties": [{"code","name","kind","unit","value"}], "price_types": [{"code","name"}]}.
    Variants by id (archived ones too, flagged). Raises NotFound."""
    async with _one_snapshot():
        return await _card(product_id)


async def _card(product_id: int) -> dict:
    product = await _product(product_id)
    rows = await Variant.select(Variant.id, Variant.sku, Variant.name, Variant.characteristics,
                                Variant.archived).where(Variant.product == product_id).order_by(
        Variant.id).output(load_json=True)
    ids = [r["id"] for r in rows]
    codes, prices = await _barcodes(ids), await get_prices(ids)
    variants = []
    for r in rows:
        stock = await variant_stock(r["id"])
        variants.append({"id": r["id"], "sku": r["sku"], "name": r["name"], "characteristics": r["characteristics"],
                         "archived": r["archived"], "barcodes": codes.get(r["id"], []),
                         "prices": prices.get(r["id"], {}), "stock": stock,
                         "on_hand": sum(s["on_hand"] for s in stock),
                         "available": sum(s["available"] for s in stock)})
    return {"product": product, "category_path": await category_path(product["category_id"]),
            "variants": variants, "properties": await product_properties(product_id),
            "price_types": await PriceType.select(PriceType.code, PriceType.name).order_by(PriceType.sort).order_by(
                PriceType.id)}
