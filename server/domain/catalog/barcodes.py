"""Barcodes: check digits, detection, uniqueness, internal EAN-13 generation. (Contract stub.)"""

from __future__ import annotations

from server.domain.catalog.dto import ScannedVariant


def validate_barcode(code: str, kind: str | None = None) -> str:
    """Returns the kind (ean13|ean8|upca|code128|internal); raises ValidationFailed with a clear
    message on a wrong check digit or bad characters."""
    raise NotImplementedError


async def find_by_code(code: str) -> ScannedVariant | None:
    """Barcode first (with its multiplier), then SKU (case-insensitive)."""
    raise NotImplementedError


async def generate_internal_ean13() -> str:
    """Next free in-store EAN-13 with prefix 2x and a valid check digit."""
    raise NotImplementedError
