"""Posting a received receipt: the counted quantities become the ledger, the discrepancy is kept, surplus
goods are priced, a second posting and an empty count are refused, a scan after posting counts nothing."""

from __future__ import annotations

import asyncio

import pytest
from receiving_helpers import BIG, TEA, UNIT, dock, scan
from stock_helpers import balance, bin_on_hand, receive

from server.domain.receiving.posting import post_receiving, posted_results
from server.domain.receiving.queries import receiving_screen
from server.domain.receiving.tables import ReceivingResult
from server.domain.stock.documents import delete_draft
from server.domain.stock.tables import StockDocument, StockDocumentLine, StockMove
from server.errors import Conflict, NotFound, ValidationFailed


async def _lines(document_id: int) -> list[tuple[int, int, int | None, int]]:
    rows = await StockDocumentLine.select().where(StockDocumentLine.document == document_id).order_by(
        StockDocumentLine.id)
    return [(r["variant"], r["qty"], r["bin"], r["price"]) for r in rows]


async def test_counted_quantities_become_the_ledger_and_the_discrepancy_is_kept():
    d = await dock()
    await receive(d.wh, (d.sku["TEA-100"], 1, 12300))  # TEA-100's last receipt price: 123,00
    for _ in range(7):
        await scan(d.receipt, UNIT)  # 7 of 10 KEN-250 (into B-01, where it lies)
    await scan(d.receipt, TEA, bin_code="A-01")  # surplus
    result = await post_receiving(d.receipt, actor="picker")
    assert result.shortage == 5 and result.surplus == 1  # KEN-250 −3, KEN-1000 −2 (never scanned), TEA +1
    assert [(x.sku, x.expected, x.counted) for x in result.lines] == [
        ("KEN-250", 10, 7), ("KEN-1000", 2, 0), ("TEA-100", 0, 1)]
    doc = await StockDocument.select().where(StockDocument.id == d.receipt).first()
    assert doc["status"] == "posted" and doc["posted_by"] == "picker"
    assert "KEN-250 −3" in doc["comment"] and "TEA-100 +1" in doc["comment"] and "KEN-1000 −2" in doc["comment"]
    # KEN-1000 (0 counted) is dropped; the surplus takes TEA-100's last receipt price
    assert await _lines(d.receipt) == [(d.sku["KEN-250"], 7, d.bins["B-01"], 41000),
                                       (d.sku["TEA-100"], 1, d.bins["A-01"], 12300)]
    assert (await balance(d.sku["KEN-250"], d.wh))["on_hand"] == 5 + 7
    assert await bin_on_hand(d.sku["KEN-250"], d.bins["B-01"]) == 12
    assert await bin_on_hand(d.sku["TEA-100"], d.bins["A-01"]) == 1
    assert (await balance(d.sku["KEN-1000"], d.wh))["on_hand"] == 0
    kept = await posted_results(d.receipt)
    assert [(x.sku, x.expected, x.counted, x.difference) for x in kept] == [
        ("KEN-250", 10, 7, -3), ("KEN-1000", 2, 0, -2), ("TEA-100", 0, 1, 1)]
    screen = await receiving_screen(d.receipt)
    assert screen["status"] == "posted" and screen["totals"] == {"expected": 12, "counted": 8, "shortage": 5,
                                                                  "surplus": 1}


async def test_a_surplus_without_any_price_history_costs_nothing_and_the_note_is_translated():
    d = await dock()
    await scan(d.receipt, TEA)
    await scan(d.receipt, BIG)
    await scan(d.receipt, BIG)
    result = await post_receiving(d.receipt, actor="picker", tr=lambda m, p: "«" + (m % p if p else m) + "»")
    assert result.note.startswith("«Received by scanning: 3 units counted, 12 expected»")
    prices = {v: price for v, _q, _b, price in await _lines(d.receipt)}
    assert prices == {d.sku["KEN-1000"]: 150000, d.sku["TEA-100"]: 0}


async def test_a_second_posting_a_deleted_receipt_and_an_empty_count_are_refused():
    d = await dock()
    with pytest.raises(ValidationFailed) as empty:
        await post_receiving(d.receipt, actor="picker")
    assert "Nothing is counted" in empty.value.message
    assert (await StockDocument.select().where(StockDocument.id == d.receipt).first())["status"] == "draft"
    await scan(d.receipt, UNIT)
    await post_receiving(d.receipt, actor="picker")
    moves = await StockMove.count()
    with pytest.raises(Conflict):
        await post_receiving(d.receipt, actor="picker")
    assert await StockMove.count() == moves and await ReceivingResult.count() == 3 - 1  # KEN-250, KEN-1000
    late = await scan(d.receipt, UNIT)
    assert not late.accepted and late.result == "closed"
    assert (await balance(d.sku["KEN-250"], d.wh))["on_hand"] == 6
    other = (await dock_again(d)).receipt
    await delete_draft(other)
    with pytest.raises(NotFound):
        await post_receiving(other, actor="picker")


async def dock_again(d):
    from server.domain.stock.documents import create_document
    from server.domain.stock.dto import DocumentInput, LineInput
    d.receipt = await create_document(DocumentInput(kind="receipt", warehouse_id=d.wh, lines=[
        LineInput(d.sku["TEA-100"], 3)]))
    return d


async def test_two_postings_at_once_post_once():
    d = await dock()
    await scan(d.receipt, UNIT)
    results = await asyncio.gather(*[post_receiving(d.receipt, actor="picker") for _ in range(2)],
                                   return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "PostResult"]
    assert (await balance(d.sku["KEN-250"], d.wh))["on_hand"] == 6


async def test_scans_racing_the_posting_either_count_in_it_or_are_refused_after_it():
    d = await dock()
    await scan(d.receipt, UNIT)
    outcomes = await asyncio.gather(*[scan(d.receipt, UNIT) for _ in range(6)],
                                    post_receiving(d.receipt, actor="picker"), *[scan(d.receipt, UNIT) for _ in range(6)])
    counted_before = 1 + sum(o.units for o in outcomes[:6] + outcomes[7:] if o.accepted)
    assert all(o.result == "closed" for o in outcomes[:6] + outcomes[7:] if not o.accepted)
    assert (await balance(d.sku["KEN-250"], d.wh))["on_hand"] == 5 + counted_before
    assert outcomes[6].lines[0].counted == counted_before
