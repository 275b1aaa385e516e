"""A submitted count becomes one draft inventory document: the counted lines of the done bins plus zero lines
for goods the ledger holds there that nobody counted; open bins are left out; twice gives one document;
posting it moves the ledger to the counted quantities. Concurrent scans of one bin lose no unit."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from picking_helpers import floor
from stock_helpers import bin_on_hand

from server.domain.counting.counts import close_bin, count_screen, set_counted, start_count
from server.domain.counting.scans import CountScanInput, record_count_scan
from server.domain.counting.submit import submit_count
from server.domain.counting.tables import CountLine, CountScan, InventoryCount
from server.domain.stock.documents import get_document, post_document
from server.domain.stock.tables import StockDocument
from server.errors import Conflict, ValidationFailed


async def scan(count_id: int, code: str, *, uid: str | None = None, actor: str = "picker"):
    return await record_count_scan(count_id, CountScanInput(code=code, client_uuid=uid or uuid.uuid4().hex),
                                   actor=actor)


async def _counted_floor():
    """A-01 counted 18 of KEN-250 (the ledger has 20); C-01: KEN-250-M 10 (as booked), GR-1 6 (5 booked),
    TS-M not found (10 booked); B-01 opened, not finished."""
    f = await floor()
    count = await start_count(f.wh, actor="picker")
    a = await scan(count, "A-01")
    await scan(count, f.pack)
    await set_counted(count, a.count_bin_id, f.sku["KEN-250"], 18, actor="picker")
    await close_bin(count, a.count_bin_id, actor="picker")
    c = await scan(count, "C-01")
    for _ in range(6):
        await scan(count, f.codes["GR-1"])
    await set_counted(count, c.count_bin_id, f.sku["KEN-250-M"], 10, actor="picker")
    await close_bin(count, c.count_bin_id, actor="picker")
    await scan(count, "B-01")
    await scan(count, f.codes["KEN-250"])
    return f, count


def _lines(doc: dict) -> list[tuple[str, int, str]]:
    return sorted((x["sku"], x["qty"], x["bin"]["address"]) for x in doc["lines"])


async def test_submit_builds_a_draft_of_the_counted_lines_and_zero_lines_for_what_was_not_found():
    f, count = await _counted_floor()
    result = await submit_count(count, actor="picker")
    assert (result.bins, result.left_out, result.lines, result.already) == (2, 1, 4, False)
    doc = await get_document(result.document_id)
    assert (doc["kind"], doc["status"], doc["number"]) == ("inventory", "draft", result.document_number)
    assert doc["number"].startswith("ИН-") and result.count_number in doc["comment"]
    assert _lines(doc) == [("GR-1", 6, "C-01"), ("KEN-250", 18, "A-01"), ("KEN-250-M", 10, "C-01"),
                           ("TS-M", 0, "C-01")]  # B-01 was not finished: not in it
    head = await InventoryCount.select().where(InventoryCount.id == count).first()
    assert (head["status"], head["document"]) == ("submitted", result.document_id)
    assert await bin_on_hand(f.sku["KEN-250"], f.bins["A-01"]) == 20  # a draft changes nothing


async def test_posting_the_draft_moves_the_ledger_to_the_counted_quantities():
    f, count = await _counted_floor()
    result = await submit_count(count, actor="picker")
    await post_document(result.document_id, actor="manager")
    assert await bin_on_hand(f.sku["KEN-250"], f.bins["A-01"]) == 18
    assert await bin_on_hand(f.sku["KEN-250"], f.bins["B-01"]) == 3  # not counted: untouched
    assert await bin_on_hand(f.sku["KEN-250-M"], f.bins["C-01"]) == 10
    assert await bin_on_hand(f.sku["GR-1"], f.bins["C-01"]) == 6
    assert await bin_on_hand(f.sku["TS-M"], f.bins["C-01"]) == 0
    doc = await get_document(result.document_id)
    assert sorted((x["sku"], x["book_qty"]) for x in doc["lines"]) == [
        ("GR-1", 5), ("KEN-250", 20), ("KEN-250-M", 10), ("TS-M", 10)]


async def test_the_draft_shows_the_current_book_quantity_for_review():
    f, count = await _counted_floor()
    result = await submit_count(count, actor="picker")
    doc = await get_document(result.document_id)
    assert sorted((x["sku"], x["book_now"]) for x in doc["lines"]) == [
        ("GR-1", 5), ("KEN-250", 20), ("KEN-250-M", 10), ("TS-M", 10)]
    assert f.wh


async def test_a_second_submit_answers_the_first_document_and_the_count_takes_no_more_scans():
    f, count = await _counted_floor()
    first = await submit_count(count, actor="picker")
    again = await submit_count(count, actor="manager")
    assert again.already and (again.document_id, again.document_number) == (first.document_id,
                                                                          first.document_number)
    assert await StockDocument.count().where(StockDocument.kind == "inventory") == 1
    late = await scan(count, f.codes["KEN-250"])
    assert late.result == "count_closed" and not late.accepted
    with pytest.raises(Conflict):
        await set_counted(count, 1, f.sku["KEN-250"], 1, actor="picker")


async def test_concurrent_submits_make_one_document():
    _f, count = await _counted_floor()
    results = await asyncio.gather(*[submit_count(count, actor=f"p{n}") for n in range(4)])
    assert len({r.document_id for r in results}) == 1
    assert sum(1 for r in results if not r.already) == 1
    assert await StockDocument.count().where(StockDocument.kind == "inventory") == 1


async def test_submitting_without_a_done_bin_is_refused_and_changes_nothing():
    f = await floor()
    count = await start_count(f.wh, actor="picker")
    await scan(count, "A-01")
    await scan(count, f.codes["KEN-250"])
    with pytest.raises(ValidationFailed) as caught:
        await submit_count(count, actor="picker")
    assert "No bin of count" in caught.value.message
    assert await StockDocument.count().where(StockDocument.kind == "inventory") == 0
    assert (await count_screen(count, "picker"))["status"] == "open"


async def test_an_empty_bin_counted_empty_zeroes_its_book_stock():
    f = await floor()
    count = await start_count(f.wh, actor="picker")
    b = await scan(count, "B-01")
    await close_bin(count, b.count_bin_id, actor="picker")
    result = await submit_count(count, actor="picker")
    assert _lines(await get_document(result.document_id)) == [("KEN-250", 0, "B-01")]
    await post_document(result.document_id, actor="manager")
    assert await bin_on_hand(f.sku["KEN-250"], f.bins["B-01"]) == 0
    assert await bin_on_hand(f.sku["KEN-250"], f.bins["A-01"]) == 20


async def test_two_pickers_scanning_one_bin_at_once_lose_no_unit():
    f = await floor()
    count = await start_count(f.wh, actor="anna")
    await scan(count, "A-01", actor="anna")
    await scan(count, "A-01", actor="boris")

    async def burst(actor: str, code: str, n: int):
        for _ in range(n):
            await scan(count, code, actor=actor)

    await asyncio.gather(burst("anna", f.codes["KEN-250"], 15), burst("boris", f.pack, 15),
                         *[scan(count, f.codes["KEN-250"], actor="anna") for _ in range(10)])
    lines = await CountLine.select(CountLine.variant, CountLine.qty)
    assert lines == [{"variant": f.sku["KEN-250"], "qty": 15 + 15 * 6 + 10}]
    assert await CountScan.count().where(CountScan.result == "ok") == 40


async def test_the_same_scan_sent_five_times_at_once_counts_once():
    f = await floor()
    count = await start_count(f.wh, actor="picker")
    await scan(count, "A-01")
    outcomes = await asyncio.gather(*[scan(count, f.pack, uid="same-scan-01") for _ in range(5)])
    assert sorted(o.replayed for o in outcomes) == [False, True, True, True, True]
    assert {o.qty for o in outcomes} == {6}
    assert (await CountLine.select(CountLine.qty).first())["qty"] == 6
