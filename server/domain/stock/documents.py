"""Stock documents: draft → post → unpost. With reservations.py, the only writer of balances.

A draft changes nothing but itself. Posting writes the moves and the balances in one transaction
(_posting.py does the work); unposting writes the opposite moves and turns the document back into a
draft that can be edited and posted again. Every write leaves an audit row.
"""

from __future__ import annotations

from datetime import UTC, datetime

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.stock import _ledger, _posting
from server.domain.stock._queries import get_document, list_documents
from server.domain.stock._validate import check_document
from server.domain.stock.dto import DocumentInput
from server.domain.stock.numbering import next_number
from server.domain.stock.tables import StockDocument, StockDocumentLine, StockMove
from server.errors import Conflict, ValidationFailed

__all__ = ["create_document", "update_document", "post_document", "unpost_document", "delete_draft",
           "get_document", "list_documents"]


def _header(data: DocumentInput) -> dict:
    return {
        StockDocument.warehouse: data.warehouse_id,
        StockDocument.dest_warehouse: data.dest_warehouse_id,
        StockDocument.supplier: data.supplier,
        StockDocument.reason: data.reason,
        StockDocument.comment: data.comment,
    }


_LINE_COLUMNS = "document, variant, qty, bin, dest_bin, price, position"


async def _write_lines(document_id: int, data: DocumentInput) -> None:
    """One multi-row INSERT (Piccolo's per-object insert costs about half a millisecond a row)."""
    rows = [(document_id, line.variant_id, line.qty, line.bin_id,
             line.dest_bin_id if data.kind == "transfer" else None,
             line.price if data.kind == "receipt" else 0, n)
            for n, line in enumerate(data.lines)]
    if rows:
        one = "(" + ", ".join("{}" for _ in range(7)) + ")"
        await StockDocumentLine.raw(
            f"INSERT INTO stock_document_line ({_LINE_COLUMNS}) VALUES {', '.join(one for _ in rows)}",
            *[x for row in rows for x in row])


def _summary(data: DocumentInput) -> dict:
    return {"kind": data.kind, "warehouse": data.warehouse_id, "dest_warehouse": data.dest_warehouse_id,
            "lines": len(data.lines), "qty": sum(line.qty for line in data.lines)}


async def create_document(data: DocumentInput, *, actor: str = "system", post: bool = False,
                          at: datetime | None = None) -> int:
    """Creates a draft (number like ПР-000001 / ПМ- / СП- / ИН-); validates all lines and reports every
    problem at once; with post=True posts it in the same transaction. `at` (UTC, not in the future)
    back-dates the document, e.g. when history is imported. Returns the document id."""
    if at is not None and (at.tzinfo is None or at > datetime.now(UTC)):
        raise ValidationFailed("The document date must be a time zone aware moment, not in the future",
                               field="at")
    async with write_tx():  # checked inside: one connection for the whole unit of work
        await _ledger.share_warehouses([data.warehouse_id, data.dest_warehouse_id])
        known = await check_document(data)
        number = await next_number(data.kind)
        doc = StockDocument(number=number, kind=data.kind, status="draft", created_by=actor,
                            **{col._meta.name: value for col, value in _header(data).items()})
        if at is not None:
            doc.created_at = at
        await doc.save()
        await _write_lines(doc.id, data)
        await record(actor, "document.create", "stock_document", doc.id, {"number": number, **_summary(data)})
        if post:
            await _posting.post(await _posting.lock_document(doc.id), actor, at=at, known=known)
    return doc.id


async def update_document(document_id: int, data: DocumentInput, *, actor: str = "system") -> None:
    """Replaces header and lines of a draft; posted documents are refused (Conflict)."""
    async with write_tx():
        doc = await _posting.lock_document(document_id)
        _refuse_posted(doc, "edit")
        await check_document(data, kind=doc["kind"])
        await StockDocument.update(_header(data)).where(StockDocument.id == document_id)
        # A draft that was posted and unposted keeps its moves; they keep variant, place, qty and cost,
        # only their link to the replaced line is cleared.
        await StockMove.update({StockMove.line: None}).where(StockMove.document == document_id)
        await StockDocumentLine.delete().where(StockDocumentLine.document == document_id)
        await _write_lines(document_id, data)
        await record(actor, "document.update", "stock_document", document_id,
                     {"number": doc["number"], **_summary(data)})


def _refuse_posted(doc: dict, action: str) -> None:
    if doc["status"] != "posted":
        return
    if action == "edit":
        raise Conflict("Document %(number)s is posted and cannot be edited; unpost it first", number=doc["number"])
    raise Conflict("Document %(number)s is posted and cannot be deleted; unpost it first", number=doc["number"])


async def post_document(document_id: int, *, actor: str = "system") -> None:
    """Writes moves and balances in one transaction; refuses (InsufficientStock, all lines listed)
    a write-off/transfer beyond available stock unless the warehouse allows negative stock."""
    async with write_tx():
        await _posting.post(await _posting.lock_document(document_id), actor)


async def unpost_document(document_id: int, *, actor: str = "system") -> None:
    """Writes reversing moves; refused when the stock it brought was already consumed or reserved."""
    async with write_tx():
        await _posting.unpost(await _posting.lock_document(document_id), actor)


async def delete_draft(document_id: int, *, actor: str = "system") -> None:
    async with write_tx():
        doc = await _posting.lock_document(document_id)
        _refuse_posted(doc, "delete")
        if await StockMove.exists().where(StockMove.document == document_id):
            raise Conflict("Document %(number)s has stock history and cannot be deleted; it stays as an "
                           "unposted draft", number=doc["number"])
        await StockDocument.delete().where(StockDocument.id == document_id)
        await record(actor, "document.delete", "stock_document", document_id,
                     {"number": doc["number"], "kind": doc["kind"]})
