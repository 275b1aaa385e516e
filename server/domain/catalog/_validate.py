"""Checking a product and its variants before anything is written. Internal.

Shape checks are pure and collect every problem with its field (`variants[1].barcodes[0].code`);
reference checks (unit, category, price types, properties, SKUs and barcodes already taken) read the
database. Everything is reported at once: one problem is raised as itself, several as one error
carrying `problems` — a Conflict when every problem is a conflict, else ValidationFailed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from server.domain.catalog import barcodes as bc
from server.domain.catalog._sku import skus_taken, valid_sku
from server.domain.catalog.dto import BarcodeInput, ProductInput, VariantInput
from server.domain.catalog.prices import amount_problem, price_type_ids
from server.domain.catalog.properties import check_values, load_properties
from server.domain.catalog.tables import VAT_RATES, Category
from server.domain.catalog.units import unit_ids
from server.errors import Conflict, DomainError, ValidationFailed

MAX_VARIANTS = 1000
MAX_BARCODES = 50
MAX_IMAGES = 20
MAX_SIZE = 2_147_483_647  # Integer columns
MEASURES = ("weight_g", "length_mm", "width_mm", "height_mm")
_VARIANT_INDEX = re.compile(r"^variants\[(\d+)\]")
_ITEM_INDEX = re.compile(r"^\w+\[(\d+)\]")
_FIELD_ORDER = ("name", "description", "category_id", "unit_code", "vat", *MEASURES, "image_urls", "serial_tracked",
                "marking_required", "archived", "properties", "variants", "sku", "characteristics", "barcodes",
                "prices", "generate_barcode")


def at(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _position(problem: DomainError) -> tuple[int, int, int]:
    """Product-level problems first, then each variant's in the order of the variants; within each,
    in the order of the fields on the form."""
    field = problem.field or ""
    found = _VARIANT_INDEX.match(field)
    rest = field[found.end():].lstrip(".") if found else field
    head = re.split(r"[.\[]", rest, maxsplit=1)[0]
    item = _ITEM_INDEX.match(rest)
    return (int(found.group(1)) if found else -1, _FIELD_ORDER.index(head) if head in _FIELD_ORDER else len(_FIELD_ORDER),
            int(item.group(1)) if item else -1)


def raise_all(problems: list[DomainError], what: str = "The product has %(count)s errors") -> None:
    problems.sort(key=_position)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        kind = Conflict if all(isinstance(p, Conflict) for p in problems) else ValidationFailed
        raise kind(what, problems=problems, count=len(problems))


@dataclass
class CheckedVariant:
    sku: str | None  # None → generated
    name: str
    characteristics: dict[str, str]
    barcodes: list[tuple[str, str, int]]  # (code, kind, multiplier)
    prices: dict[str, int]
    generate_barcode: bool
    prefix: str  # "variants[0]"; "" for a single variant
    barcode_fields: list[str] = field(default_factory=list)  # "variants[0].barcodes[2].code" for each barcode


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def check_name(name: Any, problems: list[DomainError]) -> str:
    text = " ".join(name.split()) if isinstance(name, str) else ""
    if not text or len(text) > 300:
        problems.append(ValidationFailed("The product name must be 1 to 300 characters long", field="name"))
    return text


def check_image_urls(urls: Any, problems: list[DomainError]) -> list[str]:
    if not isinstance(urls, list):
        problems.append(ValidationFailed("Images must be a list of addresses", field="image_urls"))
        return []
    if len(urls) > MAX_IMAGES:
        problems.append(ValidationFailed("At most %(max)s images", field="image_urls", max=MAX_IMAGES))
    cleaned = []
    for n, url in enumerate(urls):
        text = url.strip() if isinstance(url, str) else ""
        parts = urlsplit(text) if text and len(text) <= 2000 and text.isprintable() and " " not in text else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(ValidationFailed("Image %(url)s: use an http:// or https:// address",
                                             field=f"image_urls[{n}]", url=str(url)[:200]))
        cleaned.append(text)
    return cleaned


def check_product_columns(data: ProductInput | dict, problems: list[DomainError], only: set[str] | None = None
                          ) -> dict[str, Any]:
    """Shape checks of the product's own fields; `only` limits them to the fields being changed."""
    get = data.get if isinstance(data, dict) else (lambda k, d=None: getattr(data, k, d))
    wanted = only if only is not None else {"name", "description", "vat", *MEASURES, "image_urls",
                                            "serial_tracked", "marking_required"}
    out: dict[str, Any] = {}
    if "name" in wanted:
        out["name"] = check_name(get("name"), problems)
    if "description" in wanted:
        description = get("description") or ""
        if not isinstance(description, str) or len(description) > 20_000:
            problems.append(ValidationFailed("The description must be at most 20000 characters long",
                                             field="description"))
        out["description"] = description.strip() if isinstance(description, str) else ""
    if "vat" in wanted:
        vat = str(get("vat") or "").strip().rstrip("%").strip().lower()
        if vat not in VAT_RATES:
            problems.append(ValidationFailed("Unknown VAT rate %(vat)s: use %(rates)s", field="vat",
                                             vat=str(get("vat")), rates=", ".join(VAT_RATES)))
        out["vat"] = vat
    for name in MEASURES:
        if name in wanted:
            value = get(name) or 0
            if not _whole(value, 0, MAX_SIZE):
                problems.append(ValidationFailed("Weight and dimensions must be whole numbers from 0 to %(max)s",
                                                 field=name, max=MAX_SIZE))
            out[name] = value
    if "image_urls" in wanted:
        out["image_urls"] = check_image_urls(get("image_urls") or [], problems)
    for flag in ("serial_tracked", "marking_required", "archived"):
        if flag in wanted:
            out[flag] = bool(get(flag))
    return out


def check_characteristics(chars: Any, prefix: str, problems: list[DomainError]) -> dict[str, str]:
    where = at(prefix, "characteristics")
    if not isinstance(chars, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in chars.items()):
        problems.append(ValidationFailed("Characteristics must be names and values as text", field=where))
        return {}
    cleaned: dict[str, str] = {}
    for key, value in chars.items():
        name, text = " ".join(key.split()), " ".join(value.split())
        if not name or len(name) > 100:
            problems.append(ValidationFailed("A characteristic name must be 1 to 100 characters long", field=where))
        elif name.casefold() in {k.casefold() for k in cleaned}:
            problems.append(ValidationFailed("Characteristic %(name)s is given twice", field=where, name=name))
        elif not text or len(text) > 200:
            problems.append(ValidationFailed("Characteristic %(name)s needs a value of 1 to 200 characters",
                                             field=f"{where}.{name}", name=name))
        else:
            cleaned[name] = text
    return cleaned


def check_barcode(b: BarcodeInput, where: str, problems: list[DomainError]) -> tuple[str, str, int] | None:
    code = bc.clean_scan(b.code) if isinstance(b.code, str) else ""
    found = len(problems)
    kind = None
    try:
        kind = bc.validate_barcode(code, b.kind)
    except ValidationFailed as exc:
        problems.append(ValidationFailed(exc.message, field=at(where, exc.field or "code"), **exc.params))
    try:
        bc.validate_multiplier(b.multiplier)
    except ValidationFailed as exc:
        problems.append(ValidationFailed(exc.message, field=at(where, "multiplier"), **exc.params))
    return (code, kind, b.multiplier) if len(problems) == found and kind else None


def check_variant(v: VariantInput, prefix: str, problems: list[DomainError]) -> CheckedVariant:
    sku = v.sku.strip() if isinstance(v.sku, str) else None
    if v.sku is not None and not (isinstance(v.sku, str) and valid_sku(sku)):
        problems.append(ValidationFailed("SKU %(sku)s: use 1 to 64 Latin letters, digits or signs, without "
                                         "spaces at the ends", field=at(prefix, "sku"), sku=str(v.sku)[:80]))
    chars = check_characteristics(v.characteristics, prefix, problems)
    given = " ".join(v.name.split()) if isinstance(v.name, str) else ""
    name = given or ", ".join(chars.values())
    if len(name) > 300:
        problems.append(ValidationFailed("The variant name must be at most 300 characters long",
                                         field=at(prefix, "name")))
    codes: list[tuple[str, str, int]] = []
    code_fields: list[str] = []  # the given index, even when an earlier barcode was refused
    if len(v.barcodes) > MAX_BARCODES:
        problems.append(ValidationFailed("A variant can have at most %(max)s barcodes", field=at(prefix, "barcodes"),
                                         max=MAX_BARCODES))
    for j, b in enumerate(v.barcodes):
        checked = check_barcode(b, f"{at(prefix, 'barcodes')}[{j}]", problems)
        if checked:
            codes.append(checked)
            code_fields.append(f"{at(prefix, 'barcodes')}[{j}].code")
    prices: dict[str, int] = {}
    if not isinstance(v.prices, dict):
        problems.append(ValidationFailed("Prices must be given as a price type code and an amount in kopecks",
                                         field=at(prefix, "prices")))
    else:
        for code, amount in v.prices.items():
            problem = amount_problem(amount, f"{at(prefix, 'prices')}.{code}")
            if problem is not None:
                problems.append(problem)
            prices[str(code)] = amount
    return CheckedVariant(sku=sku or None, name=name, characteristics=chars, barcodes=codes, prices=prices,
                          generate_barcode=bool(v.generate_barcode), prefix=prefix, barcode_fields=code_fields)


def check_repeats(variants: list[CheckedVariant], problems: list[DomainError],
                  existing_names: dict[str, str] | None = None) -> None:
    """The same SKU, barcode or set of characteristics twice in one request (or, for characteristics,
    already on the product: `existing_names` maps casefolded characteristics to a variant name)."""
    skus: set[str] = set()
    codes: set[str] = set()
    combos: dict[str, str] = dict(existing_names or {})
    for v in variants:
        if v.sku:
            if v.sku.lower() in skus:
                problems.append(ValidationFailed("SKU %(sku)s is given twice", field=at(v.prefix, "sku"), sku=v.sku))
            skus.add(v.sku.lower())
        for (code, _kind, _mult), where in zip(v.barcodes, v.barcode_fields, strict=True):
            if code in codes:
                problems.append(ValidationFailed("Barcode %(code)s is given twice", field=where, code=code))
            codes.add(code)
        if v.characteristics:
            key = combo_key(v.characteristics)
            if key in combos:
                problems.append(ValidationFailed("Two variants have the same characteristics: %(name)s",
                                                 field=at(v.prefix, "characteristics"), name=v.name or combos[key]))
            combos[key] = v.name


def combo_key(characteristics: dict[str, str]) -> str:
    return "\x1f".join(sorted(f"{k.casefold()}\x1e{v.casefold()}" for k, v in characteristics.items()))


async def check_taken(variants: list[CheckedVariant], problems: list[DomainError]) -> None:
    """SKUs and barcodes already in the catalog (Conflict, naming who has them)."""
    taken_skus = await skus_taken([v.sku for v in variants if v.sku])
    taken_codes = await bc.barcodes_taken([c for v in variants for c, _k, _m in v.barcodes])
    for v in variants:
        if v.sku and v.sku.lower() in taken_skus:
            problems.append(Conflict("SKU %(sku)s is already used by %(product)s", field=at(v.prefix, "sku"),
                                     sku=taken_skus[v.sku.lower()]["sku"], product=taken_skus[v.sku.lower()]["product"]))
        for (code, _kind, _mult), where in zip(v.barcodes, v.barcode_fields, strict=True):
            if code in taken_codes:
                problems.append(Conflict("Barcode %(code)s already belongs to %(sku)s", field=where, code=code,
                                         sku=taken_codes[code]))


async def check_price_types(variants: list[CheckedVariant], problems: list[DomainError]) -> dict[str, int]:
    ids = await price_type_ids(sorted({code for v in variants for code in v.prices}))
    for v in variants:
        for code in v.prices:
            if code not in ids:
                problems.append(ValidationFailed("Unknown price type %(code)s", field=f"{at(v.prefix, 'prices')}.{code}",
                                                 code=code))
    return ids


async def check_unit_and_category(unit_code: Any, category_id: Any, problems: list[DomainError],
                                  check_unit: bool = True, check_category: bool = True) -> int | None:
    unit_id = None
    if check_unit:
        unit_id = (await unit_ids([unit_code])).get(unit_code) if isinstance(unit_code, str) else None
        if unit_id is None:
            problems.append(ValidationFailed("Unknown unit %(code)s", field="unit_code", code=str(unit_code)))
    if check_category and category_id is not None:
        exists = _whole(category_id, 1, 2**63 - 1) and await Category.exists().where(Category.id == category_id)
        if not exists:
            problems.append(ValidationFailed("Unknown category %(id)s", field="category_id", id=category_id))
    return unit_id


async def check_properties(values: Any, problems: list[DomainError]) -> dict[str, tuple[str, int | None, int]]:
    """{code: (value_text, value_number, property id)} of the values that passed."""
    if not isinstance(values, dict):
        problems.append(ValidationFailed("Properties must be given as a code and a value", field="properties"))
        return {}
    props = await load_properties([str(k) for k in values])
    encoded, found = check_values(props, {str(k): v for k, v in values.items()})
    problems.extend(found)
    return {code: (text, number, props[code]["id"]) for code, (text, number) in encoded.items()}

