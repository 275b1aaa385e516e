"""Products and variants of an import, with their property values. Internal.

New rows go in with multi-row INSERTs; a known row is compared field by field and updated only when
the source changed it (so a re-import of the same files reports everything unchanged). A known
variant keeps its SKU (labels are printed with it); a new one takes the 1C Артикул (transliterated
when Cyrillic) or a SKU made from the product name, made unique. The external_id columns of
product and variant hold the 1C Ид of the source that created them, when it fits and is free.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlsplit

from server.domain.catalog.properties import encode_value
from server.domain.catalog.search import search_text_for
from server.domain.exchange import _sql
from server.domain.exchange._names import SkuAllocator, sku_from
from server.domain.exchange._plan import Item, Plan, variant_name
from server.domain.exchange._reference import Resolved, unit_for
from server.domain.exchange.dto import ImportReport, note_of
from server.domain.exchange.refs import rename_ref, save_refs
from server.errors import ValidationFailed

VAT_BY_RATE = {"22": "22", "20": "20", "10": "10", "7": "7", "5": "5", "0": "0"}
NO_VAT = ("без ндс", "без налога", "не облагается", "none")
GENERAL_VAT = "22"
_PRODUCT_COLS = ("name", "description", "category", "unit", "vat", "weight_g", "image_urls", "archived")


def vat_of(rate: str | None, item: Item, report: ImportReport) -> str | None:
    """Our VAT code for a 1C rate; None keeps the product's (or the default for new ones)."""
    if rate is None:
        return None
    text = rate.strip().rstrip("%").strip().casefold()
    if text in NO_VAT:
        return "none"
    if text in VAT_BY_RATE:
        return VAT_BY_RATE[text]
    report.notes.append(note_of(ValidationFailed("Product %(id)s: VAT %(rate)s is not a rate in force; the general "
                                                 "rate %(vat)s %% is used", id=item.external_id, rate=rate,
                                                 vat=GENERAL_VAT)))
    return GENERAL_VAT


def _image_urls(urls: list[str]) -> tuple[list[str], int]:
    kept = [u for u in urls if urlsplit(u).scheme in ("http", "https") and urlsplit(u).netloc and len(u) <= 2000]
    return kept[:20], len(urls) - len(kept)


async def _columns(item: Item, res: Resolved, report: ImportReport, counters: dict) -> dict:
    card = item.card
    images, dropped = _image_urls(card.image_urls)
    counters["images"] += dropped
    category = res.categories.get(card.group_id) if card.group_id else None
    if card.group_id and category is None:
        counters["groups"].add(card.group_id)
    cols = {"name": " ".join(card.name.split()), "description": (card.description or "").strip()[:20000],
            "category": category, "unit": await unit_for(card.unit_code, card.unit_name, report, res),
            "vat": vat_of(card.vat, item, report), "weight_g": card.weight_g, "image_urls": images,
            "archived": card.deleted}
    if card.group_id and category is None:
        cols.pop("category")  # an unknown group: keep what the product has
    return {k: v for k, v in cols.items() if v is not None or k == "category"}


async def write_products(plan: Plan, res: Resolved, report: ImportReport) -> dict[int, str]:
    """Creates and updates the products; fills item.product_id. Returns {product id: name}."""
    counts = report["products"]
    counters = {"images": 0, "groups": set()}
    mapped = [i.product_id for i in plan.items if i.product_id]
    rows = {r["id"]: r for r in await _sql.select_in(
        f"SELECT id, {', '.join(_PRODUCT_COLS)} FROM product WHERE id IN ({{in}})", mapped)}
    names: dict[int, str] = {}
    new: list[tuple[Item, dict]] = []
    now = datetime.now(UTC)
    for item in plan.items:
        row = rows.get(item.product_id) if item.product_id else None
        if not item.has_card:
            if row is not None:
                names[row["id"]] = row["name"]
            continue
        cols = await _columns(item, res, report, counters)
        if row is None:
            item.product_id = None
            new.append((item, cols))
            continue
        names[row["id"]] = cols["name"]
        if cols["name"] != row["name"]:
            plan.renamed_products.add(row["id"])
        diff = {k: v for k, v in cols.items() if _stored(row[k], k) != v}
        if diff:
            sets = ", ".join(f"{k} = {{}}" for k in diff)
            values = [json.dumps(v) if k == "image_urls" else v for k, v in diff.items()]
            await _sql.raw(f"UPDATE product SET {sets}, updated_at = {{}} WHERE id = {{}}", *values, now, row["id"])
            plan.changed_products.add(row["id"])
            counts.updated += 1
        else:
            counts.unchanged += 1
    await _insert_products(new, now, names)
    plan.changed_products.update(i.product_id for i, _ in new)
    counts.created += len(new)
    await save_refs(plan.source, "product", [(i.external_id, i.product_id, i.card.name) for i, _ in new])
    if counters["images"]:
        report.notes.append(note_of(ValidationFailed(
            "%(count)s pictures are not imported: their files come with the exchange, not with these files",
            count=counters["images"])))
    for group in sorted(counters["groups"]):
        report.notes.append(note_of(ValidationFailed("Group %(id)s is neither in these files nor imported before: "
                                                     "its products keep their category", id=group)))
    return names


def _stored(value, key: str):
    if key == "image_urls" and isinstance(value, str):
        return json.loads(value)
    if key == "archived":
        return bool(value)
    return value


async def _insert_products(new: list[tuple[Item, dict]], now: datetime, names: dict[int, str]) -> None:
    if not new:
        return
    taken = {r["external_id"] for r in await _sql.select_in(
        "SELECT external_id FROM product WHERE external_id IN ({in})", [i.external_id for i, _ in new])}
    columns = (*_PRODUCT_COLS, "external_id", "created_at", "updated_at")
    batch, single = [], []
    for item, cols in new:
        ext = item.external_id if len(item.external_id) <= 64 and item.external_id not in taken else None
        row = (cols["name"], cols.get("description", ""), cols.get("category"), cols["unit"], cols.get("vat") or "22",
               cols.get("weight_g") or 0, json.dumps(cols.get("image_urls", [])), bool(cols.get("archived")), ext,
               now, now)
        (batch if ext else single).append((item, row))
    by_ext = {i.external_id: i for i, _ in batch}
    for r in await _sql.insert_rows("product", columns, [row for _, row in batch], returning="id, external_id"):
        by_ext[r["external_id"]].product_id = int(r["id"])
    for item, row in single:
        made = await _sql.insert_rows("product", columns, [row], returning="id")
        item.product_id = int(made[0]["id"])
    for item, cols in new:
        names[item.product_id] = cols["name"]


async def write_variants(plan: Plan, names: dict[int, str], report: ImportReport) -> dict[str, int]:
    """Creates and updates variants; returns {external id: variant id} of every variant of the import."""
    counts = report["variants"]
    counts.skipped += plan.skipped_variants
    for old, new in plan.renamed:
        await rename_ref(plan.source, "variant", old, new)
    known_ids = [vid for i in plan.items for vid in i.variant_ids.values()]
    rows = {r["id"]: r for r in await _sql.select_in(
        "SELECT id, product, sku, name, characteristics, archived FROM variant WHERE id IN ({in})", known_ids)}
    ids: dict[str, int] = {}
    new: list[tuple] = []
    renamed_products = plan.renamed_products
    allocator: SkuAllocator | None = None
    for item in plan.items:
        product_name = names.get(item.product_id, item.card.name)
        numbered = sum(1 for v in item.variants if v.external_id not in item.variant_ids) > 1
        for v in item.variants:
            name, chars = variant_name(v, product_name), v.characteristics
            row = rows.get(item.variant_ids.get(v.external_id, -1))
            if row is not None and row["product"] == item.product_id:
                ids[v.external_id] = row["id"]
                plan.variant_products[row["id"]] = item.product_id
                stored = json.loads(row["characteristics"]) if isinstance(row["characteristics"], str) \
                    else row["characteristics"]
                if (row["name"], stored, bool(row["archived"])) != (name, chars, v.deleted) \
                        or item.product_id in renamed_products:
                    await _sql.raw("UPDATE variant SET name = {}, characteristics = {}, archived = {}, "
                                   "search_text = {} WHERE id = {}", name, json.dumps(chars), v.deleted,
                                   search_text_for(product_name, name, row["sku"]), row["id"])
                    plan.changed_products.add(item.product_id)
                    counts.updated += 1
                else:
                    counts.unchanged += 1
                continue
            if allocator is None:
                allocator = SkuAllocator({r["sku"] for r in await _sql.raw("SELECT sku FROM variant")})
            article = v.sku or item.card.sku
            sku = allocator.take(sku_from(article, product_name), numbered=numbered and not article)
            new.append((v.external_id, item.product_id, sku, name, json.dumps(chars),
                        search_text_for(product_name, name, sku), v.deleted))
    await _insert_variants(new, ids)
    plan.changed_products.update(n[1] for n in new)
    plan.variant_products.update({ids[n[0]]: n[1] for n in new})
    counts.created += len(new)
    known = {e for i in plan.items for e in i.variant_ids}
    await save_refs(plan.source, "variant", [(ext, vid, "") for ext, vid in ids.items() if ext not in known])
    return ids


async def _insert_variants(new: list[tuple], ids: dict[str, int]) -> None:
    if not new:
        return
    taken = {r["external_id"] for r in await _sql.select_in(
        "SELECT external_id FROM variant WHERE external_id IN ({in})", [n[0] for n in new])}
    now = datetime.now(UTC)
    rows = [(pid, sku, name, chars, text, archived, ext if len(ext) <= 80 and ext not in taken else None, now)
            for ext, pid, sku, name, chars, text, archived in new]
    by_sku = {n[2].lower(): n[0] for n in new}
    made = await _sql.insert_rows("variant", ("product", "sku", "name", "characteristics", "search_text", "archived",
                                              "external_id", "created_at"), rows, returning="id, sku")
    for r in made:
        ids[by_sku[r["sku"].lower()]] = int(r["id"])


async def write_property_values(plan: Plan, res: Resolved, report: ImportReport) -> None:
    wanted: dict[tuple[int, int], tuple[str, int | None]] = {}
    unknown: set[str] = set()
    for item in plan.items:
        if not item.has_card or not item.card.properties:
            continue
        for ext, values in item.card.properties.items():
            prop = res.properties.get(ext)
            if prop is None:
                unknown.add(ext)
                continue
            encoded = _encode(prop, values, item, report)
            if encoded is not None:
                wanted[(item.product_id, prop["id"])] = encoded
    for ext in sorted(unknown):
        report.notes.append(note_of(ValidationFailed("Property %(id)s is neither described in these files nor "
                                                     "imported before: its values are not imported", id=ext)))
    if not wanted:
        return
    rows = await _sql.select_in("SELECT product, prop, value_text, value_number FROM product_property "
                                "WHERE product IN ({in})", sorted({p for p, _ in wanted}))
    have = {(r["product"], r["prop"]): (r["value_text"], r["value_number"]) for r in rows}
    changed = [(p, prop, text, number) for (p, prop), (text, number) in wanted.items()
               if have.get((p, prop)) != (text, number)]
    await _sql.insert_rows("product_property", ("product", "prop", "value_text", "value_number"), changed,
                           conflict="ON CONFLICT (product, prop) DO UPDATE SET value_text = excluded.value_text, "
                           "value_number = excluded.value_number")


def _encode(prop: dict, values: list[str], item: Item, report: ImportReport) -> tuple[str, int | None] | None:
    value = values[0] if prop["kind"] != "text" else "; ".join(values)
    try:
        text, number = encode_value(prop, value[:300], item.external_id)
    except ValidationFailed as exc:
        report.notes.append(note_of(exc, item.external_id))
        return None
    return text[:300], number
