"""Barcodes: check digits, detection, uniqueness, internal EAN-13 generation, lookup by scan.

Kinds: ean13, ean8, upca (digits with a GS1 check digit, verified), code128 (any printable ASCII,
as on pallet and shelf labels), internal (a shop's own printable code). A code is unique across the
whole catalog; a package barcode carries a multiplier (one scan = N units).
"""

from __future__ import annotations

import re

from server.db import is_sqlite
from server.domain.catalog.dto import ScannedVariant
from server.domain.catalog.tables import BARCODE_KINDS, Barcode, Variant
from server.errors import ValidationFailed

_GS1_LENGTHS = {"ean13": 13, "ean8": 8, "upca": 12}
_PRINTABLE = re.compile(r"^[\x20-\x7e]{1,64}$")
INTERNAL_PREFIX = "20"  # GS1 "in-store" range 20–29; weight labels usually take 21–29
MAX_MULTIPLIER = 100_000


def gs1_check_digit(body: str) -> str:
    """The GS1 mod-10 check digit for the digits before it (EAN-8, UPC-A, EAN-13 alike)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def detect_kind(code: str) -> str:
    if code.isdigit() and code.isascii():
        for kind, length in _GS1_LENGTHS.items():
            if len(code) == length:
                return kind
    return "code128"


def validate_barcode(code: str, kind: str | None = None) -> str:
    """Returns the kind (ean13|ean8|upca|code128|internal); raises ValidationFailed with a clear
    message on a wrong check digit, a wrong length or bad characters."""
    code = code or ""
    if kind is not None and kind not in BARCODE_KINDS:
        raise ValidationFailed("Unknown barcode kind %(kind)s: use ean13, ean8, upca, code128 or internal",
                               field="kind", kind=kind)
    kind = kind or detect_kind(code)
    if kind in _GS1_LENGTHS:
        length = _GS1_LENGTHS[kind]
        if not (code.isdigit() and code.isascii() and len(code) == length):
            raise ValidationFailed("Barcode %(code)s: %(kind)s must be exactly %(length)s digits",
                                   field="code", code=code, kind=kind.upper(), length=length)
        expected = gs1_check_digit(code[:-1])
        if code[-1] != expected:
            raise ValidationFailed("Barcode %(code)s: wrong check digit, expected %(expected)s",
                                   field="code", code=code, expected=expected)
        return kind
    if not _PRINTABLE.match(code) or code != code.strip():
        raise ValidationFailed("Barcode %(code)s: use 1 to 64 printable Latin characters, digits or signs, "
                               "without spaces at the ends", field="code", code=code)
    return kind


def validate_multiplier(multiplier: int) -> None:
    if isinstance(multiplier, bool) or not isinstance(multiplier, int) or not 1 <= multiplier <= MAX_MULTIPLIER:
        raise ValidationFailed("A package barcode's quantity must be a whole number from 1 to %(max)s",
                               field="multiplier", max=MAX_MULTIPLIER)


def clean_scan(code: str) -> str:
    """What a scanner or a person typed, without the Enter, tabs and spaces around it, and without the
    GS1 group separator some scanners send in front."""
    return (code or "").strip().strip("\x1d").strip()


async def _variant_row(variant_id: int) -> dict | None:
    return await Variant.select(Variant.id, Variant.sku, Variant.name, Variant.product,
                                Variant.product.name.as_alias("product_name")).where(
        Variant.id == variant_id).first()


def _scanned(row: dict, multiplier: int, matched: str) -> ScannedVariant:
    name = ", ".join(p for p in (row["product_name"], row["name"]) if p)
    return ScannedVariant(variant_id=row["id"], sku=row["sku"], product_id=row["product"], name=name,
                          multiplier=multiplier, matched=matched)


async def find_by_barcode(code: str) -> ScannedVariant | None:
    """Only a barcode, with its multiplier."""
    code = clean_scan(code)
    if not code or len(code) > 64:
        return None
    barcode = await Barcode.select(Barcode.variant, Barcode.multiplier).where(Barcode.code == code).first()
    if barcode is None:
        return None
    row = await _variant_row(barcode["variant"])
    return _scanned(row, barcode["multiplier"], "barcode") if row else None


async def find_by_sku(sku: str) -> ScannedVariant | None:
    """Only a SKU: exact first, then in any case (SKUs are unique regardless of case)."""
    sku = clean_scan(sku)
    if not sku or len(sku) > 64:
        return None
    row = await Variant.select(Variant.id).where(Variant.sku == sku).first()
    if row is None:
        rows = await Variant.raw("SELECT id FROM variant WHERE lower(sku) = lower({}) ORDER BY id LIMIT 1", sku)
        row = rows[0] if rows else None
    found = await _variant_row(row["id"]) if row else None
    return _scanned(found, 1, "sku") if found else None


async def find_by_code(code: str) -> ScannedVariant | None:
    """What a scan or a typed code means: a barcode first (with its multiplier), then a SKU in any
    case. Archived variants are found too: a scan of goods on the shelf must never come back empty."""
    return await find_by_barcode(code) or await find_by_sku(code)


async def generate_internal_ean13() -> str:
    """Next free in-store EAN-13 with prefix 20 and a valid check digit. Call inside write_tx(): on
    PostgreSQL an advisory transaction lock serialises generators; on SQLite the IMMEDIATE
    transaction already does."""
    if not is_sqlite():
        await Barcode.raw("SELECT pg_advisory_xact_lock(7301)")
    rows = await Barcode.raw(
        "SELECT code FROM barcode WHERE kind = 'ean13' AND code LIKE {} ORDER BY code DESC LIMIT 1",
        INTERNAL_PREFIX + "%")
    last = int(rows[0]["code"][len(INTERNAL_PREFIX):12]) if rows else 0
    for step in range(1, 1000):
        body = f"{INTERNAL_PREFIX}{last + step:010d}"
        code = body + gs1_check_digit(body)
        if not await Barcode.exists().where(Barcode.code == code):
            return code
    raise ValidationFailed("No free in-store barcode found")  # pragma: no cover - 10^10 codes


async def barcodes_taken(codes: list[str]) -> dict[str, str]:
    """{code: sku of the variant that has it} for the codes already in the catalog."""
    if not codes:
        return {}
    rows = await Barcode.select(Barcode.code, Barcode.variant.sku.as_alias("sku")).where(
        Barcode.code.is_in(sorted(set(codes))))
    return {r["code"]: r["sku"] for r in rows}
