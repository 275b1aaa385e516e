"""Deciding what an import will write, and refusing it whole when something is wrong. Internal.

Cards and offers are merged per product: an offer "P#C" is a variant of product P; a plain offer "P" is
the product itself — its only variant, unless the product has "#" variants (in the files or from an
earlier import), in which case it is left out. A product that no card describes (and no earlier
import created) is made from its offers. A product created earlier with its placeholder variant "P"
hands that variant over to its first "#" variant when those arrive (stock and history stay).
Problems that would make the data wrong are collected and raised together; things that can be left
out safely become notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

from server.domain.catalog._validate import check_characteristics, combo_key
from server.domain.exchange import _sql
from server.domain.exchange.dto import CatalogImport, Note, ProductData, VariantData, note_of
from server.domain.exchange.refs import load_refs
from server.errors import DomainError, ValidationFailed

_TRAILING_PARENS = re.compile(r"\s*\(([^()]*)\)\s*$")


@dataclass
class Item:
    external_id: str
    card: ProductData
    has_card: bool  # False: made from offers, or an existing product these files have no card for
    variants: list[VariantData]
    product_id: int | None = None  # ours, when known from an earlier import
    variant_ids: dict[str, int] = field(default_factory=dict)  # external → ours, when known


@dataclass
class Plan:
    source: str = "1c"
    items: list[Item] = field(default_factory=list)
    problems: list[DomainError] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    skipped_variants: int = 0
    renamed: list[tuple[str, str]] = field(default_factory=list)  # placeholder variant refs taken over
    price_type_refs: dict[str, int] = field(default_factory=dict)
    warehouse_refs: dict[str, int] = field(default_factory=dict)
    renamed_products: set[int] = field(default_factory=set)  # their variants' search text follows
    changed_products: set[int] = field(default_factory=set)  # cards a site shows: for the change log
    variant_products: dict[int, int] = field(default_factory=dict)  # variant id → product id


def _merge(old: VariantData, new: VariantData) -> VariantData:
    stock = dict(old.stock)
    if any(k for k in new.stock):
        stock.pop("", None)
    stock.update(new.stock)
    return replace(old, name=new.name or old.name, sku=new.sku or old.sku,
                   characteristics=new.characteristics or old.characteristics,
                   barcodes=[*old.barcodes, *(b for b in new.barcodes if b not in old.barcodes)],
                   prices={**old.prices, **new.prices}, stock=stock, deleted=old.deleted or new.deleted,
                   group_id=new.group_id or old.group_id, unit_code=new.unit_code or old.unit_code,
                   unit_name=new.unit_name or old.unit_name)


def product_name_from(offer_name: str) -> str:
    """"Платье 2 (39, Красный)" → "Платье 2"."""
    return _TRAILING_PARENS.sub("", offer_name).strip() or offer_name


def variant_name(v: VariantData, product_name: str) -> str:
    """The characteristics' values, else what the offer name adds to the product's ("(39)" → "39"),
    else the offer name when it differs from the product's."""
    if v.characteristics:
        return ", ".join(v.characteristics.values())[:300]
    name = " ".join(v.name.split())
    found = _TRAILING_PARENS.search(name)
    if found and name[:found.start()].strip().casefold() == product_name.casefold():
        return found.group(1).strip()[:300]
    return "" if name.casefold() == product_name.casefold() else name[:300]


def _collect(data: CatalogImport) -> tuple[dict[str, ProductData], dict[str, VariantData], dict[str, list[str]]]:
    cards = {p.external_id: p for p in data.products if p.external_id}
    variants: dict[str, VariantData] = {}
    by_product: dict[str, list[str]] = {pid: [] for pid in cards}
    for v in [*(v for p in cards.values() for v in p.variants), *data.offers]:
        if not v.external_id or not v.product_id:
            continue
        old = variants.get(v.external_id)
        variants[v.external_id] = v if old is None else _merge(old, v)
        ids = by_product.setdefault(v.product_id, [])
        if v.external_id not in ids:
            ids.append(v.external_id)
    return cards, variants, by_product


async def _variants_of(source: str, product_ids: list[int]) -> dict[int, dict[str, int]]:
    rows = await _sql.select_in("SELECT r.external_id, r.internal_id, v.product FROM external_ref r JOIN variant v "
                                "ON v.id = r.internal_id WHERE r.source = {} AND r.kind = 'variant' AND v.product "
                                "IN ({in})", product_ids, source)
    found: dict[int, dict[str, int]] = {}
    for r in rows:
        found.setdefault(int(r["product"]), {})[r["external_id"]] = int(r["internal_id"])
    return found


def _has_data(v: VariantData) -> bool:
    return bool(v.prices) or any(q for q in v.stock.values())


async def make_plan(data: CatalogImport) -> Plan:
    plan = Plan(source=data.source, notes=list(data.notes))
    cards, variants, by_product = _collect(data)
    product_refs = await load_refs(data.source, "product", list(by_product))
    variant_refs = await load_refs(data.source, "variant", list(variants))
    existing = await _variants_of(data.source, list(product_refs.values()))
    for pid, ids in by_product.items():
        mapped = product_refs.get(pid)
        known = existing.get(mapped, {}) if mapped else {}
        sharp = [e for e in ids if e != pid]
        if sharp or any("#" in e for e in known):
            chosen = [variants[e] for e in sharp]
            if pid in ids:
                plan.skipped_variants += 1
                if _has_data(variants[pid]):
                    plan.notes.append(note_of(ValidationFailed(
                        "Offer %(id)s is the product itself, which has variants: its prices and stock are not "
                        "imported", id=pid)))
            if sharp and set(known) == {pid} and sharp[0] not in variant_refs:
                variant_refs[sharp[0]] = known[pid]
                plan.renamed.append((pid, sharp[0]))
        else:
            chosen = [variants.get(pid) or VariantData(external_id=pid, product_id=pid)]
        card = cards.get(pid)
        item = Item(external_id=pid, card=card or ProductData(external_id=pid, name=""), has_card=card is not None,
                    variants=chosen, product_id=mapped)
        if card is None and mapped is None:
            named = next((v for v in chosen if v.name), None)
            if named is None:
                plan.skipped_variants += len(chosen)
                plan.notes.append(note_of(ValidationFailed(
                    "Offer %(id)s: its product is neither in these files nor imported before; skipped",
                    id=chosen[0].external_id)))
                continue
            item.card = ProductData(external_id=pid, name=product_name_from(named.name), group_id=named.group_id,
                                    unit_code=named.unit_code, unit_name=named.unit_name)
            item.has_card = True
        item.variant_ids = {v.external_id: variant_refs[v.external_id] for v in chosen if v.external_id in variant_refs}
        _attach_product_barcodes(item, plan)
        plan.items.append(item)
    await _check(plan, data)
    return plan


def _attach_product_barcodes(item: Item, plan: Plan) -> None:
    codes = [c for c in item.card.barcodes if c]
    if not codes:
        return
    if len(item.variants) == 1:
        v = item.variants[0]
        item.variants[0] = replace(v, barcodes=[*codes, *(c for c in v.barcodes if c not in codes)])
    else:
        plan.notes.append(note_of(ValidationFailed(
            "Product %(id)s has several variants: its own barcodes %(codes)s are not imported",
            id=item.external_id, codes=", ".join(codes))))


async def _check(plan: Plan, data: CatalogImport) -> None:
    """Names, characteristics, stock quantities, and the price types and warehouses offers refer to."""
    problems = plan.problems
    price_types = {t.external_id for t in data.price_types}
    warehouses = {w.external_id for w in data.warehouses}
    wanted_types = {t for item in plan.items for v in item.variants for t in v.prices}
    wanted_places = {w for item in plan.items for v in item.variants for w in v.stock if w}
    plan.price_type_refs = await load_refs(data.source, "price_type", sorted(wanted_types | price_types))
    plan.warehouse_refs = await load_refs(data.source, "warehouse", sorted(wanted_places | warehouses))
    for t in sorted(wanted_types - price_types - set(plan.price_type_refs)):
        problems.append(ValidationFailed("Price type %(id)s is neither described in these files nor imported "
                                         "before", field=t, id=t))
    for w in sorted(wanted_places - warehouses - set(plan.warehouse_refs)):
        problems.append(ValidationFailed("Warehouse %(id)s is neither described in these files nor imported "
                                         "before", field=w, id=w))
    for g in data.groups:
        if not g.name.strip() or len(g.name.strip()) > 200:
            problems.append(ValidationFailed("Group %(id)s: the name must be 1 to 200 characters long",
                                             field=g.external_id, id=g.external_id))
    for item in plan.items:
        name = " ".join(item.card.name.split())
        if item.has_card and (not name or len(name) > 300):
            problems.append(ValidationFailed("Product %(id)s: the name must be 1 to 300 characters long",
                                             field=item.external_id, id=item.external_id))
        combos: set[str] = set()
        for n, v in enumerate(item.variants):
            chars = check_characteristics(v.characteristics, v.external_id, problems)
            if chars and combo_key(chars) in combos:
                problems.append(ValidationFailed("Two variants have the same characteristics: %(name)s",
                                                 field=v.external_id, name=", ".join(chars.values())))
            combos.add(combo_key(chars)) if chars else None
            item.variants[n] = replace(v, characteristics=chars, stock=_quantities(v, plan))


def _quantities(v: VariantData, plan: Plan) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for place, given in v.stock.items():
        qty = Decimal(given)
        if qty != qty.to_integral_value():
            plan.problems.append(ValidationFailed("Offer %(id)s: stock %(qty)s is not a whole number of units",
                                                  field=v.external_id, id=v.external_id, qty=str(qty)))
            continue
        if qty < 0:
            plan.notes.append(note_of(ValidationFailed("Offer %(id)s: negative stock %(qty)s counted as zero",
                                                       id=v.external_id, qty=str(qty))))
            qty = Decimal(0)
        out[place] = qty
    return out
