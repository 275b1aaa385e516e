"""Changing a product's own fields. Internal (see products.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.catalog import _validate as check
from server.domain.catalog.search import search_text_for
from server.domain.catalog.tables import Product, Variant
from server.domain.catalog.units import ensure_units
from server.domain.sync.log import cards_changed
from server.errors import DomainError, NotFound, ValidationFailed

COLUMNS = ("name", "description", "vat", *check.MEASURES, "image_urls", "serial_tracked", "marking_required",
           "archived")
FIELDS = (*COLUMNS, "category_id", "unit_code")


async def _current(product_id: int) -> dict:
    row = await Product.select(*[getattr(Product, c) for c in COLUMNS], Product.category,
                               Product.unit.code.as_alias("unit_code")).where(
        Product.id == product_id).output(load_json=True).first()
    if row is None:
        raise NotFound("Unknown product %(id)s", field="product_id", id=product_id)
    row = dict(row)
    row["category_id"] = row.pop("category")
    return row


async def update_product(product_id: int, changes: dict[str, Any] | None = None, *, actor: str = "system",
                         **fields: Any) -> dict[str, list]:
    """Changes any of: name, description, category_id (None: no category), vat, unit_code, weight_g,
    length_mm, width_mm, height_mm, image_urls, serial_tracked, marking_required, archived — given as a
    dict and/or keywords. Checks them all first (every problem at once). Archiving a product archives
    its variants (they leave search); restoring it restores them. Returns {field: [old, new]} of what
    changed (empty: nothing written); one audit row."""
    wanted = {**(changes or {}), **fields}
    unknown = sorted(set(wanted) - set(FIELDS))
    if unknown:
        raise ValidationFailed("Unknown product field %(name)s", field=unknown[0], name=unknown[0])
    problems: list[DomainError] = []
    new = check.check_product_columns(wanted, problems, only=set(wanted) & set(COLUMNS))
    async with write_tx():
        old = await _current(product_id)
        unit_id = None
        if "unit_code" in wanted:
            await ensure_units()
        if "unit_code" in wanted or "category_id" in wanted:
            unit_id = await check.check_unit_and_category(wanted.get("unit_code"), wanted.get("category_id"),
                                                          problems, check_unit="unit_code" in wanted,
                                                          check_category="category_id" in wanted)
        check.raise_all(problems)
        for key in ("unit_code", "category_id"):
            if key in wanted:
                new[key] = wanted[key]
        diff = {key: [old[key], value] for key, value in new.items() if old[key] != value}
        if not diff:
            return {}
        values = {getattr(Product, k): v[1] for k, v in diff.items() if k in COLUMNS}
        if "category_id" in diff:
            values[Product.category] = diff["category_id"][1]
        if "unit_code" in diff:
            values[Product.unit] = unit_id
        values[Product.updated_at] = datetime.now(UTC)
        await Product.update(values).where(Product.id == product_id)
        await _follow(product_id, diff)
        await cards_changed([product_id])
        await record(actor, "product.update", "product", product_id, diff)
    return diff


async def _follow(product_id: int, diff: dict[str, list]) -> None:
    """Keeps the variants in step: search text after a rename, archived with the product."""
    if "name" in diff:
        rows = await Variant.select(Variant.id, Variant.name, Variant.sku).where(Variant.product == product_id)
        for r in rows:
            await Variant.update({Variant.search_text: search_text_for(diff["name"][1], r["name"], r["sku"])}).where(
                Variant.id == r["id"])
    if "archived" in diff:
        await Variant.update({Variant.archived: diff["archived"][1]}).where(Variant.product == product_id)
