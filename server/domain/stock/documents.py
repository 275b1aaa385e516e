"""Stock documents: draft → post → unpost. The only writer of balances besides reservations.py.
(Contract stub.)"""

from __future__ import annotations

from server.domain.stock.dto import DocumentInput


async def create_document(data: DocumentInput, *, actor: str = "system", post: bool = False) -> int:
    """Creates a draft (number like ПР-000001 / ПМ- / СП- / ИН-); validates all lines and reports every
    problem at once; with post=True posts it in the same transaction. Returns the document id."""
    raise NotImplementedError


async def update_document(document_id: int, data: DocumentInput, *, actor: str = "system") -> None:
    """Replaces header and lines of a draft; posted documents are refused (Conflict)."""
    raise NotImplementedError


async def post_document(document_id: int, *, actor: str = "system") -> None:
    """Writes moves and balances in one transaction; refuses (InsufficientStock, all lines listed)
    a write-off/transfer beyond available stock unless the warehouse allows negative stock."""
    raise NotImplementedError


async def unpost_document(document_id: int, *, actor: str = "system") -> None:
    """Writes reversing moves; refused when the stock it brought was already consumed or reserved."""
    raise NotImplementedError


async def delete_draft(document_id: int, *, actor: str = "system") -> None:
    raise NotImplementedError


async def get_document(document_id: int) -> dict:
    """{"id","number","kind","status","warehouse": {...}, "dest_warehouse", "supplier","reason","comment",
    "created_at","posted_at","created_by","posted_by",
    "lines": [{"id","variant_id","sku","name","qty","bin","dest_bin","price","book_qty"}],
    "moves": [{"id","variant_id","sku","warehouse","bin","qty","cost","counterpart","reversal","created_at"}]}"""
    raise NotImplementedError


async def list_documents(*, kind: str | None = None, status: str | None = None,
                         warehouse_id: int | None = None, query: str = "", limit: int = 50,
                         offset: int = 0) -> tuple[list[dict], int]:
    """Newest first; query matches the number or supplier. Returns (rows, total)."""
    raise NotImplementedError
