"""Turns the demo items into the catalog's ProductInput: SKUs, barcodes and prices, deterministically.

Barcodes are EAN-13 in Russian GS1 ranges (460…): a maker's 7-digit company prefix, a 5-digit item
reference and the check digit. Some goods also carry a package barcode (a box of 10 drip bags, a case
of 6 bottles of syrup); the shop's own sweets have none and get an in-store 2x code from the catalog.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass

from server.demo.coffee import coffee_items
from server.demo.goods import other_items
from server.demo.spec import FACTOR, GROSS_G, SUFFIX, Item
from server.domain.catalog.barcodes import gs1_check_digit
from server.domain.catalog.dto import BarcodeInput, ProductInput, VariantInput

SEED = 20241125
# GS1 company prefixes of the (invented) makers.
BRANDS = {
    "roaster": "4607172",  # ООО «Зерно и Пламя», the roastery
    "drip": "4603841",  # ООО «Дрип Лаб»
    "tea": "4600694",  # ООО «Чайная линия»
    "gear": "4605263",  # ООО «Бариста Эквипмент»
    "merch": "4606087",  # ООО «Принт Мастер»
    "syrup": "4601512",  # ООО «Сладкий дом»
    "sweets": "4602735",  # ООО «Сладкий дом»
}
# Retail markup over the purchase price, by top category; wholesale is purchase × 1.3.
MARKUP = {"Кофе": 1.85, "Чай": 2.1, "Аксессуары": 1.6, "Мерч": 1.9, "Сиропы": 1.7, "Сладости": 1.6}
WHOLESALE = 1.3
VAT = "22"  # coffee, tea, sweets and goods alike: the general rate in Russia since 2026
PIECE = "796"  # OKEI «шт»


@dataclass
class Built:
    item: Item
    product: ProductInput


def all_items() -> list[Item]:
    return coffee_items() + other_items()


def ean13(prefix: str, reference: int) -> str:
    body = f"{prefix}{reference:05d}"
    return body + gs1_check_digit(body)


class _Barcodes:
    """Unique, random-looking item references per maker, the same on every run."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: dict[str, set[int]] = {}

    def next(self, brand: str) -> str:
        used = self.used.setdefault(brand, set())
        while True:
            ref = self.rng.randint(1, 99_999)
            if ref not in used:
                used.add(ref)
                return ean13(BRANDS[brand], ref)


def retail_price(purchase: int, markup: float) -> int:
    """Kopecks, rounded the way shops do: 830 ₽ under a thousand, 1 490 ₽ above."""
    roubles = purchase * markup / 100
    if roubles < 1000:
        return math.ceil(roubles / 10) * 10 * 100
    return (math.ceil(roubles / 100) * 100 - 10) * 100


def prices(purchase: int, top_category: str) -> dict[str, int]:
    return {"purchase": purchase, "wholesale": math.ceil(purchase * WHOLESALE / 100) * 100,
            "retail": retail_price(purchase, MARKUP[top_category])}


def _factor(item: Item, value: str) -> float:
    return item.factors.get(value, FACTOR.get(value, 1.0))


def _variants(item: Item, rng: random.Random, codes: _Barcodes) -> list[VariantInput]:
    names = [name for name, _ in item.axes]
    firsts = [values[0] for _, values in item.axes]
    out = []
    jitter = rng.uniform(0.97, 1.03)  # one per product: the grind does not change the price
    for combo in itertools.product(*(values for _, values in item.axes)):
        if combo in item.skip or any(c in item.skip for c in itertools.combinations(combo, 2)):
            continue
        factor = math.prod(_factor(item, v) / _factor(item, f) for v, f in zip(combo, firsts, strict=True))
        purchase = round(item.cost * factor * jitter * 100)
        barcodes = [] if item.in_store else [BarcodeInput(codes.next(item.brand))]
        if item.package and (item.package[1] is None or item.package[1] in combo):
            barcodes.append(BarcodeInput(codes.next(item.brand), multiplier=item.package[0]))
        sku = "-".join([item.code, *(SUFFIX[v] for v in combo)])
        out.append(VariantInput(sku=sku, characteristics=dict(zip(names, combo, strict=True)), barcodes=barcodes,
                                prices=prices(purchase, item.category[0]), generate_barcode=item.in_store))
    return out


def _weight(item: Item) -> int:
    if item.weight_g:
        return item.weight_g
    return next((GROSS_G[values[0]] for _, values in item.axes if values[0] in GROSS_G), 0)


def build_catalog(category_ids: dict[tuple[str, ...], int]) -> list[Built]:
    """Every demo product as a ProductInput; category_ids maps a category path to its id."""
    rng = random.Random(SEED)
    codes = _Barcodes(rng)
    built = []
    for item in all_items():
        length, width, height = item.dims_mm
        product = ProductInput(
            name=item.name, variants=_variants(item, rng, codes), category_id=category_ids.get(item.category),
            unit_code=PIECE, vat=VAT, description=item.description, weight_g=_weight(item), length_mm=length,
            width_mm=width, height_mm=height, marking_required=item.marking, properties=dict(item.properties))
        built.append(Built(item, product))
    return built
