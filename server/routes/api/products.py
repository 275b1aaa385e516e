"""/api/v1/products: create a product with its variants, barcodes and prices; list and search; the card."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from msgspec import Meta

from server.domain.catalog.dto import BarcodeInput, ProductInput, VariantInput, VariantRow
from server.domain.catalog.products import create_product, get_product_card
from server.domain.catalog.search import search_variants
from server.errors import DomainError, ValidationFailed
from server.routes.api.common import (
    CONFLICT,
    ID_PARAM,
    LIMIT_PARAM,
    MANAGE,
    MAX_KOPECKS,
    NOT_FOUND,
    OFFSET_PARAM,
    PROBLEMS,
    READ_CATALOG,
    UNPROCESSABLE,
    ApiController,
    Id,
    actor,
    format_money,
    next_offset,
    parse_money,
    text_param,
)
from server.routes.api.product_card import ProductCardOut, card_out

Int32 = Annotated[int, Meta(ge=0, le=2_147_483_647)]


class BarcodeIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, Meta(min_length=1, max_length=64, examples=["4600000000013"])]
    kind: Annotated[str | None, Meta(description="ean13, ean8, upca, code128 or internal; "
                                                 "left out: detected from the code")] = None
    multiplier: Annotated[int, Meta(ge=1, le=100_000, description="Package barcode: units per scan")] = 1


class VariantIn(msgspec.Struct, forbid_unknown_fields=True):
    sku: Annotated[Annotated[str, Meta(max_length=64)] | None, Meta(description="Left out: generated",
                                                                     examples=["KEN-AA-250-Z"])] = None
    characteristics: Annotated[dict[str, str], Meta(examples=[{"Помол": "зерно", "Вес": "250 г"}])] = {}
    barcodes: list[BarcodeIn] = []
    prices: Annotated[dict[str, Decimal], Meta(
        description="Price type code → roubles, as a string or a number with at most 2 decimals",
        examples=[{"retail": "890.00", "purchase": "412.50"}])] = {}
    prices_kopecks: Annotated[dict[str, Annotated[int, Meta(ge=0, lt=MAX_KOPECKS)]], Meta(description="Price type code → kopecks")] = {}
    generate_barcode: Annotated[bool, Meta(description="Give the variant an in-store EAN-13 (prefix 2x)")] = False


class ProductIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=300, examples=["Кения АА"])]
    variants: Annotated[list[VariantIn], Meta(min_length=1, max_length=1000)]
    category_id: Id | None = None
    unit_code: Annotated[str, Meta(max_length=8, description="OKEI unit code; 796 = piece")] = "796"
    vat: Annotated[str, Meta(description="22 (the general rate since 2026), 20, 10, 7, 5, 0 or none")] = "22"
    description: Annotated[str, Meta(max_length=20_000)] = ""
    weight_g: Int32 = 0
    length_mm: Int32 = 0
    width_mm: Int32 = 0
    height_mm: Int32 = 0
    image_urls: list[Annotated[str, Meta(max_length=2000)]] = []
    serial_tracked: bool = False
    marking_required: Annotated[bool, Meta(description="Честный ЗНАК marking")] = False
    properties: dict[str, str | int | float | bool] = {}


class CreatedVariantOut(msgspec.Struct):
    id: int
    sku: str


class CreatedProductOut(msgspec.Struct):
    id: int
    variants: list[CreatedVariantOut]


class VariantRowOut(msgspec.Struct):
    variant_id: int
    product_id: int
    sku: str
    product_name: str
    variant_name: str
    barcodes: list[str]
    retail_price: str | None  # roubles, "890.00"
    retail_price_kopecks: int | None
    on_hand: int
    available: int


class ProductPage(msgspec.Struct):
    items: list[VariantRowOut]
    total: int
    limit: int
    offset: int
    next_offset: int | None


def _prices(index: int, variant: VariantIn, problems: list[DomainError]) -> dict[str, int]:
    prices = dict(variant.prices_kopecks)
    for code, amount in variant.prices.items():
        kopecks = parse_money(amount)
        field = f"variants[{index}].prices.{code}"
        if kopecks is None:
            problems.append(ValidationFailed("Price %(price)s: use roubles with at most two decimals, e.g. 123.45",
                                             field=field, price=str(amount)))
        elif code in prices:
            problems.append(ValidationFailed("Price type %(code)s is given twice", field=field, code=code))
        else:
            prices[code] = kopecks
    return prices


def to_product_input(data: ProductIn) -> ProductInput:
    problems: list[DomainError] = []
    variants = [
        VariantInput(sku=v.sku, characteristics=dict(v.characteristics),
                     barcodes=[BarcodeInput(code=b.code, kind=b.kind, multiplier=b.multiplier) for b in v.barcodes],
                     prices=_prices(n, v, problems), generate_barcode=v.generate_barcode)
        for n, v in enumerate(data.variants)
    ]
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationFailed("The prices have %(count)s errors", problems=problems, count=len(problems))
    return ProductInput(name=data.name, variants=variants, category_id=data.category_id, unit_code=data.unit_code,
                        vat=data.vat, description=data.description, weight_g=data.weight_g,
                        length_mm=data.length_mm, width_mm=data.width_mm, height_mm=data.height_mm,
                        image_urls=list(data.image_urls), serial_tracked=data.serial_tracked,
                        marking_required=data.marking_required, properties=dict(data.properties))


def _row(r: VariantRow) -> VariantRowOut:
    return VariantRowOut(variant_id=r.variant_id, product_id=r.product_id, sku=r.sku, product_name=r.product_name,
                         variant_name=r.variant_name, barcodes=list(r.barcodes),
                         retail_price=format_money(r.retail_price), retail_price_kopecks=r.retail_price,
                         on_hand=r.on_hand, available=r.available)


class ProductController(ApiController):
    path = "/api/v1/products"
    tags = ["Catalog"]

    @post("/", opt=MANAGE, status_code=201, responses={**PROBLEMS, **CONFLICT, **UNPROCESSABLE},
          summary="Create a product with its variants, barcodes and prices")
    async def create(self, request: Request[Any, Any, Any], data: ProductIn) -> CreatedProductOut:
        created = await create_product(to_product_input(data), actor=actor(request))
        return CreatedProductOut(id=created.id, variants=[CreatedVariantOut(id=v.id, sku=v.sku)
                                                          for v in created.variants])

    @get("/", opt=READ_CATALOG, responses=PROBLEMS,
         summary="Variants matching a name, SKU or barcode, a page at a time")
    async def search(self, q: Annotated[str, text_param(200, "Words of the name, a SKU or a barcode")] = "",
                     limit: Annotated[int, LIMIT_PARAM] = 50,
                     offset: Annotated[int, OFFSET_PARAM] = 0) -> ProductPage:
        rows, total = await search_variants(q, limit=limit, offset=offset)
        return ProductPage(items=[_row(r) for r in rows], total=total, limit=limit, offset=offset,
                           next_offset=next_offset(offset, len(rows), total))

    @get("/{product_id:int}", opt=READ_CATALOG, responses={**PROBLEMS, **NOT_FOUND},
         summary="The product card: variants, barcodes, prices (roubles) and stock per warehouse")
    async def card(self, product_id: Annotated[int, ID_PARAM]) -> ProductCardOut:
        return card_out(await get_product_card(product_id))
