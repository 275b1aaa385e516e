"""Catalog search for lists and pickers: by name (any case, Cyrillic too), SKU or barcode.

Case-insensitive matching of Cyrillic is not portable (SQLite's LIKE and lower() fold ASCII only),
so every variant keeps `search_text`: product name, variant name and SKU, casefolded in Python.
A query is split into words; a variant matches when every word is in its search_text, or when the
query is exactly one of its barcodes (exact barcode hits come first).
"""

from __future__ import annotations

from server.domain.catalog.barcodes import clean_scan
from server.domain.catalog.dto import VariantRow
from server.domain.catalog.tables import Barcode, Variant

MAX_WORDS = 6


def search_text_for(product_name: str, variant_name: str, sku: str) -> str:
    """What search_variants matches against; written by products.py whenever a name or SKU changes."""
    text = " ".join(p for p in (product_name, variant_name, sku) if p)
    return " ".join(text.casefold().replace("ё", "е").split())[:700]


def _words(query: str) -> list[str]:
    words = query.casefold().replace("ё", "е").split()
    return [w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for w in words[:MAX_WORDS]]


async def _barcode_hits(code: str) -> list[int]:
    if not code or len(code) > 64:
        return []
    rows = await Barcode.select(Barcode.variant).where(Barcode.code == code)
    return [r["variant"] for r in rows]


def _where(words: list[str], barcode_ids: list[int], category_id: int | None,
           include_archived: bool) -> tuple[str, list]:
    clauses, args = [], []
    for w in words:
        clauses.append("v.search_text LIKE {} ESCAPE '\\'")
        args.append(f"%{w}%")
    text = " AND ".join(clauses)
    if barcode_ids:
        marks = ", ".join("{}" for _ in barcode_ids)
        text = f"(({text}) OR v.id IN ({marks}))" if text else f"v.id IN ({marks})"
        args.extend(barcode_ids)
    conditions = [text] if text else []
    if not include_archived:
        conditions.append("v.archived = {}")
        args.append(False)
    if category_id is not None:
        conditions.append("p.category = {}")
        args.append(category_id)
    return (" WHERE " + " AND ".join(conditions)) if conditions else "", args


async def search_variants(query: str = "", *, limit: int = 50, offset: int = 0,
                          category_id: int | None = None, include_archived: bool = False
                          ) -> tuple[list[VariantRow], int]:
    """Rows matching name (case-insensitive, Cyrillic too), SKU or barcode (exact barcode first);
    returns (rows, total). An empty query lists the catalog by product name."""
    query = clean_scan(query)[:200]
    barcode_ids = await _barcode_hits(query)
    where, args = _where(_words(query), barcode_ids, category_id, include_archived)
    base = "FROM variant v JOIN product p ON p.id = v.product"
    counted = await Variant.raw(f"SELECT COUNT(*) AS n {base}{where}", *args)
    total = int(counted[0]["n"]) if counted else 0
    if total == 0:
        return [], 0
    first = ""
    first_args: list = []
    if barcode_ids:
        marks = ", ".join("{}" for _ in barcode_ids)
        first = f"CASE WHEN v.id IN ({marks}) THEN 0 ELSE 1 END, "
        first_args = list(barcode_ids)
    rows = await Variant.raw(
        "SELECT v.id AS variant_id, v.product AS product_id, v.sku AS sku, p.name AS product_name, "
        "v.name AS variant_name, "
        "(SELECT pr.amount FROM price pr JOIN price_type pt ON pt.id = pr.price_type "
        " WHERE pr.variant = v.id AND pt.code = 'retail') AS retail_price, "
        "(SELECT COALESCE(SUM(sb.on_hand), 0) FROM stock_balance sb WHERE sb.variant = v.id) AS on_hand, "
        "(SELECT COALESCE(SUM(sb.on_hand - sb.reserved), 0) FROM stock_balance sb WHERE sb.variant = v.id) "
        f"AS available {base}{where} ORDER BY {first}p.name, v.name, v.sku, v.id "
        "LIMIT {} OFFSET {}",
        *args, *first_args, max(1, min(int(limit), 500)), max(0, int(offset)))
    codes = await _barcodes([r["variant_id"] for r in rows])
    return [VariantRow(variant_id=r["variant_id"], product_id=r["product_id"], sku=r["sku"],
                       product_name=r["product_name"], variant_name=r["variant_name"],
                       barcodes=codes.get(r["variant_id"], []),
                       retail_price=int(r["retail_price"]) if r["retail_price"] is not None else None,
                       on_hand=int(r["on_hand"]), available=int(r["available"])) for r in rows], total


async def _barcodes(variant_ids: list[int]) -> dict[int, list[str]]:
    if not variant_ids:
        return {}
    rows = await Barcode.select(Barcode.variant, Barcode.code).where(
        Barcode.variant.is_in(variant_ids)).order_by(Barcode.id)
    found: dict[int, list[str]] = {}
    for r in rows:
        found.setdefault(r["variant"], []).append(r["code"])
    return found
