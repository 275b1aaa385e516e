"""The product forms (a new product, a product's facts, a new variant, a variant's SKU and
characteristics): what the browser sent → the form as typed → the catalog's inputs, the row edits that
only re-render the form (add or remove a variant, a characteristic, a barcode), and the catalog's
problems (`variants[1].barcodes[0].code`) mapped onto the inputs that caused them.

Everything typed goes to the catalog service as it is when it cannot be read (a weight "abc", a
price "12,345"): the service refuses it with the field's name, so nothing is ever saved while any
input is wrong, and each message lands next to its input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from server.domain.catalog.dto import BarcodeInput, ProductInput, VariantInput
from server.errors import DomainError
from server.routes.manager._common import money_input, parse_money
from server.web.i18n import translate_error

EDIT_ROLES = {"manager"}  # create and change products, price types and categories (owner too)
MAX_FORM_VARIANTS = 50
MAX_ROWS = 30  # characteristics or barcodes of one variant on the form
MEASURES = ("weight_g", "length_mm", "width_mm", "height_mm")
TEXT_LIMIT = 20_000
PRICE_TEXT = "The price must be a sum in roubles, e.g. 149,90"
_WHOLE = re.compile(r"^-?\d{1,12}$")
_VARIANT_FIELD = re.compile(r"^variants\[(\d+)\]\.?(.*)$")
_ITEM = re.compile(r"^(\w+)\[(\d+)\]")
VARIANT_HEADS = {"sku", "name", "characteristics", "barcodes", "prices", "generate_barcode"}
PRODUCT_KEYS = {"name", "description", "category_id", "unit_code", "vat", *MEASURES, "image_urls",
                "serial_tracked", "marking_required"}


@dataclass
class CharRow:
    name: str = ""
    value: str = ""


@dataclass
class BarcodeRow:
    code: str = ""
    multiplier: str = "1"


@dataclass
class VariantForm:
    sku: str = ""
    chars: list[CharRow] = field(default_factory=lambda: [CharRow()])
    barcodes: list[BarcodeRow] = field(default_factory=lambda: [BarcodeRow()])
    generate: bool = False
    prices: dict[str, str] = field(default_factory=dict)  # price type code → roubles as typed


@dataclass
class ProductForm:
    name: str = ""
    category_id: str = ""
    unit_code: str = "796"
    vat: str = "22"
    description: str = ""
    weight_g: str = ""
    length_mm: str = ""
    width_mm: str = ""
    height_mm: str = ""
    image_urls: str = ""  # one address a line
    serial_tracked: bool = False
    marking_required: bool = False
    properties: dict[str, str] = field(default_factory=dict)  # property code → value as typed
    variants: list[VariantForm] = field(default_factory=lambda: [VariantForm()])


@dataclass
class FieldMap:
    """How the service's field names lead back to the form's rows."""

    single: bool = False  # one variant, fields without the `variants[n].` prefix (add/edit a variant)
    barcode_rows: dict[tuple[int, int], int] = field(default_factory=dict)  # (variant, given) → form row
    char_rows: dict[tuple[int, str], int] = field(default_factory=dict)  # (variant, name) → form row
    bad_prices: set[str] = field(default_factory=set)  # keys "v0.price.retail" typed as no sum at all


# --- reading the browser's form ------------------------------------------------------------------

def _text(form: Any, name: str, limit: int = 300) -> str:
    return str(form.get(name) or "").strip()[:limit]


def _flag(form: Any, name: str) -> bool:
    return str(form.get(name) or "") not in ("", "0", "false", "off")


def parse_facts(form: Any, pf: ProductForm | None = None) -> ProductForm:
    pf = pf or ProductForm(variants=[])
    pf.name, pf.category_id = _text(form, "name", 400), _text(form, "category_id", 20)
    pf.unit_code, pf.vat = _text(form, "unit_code", 8), _text(form, "vat", 8)
    pf.description = str(form.get("description") or "").strip()[:TEXT_LIMIT + 1]
    for name in MEASURES:
        setattr(pf, name, _text(form, name, 20))
    pf.image_urls = str(form.get("image_urls") or "")[:50_000]
    pf.serial_tracked, pf.marking_required = _flag(form, "serial_tracked"), _flag(form, "marking_required")
    pf.properties = {key[5:]: str(value).strip()[:400] for key, value in form.multi_items()
                     if key.startswith("prop.") and len(key) <= 70}
    return pf


def parse_variant(form: Any, n: int) -> VariantForm:
    p = f"v{n}."
    names, values = form.getall(p + "char_name", []), form.getall(p + "char_value", [])
    codes, mults = form.getall(p + "bc_code", []), form.getall(p + "bc_mult", [])

    def at(items: list, i: int, limit: int) -> str:
        return str(items[i]).strip()[:limit] if i < len(items) else ""

    return VariantForm(
        sku=_text(form, p + "sku", 80),
        chars=[CharRow(at(names, i, 120), at(values, i, 220)) for i in range(min(len(names), MAX_ROWS))],
        barcodes=[BarcodeRow(at(codes, i, 80), at(mults, i, 12) or "1") for i in range(min(len(codes), MAX_ROWS))],
        generate=_flag(form, p + "generate"),
        prices={key[len(p) + 6:]: str(value).strip()[:30] for key, value in form.multi_items()
                if key.startswith(p + "price.") and len(key) <= 60})


def parse_variants(form: Any) -> list[VariantForm]:
    count = min(max(_int(form.get("variant_count"), 1), 1), MAX_FORM_VARIANTS)
    return [parse_variant(form, n) for n in range(count)]


def parse_product(form: Any) -> ProductForm:
    pf = parse_facts(form)
    pf.variants = parse_variants(form)
    return pf


def _int(value: Any, default: int) -> int:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 6 else default


# --- row edits: re-render, save nothing -----------------------------------------------------------

def is_edit(form: Any) -> bool:
    return bool(form.get("edit"))


def apply_edit(variants: list[VariantForm], form: Any, *, multi: bool) -> str | None:
    """edit=add_variant | remove_variant:N | add_char:N | remove_char:N:I | add_barcode:N |
    remove_barcode:N:I (anything else, e.g. "refresh", only re-renders). Returns the id of the input to
    focus: the first input of an added row."""
    action, *where = str(form.get("edit") or "").split(":")
    nums = [_int(w, -1) for w in where]
    n = nums[0] if nums else -1
    if action == "add_variant" and multi and len(variants) < MAX_FORM_VARIANTS:
        variants.append(VariantForm())
        return f"f-v{len(variants) - 1}-sku"
    if not 0 <= n < len(variants):
        return None
    variant = variants[n]
    if action == "remove_variant" and multi and len(variants) > 1:
        variants.pop(n)
    elif action == "add_char" and len(variant.chars) < MAX_ROWS:
        variant.chars.append(CharRow())
        return f"f-v{n}-char{len(variant.chars) - 1}-name"
    elif action == "add_barcode" and len(variant.barcodes) < MAX_ROWS:
        variant.barcodes.append(BarcodeRow())
        return f"f-v{n}-bc{len(variant.barcodes) - 1}-code"
    elif action in ("remove_char", "remove_barcode") and len(nums) > 1:
        rows = variant.chars if action == "remove_char" else variant.barcodes
        if 0 <= nums[1] < len(rows):
            rows.pop(nums[1])
    return None


# --- the form → the catalog's inputs --------------------------------------------------------------

def _whole(text: str, empty: int) -> int | str:
    """A whole number as typed, or the text itself (the service then says what is wrong)."""
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if not cleaned:
        return empty
    return int(cleaned) if _WHOLE.match(cleaned) else text


def facts_of(pf: ProductForm) -> dict[str, Any]:
    """The product's own fields, as update_product and ProductInput take them."""
    category = pf.category_id.strip()
    return {"name": pf.name, "description": pf.description, "unit_code": pf.unit_code, "vat": pf.vat,
            "category_id": (int(category) if category.isdigit() else category) if category else None,
            **{name: _whole(getattr(pf, name), 0) for name in MEASURES},
            "image_urls": [line.strip() for line in pf.image_urls.splitlines() if line.strip()],
            "serial_tracked": pf.serial_tracked, "marking_required": pf.marking_required}


def properties_of(pf: ProductForm) -> dict[str, str]:
    return dict(pf.properties)


def characteristics_of(v: VariantForm, n: int, fmap: FieldMap) -> dict[str, str]:
    """Name → value of the rows that are not blank. A name given twice stays twice (with a space
    more, which the service trims) so that the service can say so."""
    chars: dict[str, str] = {}
    for i, row in enumerate(v.chars):
        if not row.name and not row.value:
            continue
        key = row.name
        while key in chars:
            key += " "
        chars[key] = row.value
        fmap.char_rows.setdefault((n, " ".join(row.name.split())), i)
    return chars


def variant_input(v: VariantForm, n: int, fmap: FieldMap, price_codes: list[str] | None = None) -> VariantInput:
    barcodes: list[BarcodeInput] = []
    for i, row in enumerate(v.barcodes):
        if not row.code:
            continue
        fmap.barcode_rows[(n, len(barcodes))] = i
        barcodes.append(BarcodeInput(code=row.code, multiplier=_whole(row.multiplier, 1)))  # type: ignore[arg-type]
    prices: dict[str, Any] = {}
    for code, typed in v.prices.items():
        if not typed or (price_codes is not None and code not in price_codes):
            continue
        amount = parse_money(typed)
        if amount is None:
            fmap.bad_prices.add(f"v{n}.price.{code}")
        prices[code] = typed if amount is None else amount
    return VariantInput(sku=v.sku or None, characteristics=characteristics_of(v, n, fmap), barcodes=barcodes,
                        prices=prices, generate_barcode=v.generate)


def product_input(pf: ProductForm) -> tuple[ProductInput, FieldMap]:
    fmap = FieldMap()
    variants = [variant_input(v, n, fmap) for n, v in enumerate(pf.variants)]
    facts = facts_of(pf)
    return ProductInput(variants=variants, properties=properties_of(pf), **facts), fmap


def form_from_card(card: dict) -> ProductForm:
    """A saved product (get_product_card) → the facts form as it would be typed."""
    p = card["product"]

    def shown(prop: dict) -> str:
        value = prop["value"]
        if isinstance(value, bool):
            return "yes" if value else "no"
        return "" if value is None else str(value)

    return ProductForm(
        name=p["name"], category_id=str(p["category_id"] or ""), unit_code=p.get("unit_code") or "796",
        vat=p["vat"] or "", description=p["description"] or "",
        **{name: str(p[name]) if p[name] else "" for name in MEASURES},
        image_urls="\n".join(u for u in (p["image_urls"] or []) if isinstance(u, str)),
        serial_tracked=bool(p["serial_tracked"]), marking_required=bool(p["marking_required"]),
        properties={prop["code"]: shown(prop) for prop in card.get("properties") or []}, variants=[])


def variant_from_card(variant: dict) -> VariantForm:
    chars = [CharRow(k, v) for k, v in (variant.get("characteristics") or {}).items()]
    return VariantForm(sku=variant["sku"], chars=chars or [CharRow()], barcodes=[],
                       prices={code: money_input(amount) for code, amount in (variant.get("prices") or {}).items()})


# --- the catalog's problems → messages next to the inputs ------------------------------------------

def _variant_key(n: int, rest: str, fmap: FieldMap) -> str:
    head, _, tail = rest.partition(".")
    item = _ITEM.match(rest)
    if item and item.group(1) == "barcodes":
        row = fmap.barcode_rows.get((n, int(item.group(2))))
        return f"v{n}.bc{row}" if row is not None else f"v{n}.barcodes"
    if head == "sku":
        return f"v{n}.sku"
    if head == "characteristics":
        row = fmap.char_rows.get((n, tail)) if tail else None
        return f"v{n}.char{row}" if row is not None else f"v{n}.chars"
    if head == "barcodes":
        return f"v{n}.barcodes"
    if head == "prices":
        return f"v{n}.price.{tail}" if tail else f"v{n}.prices"
    if head == "generate_barcode":
        return f"v{n}.generate"
    return f"v{n}"


def key_of(problem_field: str | None, fmap: FieldMap) -> str:
    """The service's field → the form's key: "name", "prop.origin", "v1.sku", "v0.bc2", "v0.char1",
    "v0.price.retail", "v0.chars", "v0" (the variant as a whole), "variants", or "" (the form)."""
    text = problem_field or ""
    found = _VARIANT_FIELD.match(text)
    if found:
        return _variant_key(int(found.group(1)), found.group(2), fmap)
    head = re.split(r"[.\[]", text, maxsplit=1)[0]
    if fmap.single and head in VARIANT_HEADS:
        return _variant_key(0, text, fmap)
    if head in PRODUCT_KEYS:
        return head
    if head == "properties":
        return f"prop.{text[11:]}" if text.startswith("properties.") else "props"
    if head == "variants":
        return "variants"
    return ""


def form_errors(exc: DomainError, fmap: FieldMap, shown: set[str]) -> dict[str, list[str]]:
    """Every problem as a sentence in the user's language, by the form key it belongs to; a key the
    form does not show goes to "" (the top of the form), so no problem is ever left unsaid."""
    found: dict[str, list[str]] = {}
    for p in exc.problems or [exc]:
        key = key_of(p.field, fmap)
        if key in fmap.bad_prices and p.message == "A price must be a whole number of kopecks":
            message = translate_error(PRICE_TEXT)
        else:
            message = translate_error(p.message, p.params)
        found.setdefault(key if key in shown else "", []).append(message)
    return found


def shown_keys(pf_facts: bool, variants: list[VariantForm], price_codes: list[str], prop_codes: list[str],
               *, full_variants: bool = True) -> set[str]:
    """The keys the form template has a place for."""
    keys = {"", "variants"}
    if pf_facts:
        keys |= PRODUCT_KEYS | {"props"} | {f"prop.{c}" for c in prop_codes}
    for n, v in enumerate(variants):
        keys |= {f"v{n}", f"v{n}.sku", f"v{n}.chars"} | {f"v{n}.char{i}" for i in range(len(v.chars))}
        if full_variants:
            keys |= {f"v{n}.barcodes", f"v{n}.generate", f"v{n}.prices"}
            keys |= {f"v{n}.bc{i}" for i in range(len(v.barcodes))} | {f"v{n}.price.{c}" for c in price_codes}
    return keys


def error_summary(exc: DomainError, errors: dict[str, list[str]]) -> dict[str, Any]:
    """The flash above the form: the headline and every message (in the order of the form)."""
    messages = [m for ms in errors.values() for m in ms]
    headline = translate_error(exc.message, exc.params)
    return {"level": "error", "message": headline, "messages": [m for m in messages if m != headline]}
