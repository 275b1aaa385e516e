"""Posting a received receipt: what was counted becomes the ledger, what differed is kept.

`post_receiving(document_id)` in ONE transaction, with the document row locked:
- refuses a receipt already posted (or gone) and a receipt on which nothing was counted;
- replaces the draft's lines by the counted quantities per variant and put-away bin (expected goods never
  scanned are dropped); a surplus line is priced at its variant's expected line, else at the variant's
  last posted receipt, else 0;
- writes one ReceivingResult row per variant (expected, counted) and a short discrepancy note in the
  document's comment, so the manager sees it on the document;
- posts the document (stock/documents.py: moves, balances, costs).
Scans wait on the same row lock, so a scan either counts before the posting or is refused after it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from server.db import write_tx
from server.domain.catalog.tables import Variant
from server.domain.receiving._context import Counted, Receipt, load_counted, load_receipt, lock_receipt
from server.domain.receiving.tables import ReceivingResult
from server.domain.stock.documents import post_document, update_document
from server.domain.stock.dto import DocumentInput, LineInput
from server.domain.stock.tables import StockDocumentLine
from server.errors import Conflict, ValidationFailed

MAX_COMMENT = 4000
Translate = Callable[[str, dict], str]


@dataclass(frozen=True)
class ResultLine:
    variant_id: int
    sku: str
    expected: int
    counted: int

    @property
    def difference(self) -> int:
        return self.counted - self.expected


@dataclass(frozen=True)
class PostResult:
    document_id: int
    number: str
    lines: list[ResultLine]
    note: str

    @property
    def shortage(self) -> int:
        return sum(-x.difference for x in self.lines if x.difference < 0)

    @property
    def surplus(self) -> int:
        return sum(x.difference for x in self.lines if x.difference > 0)


def _plain(message: str, params: dict) -> str:
    return message % params if params else message


async def last_receipt_prices(variant_ids: list[int]) -> dict[int, int]:
    """Per variant the unit price of its latest posted receipt line with a price (kopecks)."""
    found: dict[int, int] = {}
    for v in sorted(set(variant_ids)):
        rows = await StockDocumentLine.raw(
            "SELECT l.price FROM stock_document_line l JOIN stock_document d ON d.id = l.document "
            "WHERE d.kind = 'receipt' AND d.status = 'posted' AND l.variant = {} AND l.price > 0 "
            "ORDER BY d.posted_at DESC, l.id DESC LIMIT 1", v)
        if rows:
            found[v] = rows[0]["price"]
    return found


def discrepancy_note(lines: list[ResultLine], tr: Translate = _plain) -> str:
    """A few lines for the document's comment: totals, then the shortages and surpluses by SKU."""
    expected = sum(x.expected for x in lines)
    counted = sum(x.counted for x in lines)
    parts = [tr("Received by scanning: %(counted)s units counted, %(expected)s expected",
                {"counted": counted, "expected": expected})]
    short = [f"{x.sku} −{-x.difference} ({x.counted}/{x.expected})" for x in lines if x.difference < 0]
    extra = [f"{x.sku} +{x.difference} ({x.counted}/{x.expected})" for x in lines if x.difference > 0]
    if short:
        parts.append(tr("Shortage: %(items)s", {"items": ", ".join(short)}))
    if extra:
        parts.append(tr("Surplus: %(items)s", {"items": ", ".join(extra)}))
    if not short and not extra:
        parts.append(tr("Everything as expected", {}))
    return ". ".join(parts)


async def _result_lines(receipt: Receipt, counted: Counted) -> list[ResultLine]:
    variants = receipt.order + [v for v in counted.variants if v not in receipt.expected]
    skus = {r["id"]: r["sku"] for r in await Variant.select(Variant.id, Variant.sku).where(
        Variant.id.is_in(variants or [0]))}
    return [ResultLine(v, skus.get(v, str(v)), receipt.expected.get(v, 0), counted.total(v)) for v in variants]


async def _lines(receipt: Receipt, counted: Counted) -> list[LineInput]:
    places = [(v, b, u) for (v, b), u in counted.by_place.items() if u > 0]
    rank = {v: n for n, v in enumerate(receipt.order + counted.order)}
    places.sort(key=lambda p: (rank.get(p[0], len(rank)), p[1] or 0))
    missing = [v for v, _b, _u in places if not receipt.prices.get(v)]
    fallback = await last_receipt_prices(missing) if missing else {}
    return [LineInput(variant_id=v, qty=u, bin_id=b, price=receipt.prices.get(v) or fallback.get(v, 0))
            for v, b, u in places]


def _comment(old: str, note: str) -> str:
    note = note[:MAX_COMMENT]
    room = MAX_COMMENT - len(note) - 1
    old = old.strip()[:room] if room > 0 else ""
    return f"{old}\n{note}" if old else note


async def post_receiving(document_id: int, *, actor: str, tr: Translate = _plain) -> PostResult:
    """Posts the receipt with what was counted (see the module docstring). `tr` translates the note."""
    async with write_tx():
        await lock_receipt(document_id)
        receipt = await load_receipt(document_id)
        if receipt.status != "draft":
            raise Conflict("Receipt %(number)s is already posted", number=receipt.number)
        counted = await load_counted(document_id)
        lines = await _lines(receipt, counted)
        if not lines:
            raise ValidationFailed("Nothing is counted on receipt %(number)s: scan the goods before posting it",
                                   number=receipt.number)
        results = await _result_lines(receipt, counted)
        note = discrepancy_note(results, tr)
        await update_document(document_id, DocumentInput(
            kind="receipt", warehouse_id=receipt.warehouse_id, supplier=receipt.supplier,
            comment=_comment(receipt.comment, note), lines=lines), actor=actor)
        await post_document(document_id, actor=actor)
        await ReceivingResult.delete().where(ReceivingResult.document == document_id)
        await ReceivingResult.insert(*[ReceivingResult(document=document_id, variant=x.variant_id,
                                                       expected=x.expected, counted=x.counted, posted_by=actor)
                                       for x in results])
    return PostResult(document_id=document_id, number=receipt.number, lines=results, note=note)


async def posted_results(document_id: int) -> list[ResultLine]:
    """The discrepancy kept when the receipt was posted (empty for receipts not posted by scanning)."""
    rows = await (ReceivingResult.select(ReceivingResult.variant, ReceivingResult.variant.sku.as_alias("sku"),
                                         ReceivingResult.expected, ReceivingResult.counted)
                  .where(ReceivingResult.document == document_id).order_by(ReceivingResult.id))
    return [ResultLine(r["variant"], r["sku"], r["expected"], r["counted"]) for r in rows]
