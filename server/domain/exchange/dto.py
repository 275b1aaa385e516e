"""What a catalog import receives and what it answers (plain dataclasses, no format code).

The CommerceML adapter (server.integrations.commerceml.to_catalog_import) fills a CatalogImport from
parsed files; another source (a CSV, a marketplace) could fill the same. Ids are the outside system's
(1C Ид); money is integer kopecks; quantities are Decimal as the source gave them (the import refuses
fractions, since stock is counted in whole units).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from server.errors import DomainError


@dataclass
class GroupData:
    external_id: str
    name: str
    parent_id: str | None = None  # the parent group's external id; parents come before children


@dataclass
class PropertyData:
    external_id: str
    name: str
    kind: str = "text"  # text | number | bool | choice
    choices: dict[str, str] = field(default_factory=dict)  # value id → text (dictionary properties)


@dataclass
class PriceTypeData:
    external_id: str
    name: str
    currency: str = ""  # "" or any spelling of roubles (руб, RUB, RUR, 643); others are not imported


@dataclass
class WarehouseData:
    external_id: str
    name: str
    address: str = ""


@dataclass
class VariantData:
    """A sellable variant (1C offer "product#characteristic", or the product itself)."""

    external_id: str
    product_id: str  # the product's external id
    name: str = ""  # as the source names it, e.g. "Платье 2 (39, Красный)"
    sku: str = ""  # Артикул, as given (may be Cyrillic: transliterated)
    characteristics: dict[str, str] = field(default_factory=dict)
    barcodes: list[str] = field(default_factory=list)
    prices: dict[str, int] = field(default_factory=dict)  # price type external id → kopecks
    stock: dict[str, Decimal] = field(default_factory=dict)  # warehouse external id ("" = not named) → qty
    deleted: bool = False
    # for a product that only its offers describe (no card in these files, none imported before)
    group_id: str | None = None
    unit_code: str = ""
    unit_name: str = ""


@dataclass
class ProductData:
    """A product card (1C Товар)."""

    external_id: str
    name: str
    sku: str = ""
    description: str = ""
    group_id: str | None = None
    unit_code: str = ""  # OKEI, e.g. "796"
    unit_name: str = ""  # "шт"
    vat: str | None = None  # the rate as given: "20", "18", "Без налога"; None → the product default
    weight_g: int | None = None
    image_urls: list[str] = field(default_factory=list)
    properties: dict[str, list[str]] = field(default_factory=dict)  # property external id → values
    barcodes: list[str] = field(default_factory=list)
    variants: list[VariantData] = field(default_factory=list)  # variants the card itself describes
    deleted: bool = False


@dataclass
class CatalogImport:
    source: str = "1c"
    full: bool = False  # a full upload (informational: nothing is ever deleted by absence)
    groups: list[GroupData] = field(default_factory=list)
    properties: list[PropertyData] = field(default_factory=list)
    price_types: list[PriceTypeData] = field(default_factory=list)
    warehouses: list[WarehouseData] = field(default_factory=list)
    products: list[ProductData] = field(default_factory=list)
    offers: list[VariantData] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)  # what the adapter itself left out


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0

    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.skipped


@dataclass(frozen=True)
class Note:
    """Something left out or changed on the way in: an English msgid with its parameters (translated
    where it is shown), and the item of the source it concerns."""

    message: str
    params: dict[str, Any] = field(default_factory=dict)
    where: str = ""


ROUBLES = frozenset({"", "руб", "руб.", "рубль", "rub", "rur", "643", "₽", "р", "р."})


def is_roubles(currency: str) -> bool:
    """Any spelling of roubles in 1C files (or none: roubles are assumed)."""
    return (currency or "").strip().casefold() in ROUBLES


def note_of(problem: DomainError, where: str = "") -> Note:
    """A note from a domain error built with its msgid (so the texts are found and translated)."""
    return Note(problem.message, dict(problem.params), where or problem.field or "")


KINDS = ("categories", "properties", "price_types", "warehouses", "units", "products", "variants", "barcodes",
         "prices", "stock")


@dataclass
class ImportReport:
    counts: dict[str, KindCounts] = field(default_factory=lambda: {k: KindCounts() for k in KINDS})
    notes: list[Note] = field(default_factory=list)
    stock_documents: list[str] = field(default_factory=list)  # numbers of the posted inventory counts
    seconds: float = 0.0

    def __getitem__(self, kind: str) -> KindCounts:
        return self.counts[kind]


Progress = Callable[[int, int], Awaitable[None] | None]  # (done, total) work units
