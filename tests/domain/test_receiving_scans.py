"""Scans on an expected receipt: counted once per UUID, unknown codes refused, package multipliers,
surplus goods, bins scanned before the goods, corrections, put-away suggestions, two devices at once."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from receiving_helpers import BIG, PACK, TEA, UNIT, dock, scan
from stock_helpers import receive

from server.domain.receiving.putaway import suggest_bins
from server.domain.receiving.queries import expected_receipts, receiving_screen
from server.domain.receiving.scans import ReceiveScan, record_scan, undo_scan
from server.domain.receiving.tables import ReceivingScan
from server.domain.stock.documents import create_document
from server.domain.stock.dto import DocumentInput, LineInput
from server.errors import Conflict, NotFound, ValidationFailed


def _lines(screen: dict) -> dict[str, tuple[int, int, int]]:
    return {x["sku"]: (x["expected"], x["counted"], x["difference"])
            for x in screen["expected_lines"] + screen["surplus_lines"]}


async def test_a_scan_counts_into_the_suggested_bin_and_its_replay_counts_nothing_twice():
    d = await dock()
    first = await scan(d.receipt, UNIT, uid="scan-0001")
    assert first.accepted and first.result == "ok" and first.units == 1 and first.counted == 1
    assert first.expected == 10 and first.bin_address == "B-01"  # KEN-250 already lies in B-01
    again = await scan(d.receipt, UNIT, uid="scan-0001")
    assert again.replayed and again.accepted and again.counted == 1 and again.bin_address == "B-01"
    assert await ReceivingScan.count() == 1
    assert _lines(await receiving_screen(d.receipt))["KEN-250"] == (10, 1, -9)


async def test_an_unknown_code_is_refused_and_nothing_is_counted():
    d = await dock()
    outcome = await scan(d.receipt, "9999999999994")
    assert not outcome.accepted and outcome.result == "unknown" and outcome.params["code"] == "9999999999994"
    screen = await receiving_screen(d.receipt)
    assert screen["totals"]["counted"] == 0
    row = await ReceivingScan.select().first()
    assert row["units"] == 0 and row["result"] == "unknown"


async def test_a_package_barcode_counts_its_multiplier_and_qty_multiplies_it():
    d = await dock()
    assert (await scan(d.receipt, PACK)).units == 6
    outcome = await scan(d.receipt, UNIT, qty=3)
    assert outcome.units == 3 and outcome.counted == 9
    over = await scan(d.receipt, UNIT, qty=2)
    assert over.accepted and over.counted == 11 and "more than expected" in over.message
    assert _lines(await receiving_screen(d.receipt))["KEN-250"] == (10, 11, 1)


async def test_goods_not_expected_are_accepted_as_surplus():
    d = await dock()
    outcome = await scan(d.receipt, TEA)
    assert outcome.accepted and outcome.result == "surplus" and outcome.expected == 0
    screen = await receiving_screen(d.receipt)
    assert [x["sku"] for x in screen["surplus_lines"]] == ["TEA-100"]
    assert screen["surplus_lines"][0]["surplus"] and screen["totals"]["surplus"] == 1
    assert screen["totals"]["shortage"] == 12  # nothing of the 12 expected units counted yet


async def test_a_scanned_bin_overrides_the_suggestion_and_unknown_bins_are_refused():
    d = await dock()
    bin_scan = await scan(d.receipt, "c-01")
    assert bin_scan.result == "bin" and bin_scan.bin_address == "C-01" and bin_scan.units == 0
    outcome = await scan(d.receipt, UNIT, bin_code="C-01")
    assert outcome.accepted and outcome.bin_address == "C-01"
    refused = await scan(d.receipt, UNIT, bin_code="Z-99")
    assert not refused.accepted and refused.result == "unknown_bin"
    line = next(x for x in (await receiving_screen(d.receipt))["expected_lines"] if x["sku"] == "KEN-250")
    assert line["bins"] == [{"address": "C-01", "units": 1}] and line["putaway"]["address"] == "C-01"


async def test_undo_takes_one_unit_back_once_per_uuid():
    d = await dock()
    await scan(d.receipt, UNIT, qty=2)
    taken = await undo_scan(d.receipt, "undo-0001", d.sku["KEN-250"], actor="picker")
    assert taken.accepted and taken.result == "undo" and taken.units == -1 and taken.counted == 1
    again = await undo_scan(d.receipt, "undo-0001", d.sku["KEN-250"], actor="picker")
    assert again.replayed and again.counted == 1
    await undo_scan(d.receipt, "undo-0002", d.sku["KEN-250"], actor="picker")
    nothing = await undo_scan(d.receipt, "undo-0003", d.sku["KEN-250"], actor="picker")
    assert not nothing.accepted and nothing.result == "nothing_to_undo"
    assert _lines(await receiving_screen(d.receipt))["KEN-250"] == (10, 0, -10)


async def test_malformed_scans_raise_and_a_uuid_of_another_receipt_is_a_conflict():
    d = await dock()
    with pytest.raises(ValidationFailed):
        await scan(d.receipt, "   ")
    with pytest.raises(ValidationFailed):
        await record_scan(d.receipt, ReceiveScan(code=UNIT, client_uuid="bad uuid!"), actor="picker")
    with pytest.raises(ValidationFailed):
        await scan(d.receipt, UNIT, qty=0)
    with pytest.raises(NotFound):
        await scan(999999, UNIT)
    other = await create_document(DocumentInput(kind="receipt", warehouse_id=d.wh, lines=[
        LineInput(d.sku["TEA-100"], 1)]))
    await scan(d.receipt, UNIT, uid="shared-uuid-1")
    with pytest.raises(Conflict):
        await scan(other, UNIT, uid="shared-uuid-1")
    assert await ReceivingScan.count() == 1


async def test_put_away_suggestions_stocked_then_last_received_then_empty_bins():
    d = await dock()
    # TEA-100 was received into C-01 once and has run out since: its shelf is C-01, not the first empty A-01
    from server.domain.stock.documents import create_document as make
    received = await receive(d.wh, (d.sku["TEA-100"], 1, 1000, d.bins["C-01"]))
    assert received
    await make(DocumentInput(kind="write_off", warehouse_id=d.wh, reason="брак", lines=[
        LineInput(d.sku["TEA-100"], 1, bin_id=d.bins["C-01"])]), post=True)
    found = await suggest_bins(d.wh, [d.sku["KEN-250"], d.sku["KEN-1000"], d.sku["TEA-100"]])
    assert (found[d.sku["KEN-250"]].address, found[d.sku["KEN-250"]].why) == ("B-01", "stocked")
    assert (found[d.sku["TEA-100"]].address, found[d.sku["TEA-100"]].why) == ("C-01", "last_receipt")
    assert (found[d.sku["KEN-1000"]].address, found[d.sku["KEN-1000"]].why) == ("A-01", "empty")
    taken = await suggest_bins(d.wh, [d.sku["KEN-1000"]], taken={d.bins["A-01"]})
    assert taken[d.sku["KEN-1000"]].address == "C-01"  # A-01 is already given to other goods of the receipt


async def test_the_list_of_expected_receipts_shows_units_and_what_was_counted():
    d = await dock()
    await scan(d.receipt, BIG)
    listed = await expected_receipts(d.wh)
    assert [(r["id"], r["supplier"], r["lines"], r["units"], r["counted"]) for r in listed] == [
        (d.receipt, "ООО Зерно", 2, 12, 1)]
    assert "price" not in listed[0]


async def test_two_devices_scanning_at_once_both_count():
    d = await dock()
    results = await asyncio.gather(*[scan(d.receipt, UNIT, actor=f"picker{n % 2}") for n in range(8)],
                                   *[scan(d.receipt, UNIT, uid="same-uuid-twice") for _ in range(2)])
    assert all(r.accepted for r in results)
    assert _lines(await receiving_screen(d.receipt))["KEN-250"] == (10, 9, -1)
    assert await ReceivingScan.count() == 9
    assert uuid  # the helper makes fresh UUIDs
