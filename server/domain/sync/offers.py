"""Offers: what an outgoing sync says about each variant — name, price of the channel's price type,
stock available in the channel's warehouses, category, pictures, barcodes, characteristics, weight.

Two ways in, both with a fixed number of queries per batch (never one per variant):
- `load_offers(variant_ids, ...)` for the variants a change batch names (incremental export);
- `offer_pages(...)` walks the whole catalog by variant id, a page at a time (full export, YML feed).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field

from server.domain.catalog.properties import decode_value
from server.domain.catalog.tables import Variant
from server.domain.channels.channels import Channel
from server.domain.stock.tables import Warehouse
from server.domain.sync.cursors import ChangeBatch, one_read

PAGE = 2000
EXPORTED_BARCODES = ("ean13", "ean8", "upca")  # what marketplaces accept as a barcode


@dataclass(frozen=True)
class Scope:
    """Which price and which warehouses a channel shows."""

    price_type_id: int | None
    warehouse_ids: tuple[int, ...]


@dataclass
class Offer:
    variant_id: int
    product_id: int
    sku: str
    product_name: str
    variant_name: str
    price: int | None  # kopecks of the channel's price type; None: no price of that type
    available: int  # units on hand minus reserved in the channel's warehouses (never below zero)
    category_id: int | None = None
    description: str = ""
    pictures: list[str] = field(default_factory=list)
    barcodes: list[str] = field(default_factory=list)
    params: list[tuple[str, str, str]] = field(default_factory=list)  # (name, value, unit)
    weight_g: int = 0
    dimensions_mm: tuple[int, int, int] = (0, 0, 0)  # length, width, height
    in_group: bool = False  # the product has several variants
    archived: bool = False  # the variant or its product is archived: the offer leaves the site

    @property
    def name(self) -> str:
        return f"{self.product_name}, {self.variant_name}" if self.variant_name else self.product_name

    @property
    def sellable(self) -> bool:
        """Worth listing at all: not archived and priced."""
        return not self.archived and self.price is not None

    def as_dict(self) -> dict:
        return {"id": self.variant_id, "product_id": self.product_id, "sku": self.sku, "name": self.name,
                "price": self.price, "available": self.available, "category_id": self.category_id,
                "barcodes": list(self.barcodes), "pictures": list(self.pictures), "weight_g": self.weight_g,
                "params": [list(p) for p in self.params], "archived": self.archived}


async def scope_of(channel: Channel) -> Scope:
    """The channel's price type (default retail) and warehouses (default: every active one)."""
    rows = await Variant.raw("SELECT id FROM price_type WHERE code = {}", channel.price_type)
    price_type_id = rows[0]["id"] if rows else None
    query = Warehouse.select(Warehouse.id).where(Warehouse.active.eq(True))
    if channel.warehouse_codes:
        query = query.where(Warehouse.code.is_in(channel.warehouse_codes))
    return Scope(price_type_id, tuple(sorted(r["id"] for r in await query)))


def _json(value, default):
    if isinstance(value, str):
        try:
            return json.loads(value or "null") or default
        except ValueError:
            return default
    return value or default


def _marks(values: list) -> str:
    return ", ".join("{}" for _ in values)


class _Where:
    """A condition on a variant-id column: an id list, or a range (lo, hi] of one page."""

    def __init__(self, ids: list[int] | None = None, lo: int = 0, hi: int = 0):
        self.ids, self.lo, self.hi = ids, lo, hi

    def sql(self, column: str) -> tuple[str, list]:
        if self.ids is not None:
            return f"{column} IN ({_marks(self.ids)})", list(self.ids)
        return f"{column} > {{}} AND {column} <= {{}}", [self.lo, self.hi]


async def _variants(where: _Where) -> list[dict]:
    cond, args = where.sql("v.id")
    return await Variant.raw(
        "SELECT v.id, v.product, v.sku, v.name, v.characteristics, v.archived, p.name AS product_name, "
        "p.description, p.category, p.weight_g, p.length_mm, p.width_mm, p.height_mm, p.image_urls, "
        "p.archived AS product_archived "
        f"FROM variant v JOIN product p ON p.id = v.product WHERE {cond} ORDER BY v.id", *args)


async def _prices(where: _Where, scope: Scope) -> dict[int, int]:
    if scope.price_type_id is None:
        return {}
    cond, args = where.sql("variant")
    rows = await Variant.raw(f"SELECT variant, amount FROM price WHERE price_type = {{}} AND {cond}",
                             scope.price_type_id, *args)
    return {r["variant"]: int(r["amount"]) for r in rows}


async def _available(where: _Where, scope: Scope) -> dict[int, int]:
    if not scope.warehouse_ids:
        return {}
    cond, args = where.sql("variant")
    rows = await Variant.raw(
        "SELECT variant, SUM(CASE WHEN on_hand > reserved THEN on_hand - reserved ELSE 0 END) AS available "
        f"FROM stock_balance WHERE {cond} AND warehouse IN ({_marks(list(scope.warehouse_ids))}) GROUP BY variant",
        *args, *scope.warehouse_ids)
    return {r["variant"]: int(r["available"] or 0) for r in rows}


async def _barcodes(where: _Where) -> dict[int, list[str]]:
    cond, args = where.sql("variant")
    kinds = list(EXPORTED_BARCODES)
    rows = await Variant.raw(f"SELECT variant, code FROM barcode WHERE {cond} AND multiplier = 1 "
                             f"AND kind IN ({_marks(kinds)}) ORDER BY id", *args, *kinds)
    found: dict[int, list[str]] = defaultdict(list)
    for r in rows:
        found[r["variant"]].append(r["code"])
    return found


async def _product_facts(product_ids: list[int]) -> tuple[dict[int, list[tuple[str, str, str]]], dict[int, int]]:
    """Typed properties per product, and how many live variants each has."""
    if not product_ids:
        return {}, {}
    marks = _marks(product_ids)
    rows = await Variant.raw(
        "SELECT pp.product, pr.name, pr.unit, pr.kind, pp.value_text, pp.value_number FROM product_property pp "
        f"JOIN property pr ON pr.id = pp.prop WHERE pp.product IN ({marks}) ORDER BY pr.name, pr.id", *product_ids)
    props: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for r in rows:
        value = decode_value(r["kind"], r["value_text"], r["value_number"])
        if value is None or value == "":
            continue
        text = ("да" if value else "нет") if isinstance(value, bool) else str(value)
        props[r["product"]].append((r["name"], text, r["unit"] or ""))
    counts = await Variant.raw(f"SELECT product, COUNT(*) AS n FROM variant WHERE product IN ({marks}) "
                               "AND archived = {} GROUP BY product", *product_ids, False)
    return props, {r["product"]: int(r["n"]) for r in counts}


async def _load(where: _Where, scope: Scope) -> list[Offer]:
    async with one_read():
        variants = await _variants(where)
        if not variants:
            return []
        prices = await _prices(where, scope)
        available = await _available(where, scope)
        barcodes = await _barcodes(where)
        props, group_sizes = await _product_facts(sorted({v["product"] for v in variants}))
    offers = []
    for v in variants:
        chars = _json(v["characteristics"], {})
        params = [(str(k), str(val), "") for k, val in chars.items() if str(val)] + props.get(v["product"], [])
        offers.append(Offer(
            variant_id=v["id"], product_id=v["product"], sku=v["sku"], product_name=v["product_name"],
            variant_name=v["name"] or "", price=prices.get(v["id"]), available=max(available.get(v["id"], 0), 0),
            category_id=v["category"], description=v["description"] or "",
            pictures=[u for u in _json(v["image_urls"], []) if isinstance(u, str)],
            barcodes=barcodes.get(v["id"], []), params=params, weight_g=int(v["weight_g"] or 0),
            dimensions_mm=(int(v["length_mm"] or 0), int(v["width_mm"] or 0), int(v["height_mm"] or 0)),
            in_group=group_sizes.get(v["product"], 0) > 1,
            archived=bool(v["archived"] or v["product_archived"])))
    return offers


async def load_offers(variant_ids: Iterable[int], scope: Scope) -> list[Offer]:
    """The offers of these variants (unknown ids are left out), by variant id."""
    ids = sorted({int(i) for i in variant_ids})
    offers: list[Offer] = []
    for start in range(0, len(ids), PAGE):
        offers += await _load(_Where(ids=ids[start:start + PAGE]), scope)
    return offers


async def offer_pages(scope: Scope, page: int = PAGE) -> AsyncIterator[list[Offer]]:
    """Every variant's offer, `page` variants at a time, by variant id (keyset: no OFFSET)."""
    last = 0
    while True:
        rows = await Variant.raw("SELECT id FROM variant WHERE id > {} ORDER BY id LIMIT {}", last, page)
        if not rows:
            return
        hi = rows[-1]["id"]
        yield await _load(_Where(lo=last, hi=hi), scope)
        last = hi


async def changed_variant_ids(batch: ChangeBatch) -> list[int]:
    """The variants a change batch touches: those with a new price or stock, and every variant of a
    product whose card changed."""
    ids = set(batch.variant_prices) | set(batch.variant_stock)
    products = sorted(batch.product_cards)
    for start in range(0, len(products), PAGE):
        chunk = products[start:start + PAGE]
        rows = await Variant.raw(f"SELECT id FROM variant WHERE product IN ({_marks(chunk)})", *chunk)
        ids.update(r["id"] for r in rows)
    return sorted(ids)


async def changed_offers(batch: ChangeBatch, scope: Scope) -> list[Offer]:
    """The offers to send for a change batch (archived ones included: the site must hide them)."""
    return await load_offers(await changed_variant_ids(batch), scope)
