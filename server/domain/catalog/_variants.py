"""Changing a variant: SKU, name, characteristics, archive; its barcodes. Internal (see products.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from server.db import in_transaction, write_tx
from server.domain.audit.log import record
from server.domain.catalog import _validate as check
from server.domain.catalog._sku import skus_taken, valid_sku
from server.domain.catalog._write import Attempt, explain_race, is_race
from server.domain.catalog.barcodes import barcodes_taken, generate_internal_ean13
from server.domain.catalog.dto import BarcodeInput
from server.domain.catalog.search import search_text_for
from server.domain.catalog.tables import Barcode, Product, Variant
from server.domain.sync.log import cards_changed
from server.errors import Conflict, DomainError, NotFound, ValidationFailed

VARIANT_FIELDS = ("sku", "name", "characteristics")


async def _variant(variant_id: int) -> dict:
    row = await Variant.select(Variant.id, Variant.product, Variant.sku, Variant.name, Variant.characteristics,
                               Variant.archived, Variant.product.name.as_alias("product_name"),
                               Variant.product.archived.as_alias("product_archived")).where(
        Variant.id == variant_id).output(load_json=True).first()
    if row is None:
        raise NotFound("Unknown product variant %(variant_id)s", field="variant_id", variant_id=variant_id)
    return dict(row)


async def _guarded(work, attempt: Attempt):
    nested = in_transaction()
    try:
        return await work()
    except Exception as exc:
        if is_race(exc):
            raise await explain_race(attempt, nested) from exc
        raise


async def update_variant(variant_id: int, changes: dict[str, Any] | None = None, *, actor: str = "system",
                         **fields: Any) -> dict[str, list]:
    """Changes sku, name and/or characteristics. A name that followed the characteristics keeps
    following them. Returns {field: [old, new]}; one audit row; search text kept in sync."""
    wanted = {**(changes or {}), **fields}
    unknown = sorted(set(wanted) - set(VARIANT_FIELDS))
    if unknown:
        raise ValidationFailed("Unknown variant field %(name)s", field=unknown[0], name=unknown[0])
    attempt = Attempt()

    async def work() -> dict[str, list]:
        async with write_tx():
            row = await _variant(variant_id)
            new = await _checked_changes(row, wanted)
            diff = {k: [row[k], v] for k, v in new.items() if row[k] != v}
            if not diff:
                return {}
            if "sku" in diff:
                attempt.skus.append(("sku", new["sku"]))
            values = {getattr(Variant, k): v[1] for k, v in diff.items()}
            sku, name = new.get("sku", row["sku"]), new.get("name", row["name"])
            values[Variant.search_text] = search_text_for(row["product_name"], name, sku)
            await Variant.update(values).where(Variant.id == variant_id)
            await Product.update({Product.updated_at: datetime.now(UTC)}).where(Product.id == row["product"])
            await cards_changed([row["product"]])
            await record(actor, "variant.update", "variant", variant_id, {"sku": sku, **diff})
            return diff

    return await _guarded(work, attempt)


async def _checked_changes(row: dict, wanted: dict[str, Any]) -> dict[str, Any]:
    problems: list[DomainError] = []
    new: dict[str, Any] = {}
    if "sku" in wanted:
        sku = wanted["sku"].strip() if isinstance(wanted["sku"], str) else ""
        if not valid_sku(sku):
            problems.append(ValidationFailed("SKU %(sku)s: use 1 to 64 Latin letters, digits or signs, without "
                                             "spaces at the ends", field="sku", sku=str(wanted["sku"])[:80]))
        else:
            hit = (await skus_taken([sku])).get(sku.lower())
            if hit and hit["variant_id"] != row["id"]:
                problems.append(Conflict("SKU %(sku)s is already used by %(product)s", field="sku", sku=hit["sku"],
                                         product=hit["product"]))
            new["sku"] = sku
    if "characteristics" in wanted:
        chars = check.check_characteristics(wanted["characteristics"], "", problems)
        others = await Variant.select(Variant.id, Variant.name, Variant.characteristics).where(
            Variant.product == row["product"]).where(Variant.id != row["id"]).output(load_json=True)
        if chars and check.combo_key(chars) in {check.combo_key(o["characteristics"]) for o in others
                                                if o["characteristics"]}:
            problems.append(ValidationFailed("Two variants have the same characteristics: %(name)s",
                                             field="characteristics", name=", ".join(chars.values())))
        new["characteristics"] = chars
        if "name" not in wanted and row["name"] == ", ".join(row["characteristics"].values()):
            new["name"] = ", ".join(chars.values())
    if "name" in wanted:
        name = " ".join(wanted["name"].split()) if isinstance(wanted["name"], str) else ""
        name = name or ", ".join(new.get("characteristics", row["characteristics"]).values())
        if len(name) > 300:
            problems.append(ValidationFailed("The variant name must be at most 300 characters long", field="name"))
        new["name"] = name
    check.raise_all(problems, "The variant has %(count)s errors")
    return new


async def archive_variant(variant_id: int, archived: bool = True, *, actor: str = "system") -> bool:
    """Hides a variant from search and pickers (history, stock and scans keep working); archived=False
    restores it — and its product, if the product was archived. False when nothing changed."""
    async with write_tx():
        row = await _variant(variant_id)
        restore_product = not archived and row["product_archived"]
        if row["archived"] == archived and not restore_product:
            return False
        await Variant.update({Variant.archived: archived}).where(Variant.id == variant_id)
        changes: dict[str, Any] = {"sku": row["sku"], "archived": [row["archived"], archived]}
        if restore_product:
            await Product.update({Product.archived: False}).where(Product.id == row["product"])
            changes["product_archived"] = [True, False]
        await Product.update({Product.updated_at: datetime.now(UTC)}).where(Product.id == row["product"])
        await cards_changed([row["product"]])
        await record(actor, "variant.restore" if not archived else "variant.archive", "variant", variant_id,
                     changes)
    return True


async def add_barcode(variant_id: int, data: BarcodeInput | None = None, *, actor: str = "system") -> dict:
    """Adds a barcode (checked, unique across the catalog); None generates an in-store EAN-13.
    Returns {"code", "kind", "multiplier"}; one audit row."""
    problems: list[DomainError] = []
    checked = check.check_barcode(data, "", problems) if data is not None else None
    check.raise_all(problems, "The barcode has %(count)s errors")
    attempt = Attempt()

    async def work() -> dict:
        async with write_tx():
            row = await _variant(variant_id)
            if checked is None:
                code, kind, multiplier = await generate_internal_ean13(), "ean13", 1
            else:
                code, kind, multiplier = checked
                taken = await barcodes_taken([code])
                if code in taken:
                    raise Conflict("Barcode %(code)s already belongs to %(sku)s", field="code", code=code,
                                   sku=taken[code])
                if await Barcode.count().where(Barcode.variant == variant_id) >= check.MAX_BARCODES:
                    raise ValidationFailed("A variant can have at most %(max)s barcodes", field="code",
                                           max=check.MAX_BARCODES)
            attempt.codes.append(("code", code))
            await Barcode.insert(Barcode(variant=variant_id, code=code, kind=kind, multiplier=multiplier))
            await cards_changed([row["product"]])
            await record(actor, "barcode.add", "variant", variant_id,
                         {"sku": row["sku"], "code": code, "kind": kind, "multiplier": multiplier})
            return {"code": code, "kind": kind, "multiplier": multiplier}

    return await _guarded(work, attempt)


async def remove_barcode(variant_id: int, code: str, *, actor: str = "system") -> None:
    """Removes one of the variant's barcodes; NotFound when the variant does not have it."""
    async with write_tx():
        row = await _variant(variant_id)
        code = (code or "").strip()
        found = await Barcode.select(Barcode.id, Barcode.kind, Barcode.multiplier).where(
            Barcode.variant == variant_id).where(Barcode.code == code).first()
        if found is None:
            raise NotFound("Variant %(sku)s has no barcode %(code)s", field="code", sku=row["sku"], code=code)
        await Barcode.delete().where(Barcode.id == found["id"])
        await cards_changed([row["product"]])
        await record(actor, "barcode.remove", "variant", variant_id,
                     {"sku": row["sku"], "code": code, "kind": found["kind"], "multiplier": found["multiplier"]})
