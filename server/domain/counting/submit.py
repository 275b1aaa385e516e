"""Submitting a count: its done bins become one DRAFT inventory document of the ledger.

In one transaction, with the count row locked: for every done bin a line per variant counted there (the
counted quantity), plus a line of 0 for every variant the ledger holds in that bin (bin stock not zero)
that nobody counted — the goods that are not there any more. Bins still being counted are left out (the
screen warns how many); with no done bin nothing is submitted. A count submitted twice answers with the
first document (`already`), never a second one. The manager reviews the draft on the documents page
(book quantity, counted, difference) and posts it: posting writes the differences (stock/_posting.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.counting._common import lock_count
from server.domain.counting.tables import CountBin, CountLine, InventoryCount
from server.domain.stock.documents import create_document
from server.domain.stock.dto import DocumentInput, LineInput
from server.domain.stock.tables import BinBalance, StockDocument
from server.errors import Conflict, ValidationFailed


@dataclass(frozen=True)
class SubmitResult:
    count_number: str
    document_id: int
    document_number: str
    lines: int
    bins: int  # done bins in the document
    left_out: int  # bins still being counted, not in the document
    already: bool = False


async def _document_number(document_id: int | None) -> str:
    if document_id is None:
        return ""
    row = await StockDocument.select(StockDocument.number).where(StockDocument.id == document_id).first()
    return row["number"] if row else ""


async def inventory_lines(count_id: int) -> tuple[list[LineInput], int, int]:
    """(lines, done bins, bins still counting) of the count as it stands."""
    bins = await CountBin.select(CountBin.id, CountBin.bin, CountBin.status,
                                 CountBin.bin.pick_seq.as_alias("seq")).where(CountBin.inventory == count_id)
    done = sorted((b for b in bins if b["status"] == "done"), key=lambda b: (b["seq"], b["bin"]))
    if not done:
        return [], 0, len(bins)
    counted = await CountLine.select().where(CountLine.count_bin.is_in([b["id"] for b in done])).order_by(CountLine.id)
    by_bin: dict[int, dict[int, int]] = {}
    bin_of = {b["id"]: b["bin"] for b in done}
    for line in counted:
        by_bin.setdefault(bin_of[line["count_bin"]], {})[line["variant"]] = line["qty"]
    stock = await BinBalance.select(BinBalance.variant, BinBalance.bin, BinBalance.on_hand).where(
        BinBalance.bin.is_in(list(bin_of.values()))).where(BinBalance.on_hand != 0).order_by(BinBalance.variant)
    book: dict[int, list[int]] = {}
    for s in stock:
        book.setdefault(s["bin"], []).append(s["variant"])
    lines: list[LineInput] = []
    for b in done:
        here = by_bin.get(b["bin"], {})
        held = book.get(b["bin"], [])
        for variant, qty in here.items():
            if qty > 0 or variant in held:  # a 0 typed for goods the ledger does not hold there says nothing
                lines.append(LineInput(variant_id=variant, qty=qty, bin_id=b["bin"]))
        lines.extend(LineInput(variant_id=v, qty=0, bin_id=b["bin"]) for v in held if v not in here)
    return lines, len(done), len(bins) - len(done)


async def submit_count(count_id: int, *, actor: str) -> SubmitResult:
    """The draft inventory document of the count's done bins (see the module docstring)."""
    async with write_tx():
        head = await lock_count(count_id)
        if head.status == "submitted":
            return SubmitResult(count_number=head.number, document_id=head.document_id or 0,
                                document_number=await _document_number(head.document_id), lines=0, bins=0,
                                left_out=0, already=True)
        if head.status != "open":
            raise Conflict("Inventory count %(number)s is cancelled", number=head.number)
        lines, done, left_out = await inventory_lines(count_id)
        if not done:
            raise ValidationFailed("No bin of count %(number)s is counted yet: tap «Bin counted» after counting one",
                                   number=head.number)
        if not lines:
            raise ValidationFailed("The counted bins of %(number)s hold nothing, and the ledger has nothing in "
                                   "them: there is nothing to correct", number=head.number)
        zone = f", зона {head.zone}" if head.zone else ""
        document_id = await create_document(DocumentInput(
            kind="inventory", warehouse_id=head.warehouse_id, lines=lines,
            comment=f"Инвентаризация {head.number}{zone}: ячеек {done}"), actor=actor, post=False)
        await InventoryCount.update({InventoryCount.status: "submitted", InventoryCount.document: document_id,
                                     InventoryCount.submitted_by: actor,
                                     InventoryCount.submitted_at: datetime.now(UTC)}).where(
            InventoryCount.id == count_id)
        number = await _document_number(document_id)
        await record(actor, "count.submit", "inventory_count", count_id,
                     {"number": head.number, "document": number, "lines": len(lines), "bins": done,
                      "left_out": left_out})
    return SubmitResult(count_number=head.number, document_id=document_id, document_number=number,
                        lines=len(lines), bins=done, left_out=left_out)
