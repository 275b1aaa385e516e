"""Our codes and SKUs for things that arrive with only a name and an outside id. Internal.

Price types and properties get lower-case Latin codes from their names ("Отпускная цена" →
otpusknaya_tsena), warehouses an upper-case code ("Магазин «Обувь»" → MAGAZIN-OBUV), variants a SKU
from the 1C Артикул (transliterated when it is Cyrillic) or from the product name; a taken value gets
"-2", "-3" … (codes: "_2"). Everything is decided in memory against the sets of values already used.
"""

from __future__ import annotations

import re

from server.domain.catalog._sku import sku_base, transliterate, valid_sku

_WORDS = re.compile(r"[a-z0-9]+")


def _words(name: str) -> list[str]:
    return _WORDS.findall(transliterate(name))


def unique(base: str, taken: set[str], sep: str, limit: int, fold: bool = True) -> str:
    """base, or base<sep>2, base<sep>3 … — the first not in `taken` (compared case-folded when fold);
    the result is added to `taken`."""
    key = (lambda s: s.lower()) if fold else (lambda s: s)
    candidate, n = base[:limit], 1
    while key(candidate) in taken:
        n += 1
        suffix = f"{sep}{n}"
        candidate = base[:limit - len(suffix)].rstrip(sep) + suffix
    taken.add(key(candidate))
    return candidate


def code_for(name: str, taken: set[str], limit: int, fallback: str) -> str:
    """Lower-case [a-z][a-z0-9_]* code for a price type or a property."""
    base = "_".join(_words(name))[:limit].strip("_") or fallback
    if not base[0].isalpha():
        base = f"{fallback}_{base}"
    return unique(base, taken, "_", limit)


def warehouse_code(name: str, taken: set[str]) -> str:
    base = "-".join(_words(name)).upper()[:24].strip("-") or "1C"
    return unique(base, taken, "-", 32)


def sku_from(article: str, product_name: str) -> str:
    """The SKU a new variant would like: the Артикул if it is a valid SKU, else its transliteration,
    else the product name's base (KENIYA-AA)."""
    article = " ".join((article or "").split())
    if article and valid_sku(article):
        return article
    if article:
        latin = "-".join(w for w in re.split(r"[^A-Za-z0-9._/-]+", transliterate(article).upper()) if w)
        if latin and valid_sku(latin[:64]):
            return latin[:64]
    return sku_base(product_name)


class SkuAllocator:
    """Hands out SKUs unique in the catalog (case-insensitive) and within the import."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = {s.lower() for s in taken}

    def take(self, wanted: str, numbered: bool = False) -> str:
        """`wanted` itself when free (never when numbered: then wanted-1, wanted-2 …)."""
        if not numbered and wanted.lower() not in self.taken:
            self.taken.add(wanted.lower())
            return wanted
        n = 1
        while True:
            suffix = f"-{n}"
            candidate = wanted[:64 - len(suffix)] + suffix
            if candidate.lower() not in self.taken:
                self.taken.add(candidate.lower())
                return candidate
            n += 1
