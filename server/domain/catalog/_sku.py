"""SKUs: the allowed form, case-insensitive lookups and generation from the product name. Internal.

A SKU is printable ASCII (Latin letters, digits, signs; spaces only inside), 1 to 64 characters:
it goes on Code 128 labels and is typed by scanners, which send Cyrillic when the keyboard layout is
Russian. Uniqueness ignores case (a unique index on lower(sku) backs it on both databases).
"""

from __future__ import annotations

import re
import unicodedata

from server.db import is_sqlite
from server.domain.catalog.tables import Variant

SKU_PATTERN = re.compile(r"^[\x21-\x7e](?:[\x20-\x7e]{0,62}[\x21-\x7e])?$")
BASE_LIMIT = 24  # short enough to read aloud and to fit a label
SKU_LOCK = 7302  # pg_advisory_xact_lock key: one SKU generator at a time

_RU = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "ў": "u",
}


def valid_sku(sku: str) -> bool:
    return bool(SKU_PATTERN.match(sku or ""))


def transliterate(text: str) -> str:
    """Russian (and Ukrainian/Belarusian) letters to Latin; accents dropped; other scripts dropped."""
    out = []
    for char in (text or "").lower():
        if char in _RU:
            out.append(_RU[char])
        else:
            out.append(unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode("ascii"))
    return "".join(out)


def sku_base(product_name: str) -> str:
    """"Кения АА, 250 г" → "KENIYA-AA-250-G" (at most 24 characters, cut at a dash when possible)."""
    words = re.findall(r"[a-z0-9]+", transliterate(product_name))
    base = "-".join(words).upper()
    if len(base) > BASE_LIMIT:
        cut = base[:BASE_LIMIT]
        base = cut.rsplit("-", 1)[0] if "-" in cut[BASE_LIMIT // 2:] else cut
    return base.strip("-") or "SKU"


async def skus_taken(skus: list[str]) -> dict[str, dict]:
    """{sku.lower(): {"sku", "variant_id", "product_id", "product"}} for SKUs already in the catalog."""
    wanted = sorted({s.lower() for s in skus if s})
    if not wanted:
        return {}
    marks = ", ".join("{}" for _ in wanted)
    rows = await Variant.raw(
        "SELECT v.id AS variant_id, v.sku AS sku, v.product AS product_id, p.name AS product "
        f"FROM variant v JOIN product p ON p.id = v.product WHERE lower(v.sku) IN ({marks})", *wanted)
    return {r["sku"].lower(): dict(r) for r in rows}


async def generate_skus(product_name: str, count: int, reserved: set[str]) -> list[str]:
    """`count` new SKUs "<BASE>-<n>" after the highest n in use. Call inside write_tx(): on PostgreSQL
    an advisory lock serialises generators until commit; on SQLite the IMMEDIATE transaction does."""
    if count <= 0:
        return []
    if not is_sqlite():
        await Variant.raw("SELECT pg_advisory_xact_lock({})", SKU_LOCK)
    base = sku_base(product_name)
    rows = await Variant.raw("SELECT sku FROM variant WHERE lower(sku) LIKE {}", base.lower() + "-%")
    used = {r["sku"].lower() for r in rows} | {s.lower() for s in reserved}
    numbers = [int(s.rsplit("-", 1)[1]) for s in used
               if s.startswith(base.lower() + "-") and s.rsplit("-", 1)[1].isdigit()]
    n = max(numbers, default=0)
    made: list[str] = []
    while len(made) < count:
        n += 1
        candidate = f"{base}-{n}"
        if candidate.lower() not in used:
            made.append(candidate)
    return made
