"""Analogs: what the manager can offer instead of goods the picker did not find.

`suggest_analogs(variant_id, warehouse_id, qty)` looks at the other variants of the same product first,
then at the variants of other products of the same category, keeps those with at least `qty` units
available in that warehouse (on hand less reserved; archived goods never), and ranks them by how close
they are: equal characteristics (the variant's JSON, e.g. the same weight), equal product properties
(choice, text, yes/no) or close numbers (catalog/properties.py), and a close retail price. Every point
of the score comes with its reason, so the manager sees why an analog is offered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from server.domain.catalog.properties import decode_value
from server.domain.catalog.tables import Price, ProductProperty, Variant
from server.domain.stock.tables import StockBalance
from server.errors import NotFound, ValidationFailed

MAX_CANDIDATES = 500  # read from the database before ranking; a category bigger than that is cut
MAX_LIMIT = 20
CLOSE_NUMBER = 0.5  # a number within half of the wanted one still earns part of a point
CLOSE_PRICE = 0.15  # a price within 15 % is "a similar price"


@dataclass(frozen=True)
class Analog:
    variant_id: int
    product_id: int
    sku: str
    name: str  # "Product, variant"
    available: int
    price: int | None  # retail, kopecks
    score: float
    same_product: bool
    reasons: list[dict] = field(default_factory=list)  # {"code": same_product|same|close|price, "name", "value"}


def _json(value) -> dict:
    if isinstance(value, str):
        try:
            value = json.loads(value or "{}")
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _same(a, b) -> bool:
    return str(a).strip().casefold() == str(b).strip().casefold()


def _closeness(a: int, b: int) -> float:
    """1.0 for equal numbers, falling linearly to 0 at a difference as big as the larger of them."""
    top = max(abs(a), abs(b))
    return 1.0 if top == 0 else max(0.0, 1.0 - abs(a - b) / top)


def _display(kind: str, text: str, number: int | None, unit: str) -> str:
    value = decode_value(kind, text, number)
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return f"{value} {unit}".strip() if unit and kind == "number" else str(value)


async def _properties(product_ids: list[int]) -> dict[int, dict[int, dict]]:
    """product → {property id: {"name", "kind", "unit", "text", "number"}}."""
    if not product_ids:
        return {}
    rows = await ProductProperty.select(
        ProductProperty.product, ProductProperty.prop, ProductProperty.value_text, ProductProperty.value_number,
        ProductProperty.prop.name.as_alias("name"), ProductProperty.prop.kind.as_alias("kind"),
        ProductProperty.prop.unit.as_alias("unit")).where(ProductProperty.product.is_in(product_ids))
    found: dict[int, dict[int, dict]] = {}
    for r in rows:
        found.setdefault(r["product"], {})[r["prop"]] = {"name": r["name"], "kind": r["kind"], "unit": r["unit"],
                                                         "text": r["value_text"], "number": r["value_number"]}
    return found


async def _retail(variant_ids: list[int]) -> dict[int, int]:
    if not variant_ids:
        return {}
    rows = await Price.select(Price.variant, Price.amount).where(Price.variant.is_in(variant_ids)).where(
        Price.price_type.code == "retail")
    return {r["variant"]: int(r["amount"]) for r in rows}


def _score_properties(wanted: dict[int, dict], have: dict[int, dict]) -> tuple[float, list[dict]]:
    score, reasons = 0.0, []
    for prop_id, want in sorted(wanted.items(), key=lambda p: p[1]["name"]):
        got = have.get(prop_id)
        if got is None:
            continue
        shown = _display(got["kind"], got["text"], got["number"], got["unit"])
        if want["kind"] == "number":
            if want["number"] is None or got["number"] is None:
                continue
            close = _closeness(want["number"], got["number"])
            if close == 1.0:
                score, reasons = score + 1.0, [*reasons, {"code": "same", "name": want["name"], "value": shown}]
            elif close >= CLOSE_NUMBER:
                score, reasons = score + close, [*reasons, {"code": "close", "name": want["name"], "value": shown}]
        elif (want["kind"] == "bool" and want["number"] == got["number"]) or (
                want["kind"] != "bool" and want["text"] and _same(want["text"], got["text"])):
            score, reasons = score + 1.0, [*reasons, {"code": "same", "name": want["name"], "value": shown}]
    return score, reasons


def _score_characteristics(wanted: dict, have: dict) -> tuple[float, list[dict]]:
    same = [(k, have[k]) for k in wanted if k in have and _same(wanted[k], have[k])]
    return float(len(same)), [{"code": "same", "name": k, "value": str(v)} for k, v in same]


def _check(qty: object, limit: object) -> tuple[int, int]:
    if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
        raise ValidationFailed("The quantity must be greater than zero", field="qty")
    size = limit if isinstance(limit, int) and not isinstance(limit, bool) else 5
    return qty, max(1, min(size, MAX_LIMIT))


async def _candidates(base: dict, warehouse_id: int, qty: int) -> list[dict]:
    same_category = " OR p.category = {}" if base["category"] is not None else ""
    args = [warehouse_id, base["id"], False, False, qty, base["product"]]
    if same_category:
        args.append(base["category"])
    return await StockBalance.raw(
        "SELECT v.id, v.sku, v.name, v.product, v.characteristics, p.name AS product_name, "
        "sb.on_hand - sb.reserved AS available FROM variant v JOIN product p ON p.id = v.product "
        "JOIN stock_balance sb ON sb.variant = v.id AND sb.warehouse = {} "
        "WHERE v.id <> {} AND v.archived = {} AND p.archived = {} AND sb.on_hand - sb.reserved >= {} "
        f"AND (v.product = {{}}{same_category}) ORDER BY CASE WHEN v.product = {base['product']:d} THEN 0 ELSE 1 END, "
        f"v.id LIMIT {MAX_CANDIDATES}", *args)


async def suggest_analogs(variant_id: int, warehouse_id: int, qty: int, limit: int = 5) -> list[Analog]:
    """Up to `limit` analogs of the variant with `qty` units available in the warehouse, best first."""
    qty, limit = _check(qty, limit)
    base = await Variant.select(Variant.id, Variant.product, Variant.characteristics,
                                Variant.product.category.as_alias("category")).where(Variant.id == variant_id).first()
    if base is None:
        raise NotFound("Unknown product variant %(variant_id)s", field="variant_id", variant_id=variant_id)
    rows = await _candidates(base, warehouse_id, qty)
    if not rows:
        return []
    props = await _properties(sorted({base["product"], *(r["product"] for r in rows)}))
    prices = await _retail([variant_id, *(r["id"] for r in rows)])
    wanted_chars, wanted_props, wanted_price = _json(base["characteristics"]), props.get(base["product"], {}), \
        prices.get(variant_id)
    ranked = []
    for r in rows:
        same_product = r["product"] == base["product"]
        score, reasons = _score_characteristics(wanted_chars, _json(r["characteristics"]))
        if not same_product:
            extra, more = _score_properties(wanted_props, props.get(r["product"], {}))
            score, reasons = score + extra, reasons + more
        price = prices.get(r["id"])
        gap = abs(price - wanted_price) if price is not None and wanted_price is not None else None
        if gap is not None:
            score += _closeness(price, wanted_price)
            if gap <= CLOSE_PRICE * max(price, wanted_price):
                reasons.append({"code": "price", "name": "", "value": ""})
        if same_product:
            reasons.insert(0, {"code": "same_product", "name": "", "value": ""})
        name = ", ".join(p for p in (r["product_name"], r["name"]) if p)
        ranked.append((not same_product, -score, gap if gap is not None else 10**15, r["sku"], Analog(
            variant_id=r["id"], product_id=r["product"], sku=r["sku"], name=name, available=int(r["available"]),
            price=price, score=round(score, 2), same_product=same_product, reasons=reasons)))
    ranked.sort(key=lambda x: x[:4])
    return [x[4] for x in ranked[:limit]]
