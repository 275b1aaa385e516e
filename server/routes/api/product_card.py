"""The product card as the API shows it: typed (so OpenAPI names every field) and with money in roubles.

The catalog service returns kopecks; here every amount also gets its roubles string ("890.00"), and
warehouses are named by code as in /api/v1/stock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from server.routes.api.common import format_money


class CategoryRefOut(msgspec.Struct):
    id: int
    name: str


class ProductOut(msgspec.Struct):
    id: int
    name: str
    description: str
    category_id: int | None
    unit_code: str | None
    unit_name: str | None
    vat: str
    weight_g: int
    length_mm: int
    width_mm: int
    height_mm: int
    image_urls: list[str]
    serial_tracked: bool
    marking_required: bool
    archived: bool
    created_at: datetime
    updated_at: datetime


class BarcodeOut(msgspec.Struct):
    code: str
    kind: str  # ean13 | ean8 | upca | code128 | internal
    multiplier: int  # units per scan (package barcodes > 1)


class CardBinOut(msgspec.Struct):
    bin_id: int
    address: str
    on_hand: int


class CardStockOut(msgspec.Struct):
    warehouse_id: int
    warehouse: str  # code
    name: str
    on_hand: int
    reserved: int
    available: int
    value: str  # roubles: the stock's total cost
    avg_cost: str | None  # roubles per unit (moving average); null when nothing is on hand
    bins: list[CardBinOut]


class CardVariantOut(msgspec.Struct):
    id: int
    sku: str
    name: str
    characteristics: dict[str, str]
    archived: bool
    barcodes: list[BarcodeOut]
    prices: dict[str, str]  # price type code → roubles, "890.00"
    prices_kopecks: dict[str, int]
    on_hand: int
    available: int
    stock: list[CardStockOut]


class PropertyOut(msgspec.Struct):
    code: str
    name: str
    kind: str  # text | number | bool | choice
    unit: str
    value: str | int | float | bool | None


class PriceTypeOut(msgspec.Struct):
    code: str
    name: str


class ProductCardOut(msgspec.Struct):
    product: ProductOut
    category_path: list[CategoryRefOut]
    variants: list[CardVariantOut]
    properties: list[PropertyOut]
    price_types: list[PriceTypeOut]


def _stock(row: dict[str, Any]) -> CardStockOut:
    return CardStockOut(warehouse_id=row["warehouse_id"], warehouse=row["warehouse_code"], name=row["warehouse"],
                        on_hand=row["on_hand"], reserved=row["reserved"], available=row["available"],
                        value=format_money(row["value"]) or "0.00", avg_cost=format_money(row["avg_cost"]),
                        bins=[CardBinOut(bin_id=b["bin_id"], address=b["address"], on_hand=b["on_hand"])
                              for b in row["bins"]])


def _variant(row: dict[str, Any]) -> CardVariantOut:
    prices = {code: int(amount) for code, amount in (row["prices"] or {}).items()}
    return CardVariantOut(id=row["id"], sku=row["sku"], name=row["name"],
                          characteristics={str(k): str(v) for k, v in (row["characteristics"] or {}).items()},
                          archived=bool(row["archived"]),
                          barcodes=[BarcodeOut(code=b["code"], kind=b["kind"], multiplier=b["multiplier"])
                                    for b in row["barcodes"]],
                          prices={code: format_money(amount) or "0.00" for code, amount in prices.items()},
                          prices_kopecks=prices, on_hand=row["on_hand"], available=row["available"],
                          stock=[_stock(s) for s in row["stock"]])


def card_out(card: dict[str, Any]) -> ProductCardOut:
    product = card["product"]
    return ProductCardOut(
        product=msgspec.convert({k: product.get(k) for k in ProductOut.__struct_fields__}, ProductOut,
                                from_attributes=False, strict=False),
        category_path=[CategoryRefOut(id=c["id"], name=c["name"]) for c in card["category_path"]],
        variants=[_variant(v) for v in card["variants"]],
        properties=[PropertyOut(code=p["code"], name=p["name"], kind=p["kind"], unit=p["unit"] or "",
                                value=p["value"]) for p in card["properties"]],
        price_types=[PriceTypeOut(code=t["code"], name=t["name"]) for t in card["price_types"]],
    )
