"""Creating a product with its variants, and adding a variant to a product. Internal (see products.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from server.db import in_transaction, write_tx
from server.domain.audit.log import record
from server.domain.catalog import _validate as check
from server.domain.catalog._sku import generate_skus
from server.domain.catalog._write import Attempt, explain_race, is_race, write_variant
from server.domain.catalog.dto import CreatedProduct, CreatedVariant, ProductInput, VariantInput
from server.domain.catalog.prices import ensure_default_price_types
from server.domain.catalog.tables import Product, ProductProperty, Variant
from server.domain.catalog.units import ensure_units
from server.domain.sync.log import cards_changed
from server.errors import DomainError, NotFound, ValidationFailed


def _check_shape(data: ProductInput, problems: list[DomainError]) -> tuple[dict, list[check.CheckedVariant]]:
    columns = check.check_product_columns(data, problems)
    given = data.variants if isinstance(data.variants, list) else []
    if not given:
        problems.append(ValidationFailed("Add at least one variant", field="variants"))
    elif len(given) > check.MAX_VARIANTS:
        problems.append(ValidationFailed("A product can have at most %(max)s variants", field="variants",
                                         max=check.MAX_VARIANTS))
    variants = [check.check_variant(v, f"variants[{n}]", problems) for n, v in enumerate(given)]
    check.check_repeats(variants, problems)
    return columns, variants


async def create_product(data: ProductInput, *, actor: str = "system") -> CreatedProduct:
    """Validates everything first (names, SKUs unique, barcodes valid and unique across the catalog,
    price types known, VAT known, unit, category, properties, sizes, image URLs) and reports ALL
    problems in one ValidationFailed/Conflict with `problems=[...]`; then writes product, variants,
    barcodes, prices, properties and one audit row in one write_tx. Nothing is written on any error."""
    problems: list[DomainError] = []
    columns, variants = _check_shape(data, problems)
    attempt, nested = Attempt.of(variants), in_transaction()
    try:
        async with write_tx():
            await ensure_units()
            await ensure_default_price_types()
            unit_id = await check.check_unit_and_category(data.unit_code, data.category_id, problems)
            type_ids = await check.check_price_types(variants, problems)
            props = await check.check_properties(data.properties, problems)
            await check.check_taken(variants, problems)
            check.raise_all(problems)
            return await _write_product(columns, data.category_id, unit_id, variants, type_ids, props,
                                        attempt, actor)
    except Exception as exc:
        if is_race(exc):
            raise await explain_race(attempt, nested) from exc
        raise


async def _write_product(columns: dict, category_id: int | None, unit_id: int | None,
                         variants: list[check.CheckedVariant], type_ids: dict[str, int], props: dict,
                         attempt: Attempt, actor: str) -> CreatedProduct:
    name = columns["name"]
    generated = iter(await generate_skus(name, sum(1 for v in variants if not v.sku),
                                         {v.sku for v in variants if v.sku}))
    product = Product(**columns, category=category_id, unit=unit_id)
    await product.save()
    written = [await write_variant(product.id, name, v, v.sku or next(generated), type_ids, attempt)
               for v in variants]
    if props:
        await ProductProperty.insert(*[ProductProperty(product=product.id, prop=prop_id, value_text=text,
                                                       value_number=number)
                                       for text, number, prop_id in props.values()])
    await cards_changed([product.id])
    summary = {**columns, "category_id": category_id, "unit_id": unit_id, "variants": written,
               "properties": {code: text or number for code, (text, number, _id) in props.items()}}
    await record(actor, "product.create", "product", product.id, summary)
    return CreatedProduct(id=product.id, variants=[CreatedVariant(id=w["id"], sku=w["sku"]) for w in written])


async def add_variant(product_id: int, data: VariantInput, *, actor: str = "system") -> CreatedVariant:
    """A new variant of an existing product, checked like the variants of create_product (fields
    without the `variants[n].` prefix); one audit row."""
    problems: list[DomainError] = []
    variant = check.check_variant(data, "", problems)
    attempt, nested = Attempt.of([variant]), in_transaction()
    try:
        async with write_tx():
            product = await Product.select(Product.id, Product.name, Product.archived).where(
                Product.id == product_id).first()
            if product is None:
                raise NotFound("Unknown product %(id)s", field="product_id", id=product_id)
            if product["archived"]:
                raise ValidationFailed("Product %(name)s is archived: restore it first", name=product["name"])
            await ensure_default_price_types()
            existing = await Variant.select(Variant.name, Variant.characteristics).where(
                Variant.product == product_id).output(load_json=True)
            check.check_repeats([variant], problems, {check.combo_key(r["characteristics"]): r["name"]
                                                      for r in existing if r["characteristics"]})
            type_ids = await check.check_price_types([variant], problems)
            await check.check_taken([variant], problems)
            check.raise_all(problems, "The variant has %(count)s errors")
            sku = variant.sku or (await generate_skus(product["name"], 1, set()))[0]
            written = await write_variant(product_id, product["name"], variant, sku, type_ids, attempt)
            await Product.update({Product.updated_at: datetime.now(UTC)}).where(Product.id == product_id)
            await cards_changed([product_id])
            await record(actor, "variant.create", "variant", written["id"], {"product_id": product_id, **written})
    except Exception as exc:
        if is_race(exc):
            raise await explain_race(attempt, nested) from exc
        raise
    return CreatedVariant(id=written["id"], sku=written["sku"])
