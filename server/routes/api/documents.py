"""/api/v1/documents: receipts, transfers, write-offs and inventory counts; post and unpost."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, get, post

from server.domain.stock.documents import (
    create_document,
    get_document,
    list_documents,
    post_document,
    unpost_document,
)
from server.errors import Conflict, DomainError
from server.routes.api.common import (
    CONFLICT,
    ID_PARAM,
    LIMIT_PARAM,
    MANAGE,
    NOT_FOUND,
    OFFSET_PARAM,
    PROBLEMS,
    UNPROCESSABLE,
    ApiController,
    actor,
    format_money,
    next_offset,
    text_param,
)
from server.routes.api.documents_in import DocumentIn, to_document_input

DocumentKind = Literal["receipt", "transfer", "write_off", "inventory", "shipment", "return"]
DocumentStatus = Literal["draft", "posted"]
WRITE_RESPONSES = {**PROBLEMS, **CONFLICT, **UNPROCESSABLE}


class WarehouseRefOut(msgspec.Struct):
    id: int
    code: str
    name: str


class DocumentLineOut(msgspec.Struct):
    id: int
    variant_id: int
    sku: str
    name: str
    qty: int
    bin: str | None  # address
    dest_bin: str | None
    price: str  # roubles, "123.45"
    price_kopecks: int
    book_qty: int | None  # inventories: on hand when posted


class MoveOut(msgspec.Struct):
    id: int
    variant_id: int
    sku: str
    warehouse: str  # code
    bin: str | None
    qty: int
    cost: str  # roubles, signed: "-1237.50"
    cost_kopecks: int
    counterpart: str
    reversal: bool
    created_at: datetime


class DocumentOut(msgspec.Struct):
    id: int
    number: str
    kind: str  # receipt | transfer | write_off | inventory | shipment | return
    status: str  # draft | posted
    warehouse: WarehouseRefOut | None
    dest_warehouse: WarehouseRefOut | None
    supplier: str
    reason: str
    comment: str
    created_at: datetime
    posted_at: datetime | None
    created_by: str
    posted_by: str
    lines: list[DocumentLineOut]
    moves: list[MoveOut]


class DocumentRowOut(msgspec.Struct):
    id: int
    number: str
    kind: str
    status: str
    warehouse: WarehouseRefOut | None
    dest_warehouse: WarehouseRefOut | None
    supplier: str
    created_at: datetime
    posted_at: datetime | None
    lines: int
    qty: int


class DocumentPage(msgspec.Struct):
    items: list[DocumentRowOut]
    total: int
    limit: int
    offset: int
    next_offset: int | None


def _warehouse(row: dict | None) -> WarehouseRefOut | None:
    return WarehouseRefOut(id=row["id"], code=row["code"], name=row["name"]) if row else None


def _address(row: dict | None) -> str | None:
    return row["address"] if row else None


def document_out(doc: dict) -> DocumentOut:
    lines = [DocumentLineOut(id=r["id"], variant_id=r["variant_id"], sku=r["sku"], name=r["name"], qty=r["qty"],
                             bin=_address(r["bin"]), dest_bin=_address(r["dest_bin"]),
                             price=format_money(r["price"]) or "0.00", price_kopecks=r["price"],
                             book_qty=r["book_qty"]) for r in doc["lines"]]
    moves = [MoveOut(id=m["id"], variant_id=m["variant_id"], sku=m["sku"],
                     warehouse=(m["warehouse"] or {}).get("code", ""), bin=_address(m["bin"]), qty=m["qty"],
                     cost=format_money(m["cost"]) or "0.00", cost_kopecks=m["cost"], counterpart=m["counterpart"], reversal=bool(m["reversal"]),
                     created_at=m["created_at"]) for m in doc["moves"]]
    return DocumentOut(id=doc["id"], number=doc["number"], kind=doc["kind"], status=doc["status"],
                       warehouse=_warehouse(doc["warehouse"]), dest_warehouse=_warehouse(doc["dest_warehouse"]),
                       supplier=doc["supplier"], reason=doc["reason"], comment=doc["comment"],
                       created_at=doc["created_at"], posted_at=doc["posted_at"], created_by=doc["created_by"],
                       posted_by=doc["posted_by"], lines=lines, moves=moves)


def _point_at_lines(exc: DomainError, skus: list[str | None]) -> DomainError:
    """Shortages name a SKU; the API also names the line (`field` lines[n]) the SKU came from."""
    for problem in exc.problems or [exc]:
        sku = problem.params.get("sku")
        if problem.field is None and sku in skus:
            problem.field = f"lines[{skus.index(sku)}]"
    return exc


async def _create(kind: str, request: Request[Any, Any, Any], data: DocumentIn) -> DocumentOut:
    resolved = await to_document_input(kind, data)
    try:
        document_id = await create_document(resolved.document, actor=actor(request), post=data.post)
    except Conflict as exc:
        raise _point_at_lines(exc, resolved.skus) from None
    return document_out(await get_document(document_id))


async def _post_or_unpost(action: Callable[..., Awaitable[None]], request: Request[Any, Any, Any],
                          document_id: int) -> DocumentOut:
    try:
        await action(document_id, actor=actor(request))
    except Conflict as exc:
        lines = (await get_document(document_id))["lines"]
        raise _point_at_lines(exc, [line["sku"] for line in lines]) from None
    return document_out(await get_document(document_id))


class DocumentController(ApiController):
    path = "/api/v1/documents"
    tags = ["Stock documents"]

    @post("/receipts", opt=MANAGE, status_code=201, responses=WRITE_RESPONSES,
          summary="Create a receipt (lines with price); post it at once with post: true")
    async def create_receipt(self, request: Request[Any, Any, Any], data: DocumentIn) -> DocumentOut:
        return await _create("receipt", request, data)

    @post("/transfers", opt=MANAGE, status_code=201, responses=WRITE_RESPONSES,
          summary="Create a transfer between warehouses (dest_warehouse) or between bins (dest_bin)")
    async def create_transfer(self, request: Request[Any, Any, Any], data: DocumentIn) -> DocumentOut:
        return await _create("transfer", request, data)

    @post("/write-offs", opt=MANAGE, status_code=201, responses=WRITE_RESPONSES,
          summary="Create a write-off (reason required)")
    async def create_write_off(self, request: Request[Any, Any, Any], data: DocumentIn) -> DocumentOut:
        return await _create("write_off", request, data)

    @post("/inventories", opt=MANAGE, status_code=201, responses=WRITE_RESPONSES,
          summary="Create an inventory count (qty = counted); posting writes the differences")
    async def create_inventory(self, request: Request[Any, Any, Any], data: DocumentIn) -> DocumentOut:
        return await _create("inventory", request, data)

    @get("/", opt=MANAGE, responses=PROBLEMS, summary="Documents, newest first")
    async def list_(self, kind: DocumentKind | None = None, status: DocumentStatus | None = None,
                    q: Annotated[str, text_param(200, "Number or supplier")] = "",
                    limit: Annotated[int, LIMIT_PARAM] = 50,
                    offset: Annotated[int, OFFSET_PARAM] = 0) -> DocumentPage:
        rows, total = await list_documents(kind=kind, status=status, query=q, limit=limit, offset=offset)
        items = [DocumentRowOut(id=r["id"], number=r["number"], kind=r["kind"], status=r["status"],
                                warehouse=_warehouse(r["warehouse"]), dest_warehouse=_warehouse(r["dest_warehouse"]),
                                supplier=r["supplier"], created_at=r["created_at"], posted_at=r["posted_at"],
                                lines=r["lines"], qty=r["qty"]) for r in rows]
        return DocumentPage(items=items, total=total, limit=limit, offset=offset,
                            next_offset=next_offset(offset, len(rows), total))

    @get("/{document_id:int}", opt=MANAGE, responses={**PROBLEMS, **NOT_FOUND},
         summary="A document with its lines and the moves it wrote")
    async def read(self, document_id: Annotated[int, ID_PARAM]) -> DocumentOut:
        return document_out(await get_document(document_id))

    @post("/{document_id:int}/post", opt=MANAGE, status_code=200,
          responses={**WRITE_RESPONSES, **NOT_FOUND}, summary="Post: write the moves and balances")
    async def post_(self, request: Request[Any, Any, Any], document_id: Annotated[int, ID_PARAM]) -> DocumentOut:
        return await _post_or_unpost(post_document, request, document_id)

    @post("/{document_id:int}/unpost", opt=MANAGE, status_code=200,
          responses={**WRITE_RESPONSES, **NOT_FOUND}, summary="Unpost: write the reversing moves")
    async def unpost(self, request: Request[Any, Any, Any], document_id: Annotated[int, ID_PARAM]) -> DocumentOut:
        return await _post_or_unpost(unpost_document, request, document_id)
