"""Builders and snapshots shared by the catalog tests."""

from __future__ import annotations

from server.db import engine
from server.domain.audit.tables import AuditEntry
from server.domain.catalog.barcodes import gs1_check_digit
from server.domain.catalog.dto import BarcodeInput, ProductInput, VariantInput
from server.domain.catalog.tables import (
    Barcode,
    Category,
    Price,
    Product,
    ProductProperty,
    Property,
    Variant,
)

COUNTED = (Product, Variant, Barcode, Price, ProductProperty, Category, Property, AuditEntry)


def ean13(first12: str) -> str:
    return first12 + gs1_check_digit(first12)


def coffee(name: str = "Кения АА", sku_prefix: str = "KEN", code_base: str = "46012340000", **extra) -> ProductInput:
    """A product with two variants (250 g with a unit and a six-pack barcode, 1 kg), priced."""
    variants = [
        VariantInput(sku=f"{sku_prefix}-250", characteristics={"Помол": "зерно", "Вес": "250 г"},
                     barcodes=[BarcodeInput(ean13(code_base + "1")), BarcodeInput(ean13(code_base + "2"), multiplier=6)],
                     prices={"retail": 89000, "purchase": 41250}),
        VariantInput(sku=f"{sku_prefix}-1000", characteristics={"Помол": "зерно", "Вес": "1 кг"},
                     barcodes=[BarcodeInput(ean13(code_base + "3"))], prices={"retail": 299000}),
    ]
    return ProductInput(name=name, variants=extra.pop("variants", variants), **extra)


async def counts() -> dict[str, int]:
    """Rows per catalog table (and audit), to prove a refused write changed nothing (one connection)."""
    async with engine().transaction():
        return {t._meta.tablename: await t.count() for t in COUNTED}
