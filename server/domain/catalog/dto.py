"""Inputs and outputs of the catalog services (plain dataclasses, no web imports)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class BarcodeInput:
    code: str  # digits for EAN/UPC; any printable ASCII for Code128/internal
    kind: str | None = None  # ean13|ean8|upca|code128|internal; None → detected from the code
    multiplier: int = 1  # package barcode: one scan = N units


@dataclass
class VariantInput:
    sku: str | None = None  # None → generated from the product
    characteristics: dict[str, str] = field(default_factory=dict)  # {"Помол": "зерно", "Вес": "250 г"}
    barcodes: list[BarcodeInput] = field(default_factory=list)
    prices: dict[str, int] = field(default_factory=dict)  # price type code → kopecks
    generate_barcode: bool = False  # internal EAN-13 (prefix 2x) when the goods have none
    name: str | None = None  # None → the characteristics' values joined by ", " ("зерно, 250 г")


@dataclass
class ProductInput:
    name: str
    variants: list[VariantInput]
    category_id: int | None = None
    unit_code: str = "796"  # OKEI; 796 = шт
    vat: str = "22"  # VAT_RATES: 22 (the general rate since 2026), 20, 10, 7, 5, 0, none
    description: str = ""
    weight_g: int = 0
    length_mm: int = 0
    width_mm: int = 0
    height_mm: int = 0
    image_urls: list[str] = field(default_factory=list)
    serial_tracked: bool = False
    marking_required: bool = False
    properties: dict[str, str | int | float | bool] = field(default_factory=dict)  # property code → value


@dataclass(frozen=True)
class CreatedVariant:
    id: int
    sku: str


@dataclass(frozen=True)
class CreatedProduct:
    id: int
    variants: list[CreatedVariant]


@dataclass(frozen=True)
class ScannedVariant:
    """What a scanned or typed code resolves to."""

    variant_id: int
    sku: str
    product_id: int
    name: str  # product name + variant name
    multiplier: int  # units per scan (package barcodes > 1)
    matched: str  # "barcode" | "sku"


@dataclass(frozen=True)
class VariantRow:
    """A line of the catalog list / search result."""

    variant_id: int
    product_id: int
    sku: str
    product_name: str
    variant_name: str
    barcodes: list[str]
    retail_price: int | None  # kopecks
    on_hand: int  # all warehouses
    available: int  # all warehouses
