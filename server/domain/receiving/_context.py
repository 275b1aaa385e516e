"""What receiving reads: the expected receipt (a draft receipt document) and what was counted on it. Internal."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from server.db import is_sqlite
from server.domain.receiving.tables import ReceivingScan
from server.domain.stock.tables import StockDocument, StockDocumentLine
from server.errors import NotFound


@dataclass
class Receipt:
    id: int
    number: str
    status: str
    warehouse_id: int
    supplier: str
    comment: str
    expected: dict[int, int] = field(default_factory=dict)  # variant → units expected (draft lines summed)
    line_bins: dict[int, int] = field(default_factory=dict)  # variant → the bin the manager put on its line
    prices: dict[int, int] = field(default_factory=dict)  # variant → unit price of its expected line (kopecks)
    order: list[int] = field(default_factory=list)  # variants in the order of the document's lines


def _missing(document_id: int) -> NotFound:
    return NotFound("Receipt %(id)s not found", id=document_id)


async def lock_receipt(document_id: int) -> None:
    """The document row, locked until the transaction ends (PostgreSQL; SQLite has one writer)."""
    lock = "" if is_sqlite() else " FOR UPDATE"
    rows = await StockDocument.raw(f"SELECT id, kind FROM stock_document WHERE id = {{}}{lock}", document_id)
    if not rows or rows[0]["kind"] != "receipt":
        raise _missing(document_id)


async def load_receipt(document_id: int) -> Receipt:
    head = await StockDocument.select().where(StockDocument.id == document_id).first()
    if head is None or head["kind"] != "receipt":
        raise _missing(document_id)
    receipt = Receipt(id=head["id"], number=head["number"], status=head["status"], warehouse_id=head["warehouse"],
                      supplier=head["supplier"], comment=head["comment"])
    lines = await (StockDocumentLine.select(StockDocumentLine.variant, StockDocumentLine.qty, StockDocumentLine.bin,
                                            StockDocumentLine.price)
                   .where(StockDocumentLine.document == document_id)
                   .order_by(StockDocumentLine.position).order_by(StockDocumentLine.id))
    for line in lines:
        v = line["variant"]
        if v not in receipt.expected:
            receipt.order.append(v)
        receipt.expected[v] = receipt.expected.get(v, 0) + line["qty"]
        if line["bin"] is not None:
            receipt.line_bins.setdefault(v, line["bin"])
        if line["price"]:
            receipt.prices.setdefault(v, line["price"])
    return receipt


@dataclass
class Counted:
    by_place: dict[tuple[int, int | None], int]  # (variant, bin) → units counted there
    last_bin: dict[int, int | None]  # variant → the bin of its latest counted scan
    order: list[int]  # variants in the order they were first scanned

    def total(self, variant_id: int) -> int:
        return sum(u for (v, _b), u in self.by_place.items() if v == variant_id)

    @property
    def variants(self) -> list[int]:
        return [v for v in self.order if self.total(v) > 0]


async def load_counted(document_id: int) -> Counted:
    rows = await (ReceivingScan.select(ReceivingScan.variant, ReceivingScan.bin, ReceivingScan.units)
                  .where((ReceivingScan.document == document_id) & (ReceivingScan.units != 0))
                  .order_by(ReceivingScan.id))
    by_place: dict[tuple[int, int | None], int] = defaultdict(int)
    last_bin: dict[int, int | None] = {}
    order: list[int] = []
    for r in rows:
        v = r["variant"]
        if v not in last_bin:
            order.append(v)
        by_place[(v, r["bin"])] += r["units"]
        if r["units"] > 0:
            last_bin[v] = r["bin"]
    return Counted(by_place={k: u for k, u in by_place.items() if u != 0}, last_bin=last_bin, order=order)
