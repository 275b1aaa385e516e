"""Reading documents: one with its lines and moves, or a filtered page of them. Internal; the public
names are re-exported by documents.py."""

from __future__ import annotations

from server.db import is_sqlite
from server.domain.catalog.tables import Variant
from server.domain.stock.tables import (
    Bin,
    BinBalance,
    StockBalance,
    StockDocument,
    StockDocumentLine,
    StockMove,
    Warehouse,
)
from server.errors import NotFound


async def _warehouses() -> dict[int, dict]:
    rows = await Warehouse.select(Warehouse.id, Warehouse.code, Warehouse.name)
    return {r["id"]: r for r in rows}


async def _bins(ids: set[int]) -> dict[int, dict]:
    if not ids:
        return {}
    rows = await Bin.select(Bin.id, Bin.address, Bin.warehouse).where(Bin.id.is_in(sorted(ids)))
    return {r["id"]: {"id": r["id"], "address": r["address"], "warehouse_id": r["warehouse"]} for r in rows}


async def _variants(ids: set[int]) -> dict[int, dict]:
    if not ids:
        return {}
    rows = await Variant.select(Variant.id, Variant.sku, Variant.name,
                                Variant.product.name.as_alias("product_name")).where(Variant.id.is_in(sorted(ids)))
    return {r["id"]: r for r in rows}


def _display_name(v: dict | None) -> str:
    if not v:
        return ""
    parts = [p for p in (v.get("product_name"), v.get("name")) if p]
    return ", ".join(parts)


async def _books_now(doc: dict, lines: list[dict]) -> dict[tuple[int, int | None], int]:
    """An inventory draft under review: what the ledger holds now at each line's place (bin, or the
    warehouse for a line without a bin), the book quantity that posting would compare the count with."""
    if doc["kind"] != "inventory" or doc["status"] != "draft" or not lines:
        return {}
    variants = sorted({r["variant"] for r in lines})
    bins = sorted({r["bin"] for r in lines if r["bin"] is not None})
    books: dict[tuple[int, int | None], int] = {}
    if bins:
        rows = await BinBalance.select(BinBalance.variant, BinBalance.bin, BinBalance.on_hand).where(
            BinBalance.bin.is_in(bins)).where(BinBalance.variant.is_in(variants))
        books.update({(r["variant"], r["bin"]): r["on_hand"] for r in rows})
    if any(r["bin"] is None for r in lines):
        rows = await StockBalance.select(StockBalance.variant, StockBalance.on_hand).where(
            StockBalance.warehouse == doc["warehouse"]).where(StockBalance.variant.is_in(variants))
        books.update({(r["variant"], None): r["on_hand"] for r in rows})
    return {(r["variant"], r["bin"]): books.get((r["variant"], r["bin"]), 0) for r in lines}


async def get_document(document_id: int) -> dict:
    """{"id","number","kind","status","warehouse": {...}, "dest_warehouse", "supplier","reason","comment",
    "created_at","posted_at","created_by","posted_by",
    "lines": [{"id","variant_id","sku","name","qty","bin","dest_bin","price","book_qty","book_now"}] (book_now:
    an inventory draft's current book quantity at the line's place, else None),
    "moves": [{"id","variant_id","sku","warehouse","bin","qty","cost","counterpart","reversal","created_at"}]}"""
    doc = await StockDocument.select().where(StockDocument.id == document_id).first()
    if doc is None:
        raise NotFound("Document %(id)s not found", id=document_id)
    lines = await (StockDocumentLine.select().where(StockDocumentLine.document == document_id)
                   .order_by(StockDocumentLine.position).order_by(StockDocumentLine.id))
    moves = await StockMove.select().where(StockMove.document == document_id).order_by(StockMove.id)
    warehouses = await _warehouses()
    bins = await _bins({b for r in [*lines, *moves] for b in (r["bin"], r.get("dest_bin")) if b is not None})
    variants = await _variants({r["variant"] for r in [*lines, *moves]})

    books = await _books_now(doc, lines)

    def sku(vid: int) -> str:
        return variants.get(vid, {}).get("sku", "")

    return {
        "id": doc["id"], "number": doc["number"], "kind": doc["kind"], "status": doc["status"],
        "warehouse": warehouses.get(doc["warehouse"]),
        "dest_warehouse": warehouses.get(doc["dest_warehouse"]) if doc["dest_warehouse"] else None,
        "supplier": doc["supplier"], "reason": doc["reason"], "comment": doc["comment"],
        "order_ref": doc["order_ref"], "created_at": doc["created_at"], "posted_at": doc["posted_at"],
        "created_by": doc["created_by"], "posted_by": doc["posted_by"],
        "lines": [
            {"id": r["id"], "variant_id": r["variant"], "sku": sku(r["variant"]),
             "name": _display_name(variants.get(r["variant"])), "qty": r["qty"],
             "bin": bins.get(r["bin"]), "dest_bin": bins.get(r["dest_bin"]), "price": r["price"],
             "book_qty": r["book_qty"], "book_now": books.get((r["variant"], r["bin"]))}
            for r in lines
        ],
        "moves": [
            {"id": m["id"], "variant_id": m["variant"], "sku": sku(m["variant"]),
             "warehouse": warehouses.get(m["warehouse"]), "bin": bins.get(m["bin"]), "qty": m["qty"],
             "cost": m["cost"], "counterpart": m["counterpart"], "reversal": m["reversal"],
             "created_at": m["created_at"]}
            for m in moves
        ],
    }


async def list_documents(*, kind: str | None = None, status: str | None = None,
                         warehouse_id: int | None = None, query: str = "", limit: int = 50,
                         offset: int = 0) -> tuple[list[dict], int]:
    """Newest first; query matches the number or supplier. Returns (rows, total).
    Each row: id, number, kind, status, warehouse {id, code, name}, dest_warehouse, supplier, reason,
    created_at, posted_at, created_by, lines (count), qty (sum), amount (receipts: sum qty × price)."""
    where = []
    if kind:
        where.append(StockDocument.kind == kind)
    if status:
        where.append(StockDocument.status == status)
    if warehouse_id:
        where.append((StockDocument.warehouse == warehouse_id) | (StockDocument.dest_warehouse == warehouse_id))
    text = (query or "").strip()
    if text:
        pattern = f"%{text}%"
        if is_sqlite():  # LIKE folds Latin letters only: try the usual spellings of Cyrillic too
            clause = None
            for form in dict.fromkeys((text, text.upper(), text.lower(), text.capitalize(), text.title())):
                like = StockDocument.number.like(f"%{form}%") | StockDocument.supplier.like(f"%{form}%")
                clause = like if clause is None else clause | like
            where.append(clause)
        else:
            where.append(StockDocument.number.ilike(pattern) | StockDocument.supplier.ilike(pattern))
    select = StockDocument.select(
        StockDocument.id, StockDocument.number, StockDocument.kind, StockDocument.status,
        StockDocument.warehouse, StockDocument.dest_warehouse, StockDocument.supplier, StockDocument.reason,
        StockDocument.created_at, StockDocument.posted_at, StockDocument.created_by,
    )
    counter = StockDocument.count()
    for clause in where:
        select = select.where(clause)
        counter = counter.where(clause)
    total = await counter
    rows = await select.order_by(StockDocument.id, ascending=False).limit(max(1, min(limit, 500))).offset(
        max(0, offset))
    stats = await _line_stats([r["id"] for r in rows])
    warehouses = await _warehouses()
    for r in rows:
        r["warehouse"] = warehouses.get(r["warehouse"])
        r["dest_warehouse"] = warehouses.get(r["dest_warehouse"]) if r["dest_warehouse"] else None
        r.update(stats.get(r["id"], {"lines": 0, "qty": 0, "amount": 0}))
    return rows, total


async def _line_stats(ids: list[int]) -> dict[int, dict]:
    if not ids:
        return {}
    marks = ", ".join("{}" for _ in ids)
    rows = await StockDocumentLine.raw(
        "SELECT document, COUNT(*) AS lines, COALESCE(SUM(qty), 0) AS qty, COALESCE(SUM(qty * price), 0) AS amount "
        f"FROM stock_document_line WHERE document IN ({marks}) GROUP BY document", *ids)
    return {r["document"]: {"lines": int(r["lines"]), "qty": int(r["qty"]), "amount": int(r["amount"])}
            for r in rows}

