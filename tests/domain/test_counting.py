"""Counting bin by bin: a bin address opens the bin, goods add units (a package its multiplier), unknown codes
and bins of other warehouses or zones are refused, goods before a bin are refused, a typed quantity, «bin
counted», a done bin counted again from zero, a replayed UUID counted once, a closed count refused."""

from __future__ import annotations

import uuid

import pytest
from picking_helpers import MARKED_GTIN, SHOE_CODE, floor
from stock_helpers import make_warehouse

from server.domain.counting.counts import (
    cancel_count,
    close_bin,
    count_screen,
    list_counts,
    reopen_bin,
    set_counted,
    start_count,
)
from server.domain.counting.scans import CountScanInput, record_count_scan
from server.domain.counting.tables import CountLine, CountScan
from server.domain.stock.warehouses import create_bin
from server.errors import Conflict, NotFound, ValidationFailed


async def scan(count_id: int, code: str, *, uid: str | None = None, actor: str = "picker"):
    return await record_count_scan(count_id, CountScanInput(code=code, client_uuid=uid or uuid.uuid4().hex),
                                   actor=actor)


async def counted(count_id: int, actor: str = "picker") -> dict[str, int]:
    """SKU → units in this person's current bin, as the device shows them."""
    screen = await count_screen(count_id, actor)
    return {x["sku"]: x["qty"] for x in (screen["current"] or {"lines": []})["lines"]}


async def test_a_bin_then_goods_counts_units_and_a_package_counts_its_multiplier():
    f = await floor()
    count = await start_count(f.wh, actor="picker")
    opened = await scan(count, "a-01")  # an address in any case
    assert (opened.result, opened.accepted, opened.bin_address) == ("bin", True, "A-01")
    one = await scan(count, f.codes["KEN-250"])
    assert (one.result, one.units, one.qty) == ("ok", 1, 1)
    box = await scan(count, f.pack)
    assert (box.units, box.qty) == (6, 7)
    assert box.params == {"name": "Кения АА, зерно", "qty": 7, "bin": "A-01", "units": 6}
    by_sku = await scan(count, "ken-250-m")
    assert by_sku.result == "ok" and by_sku.qty == 1
    assert await counted(count) == {"KEN-250": 7, "KEN-250-M": 1}
    screen = await count_screen(count, "picker")
    assert screen["number"].startswith("ИНВ-") and screen["current"]["address"] == "A-01"
    assert screen["current"]["lines"][0]["characteristics"] == {"Помол": "зерно"}
    assert [(b["address"], b["status"], b["units"]) for b in screen["bins"]] == [("A-01", "counting", 8)]


async def test_a_datamatrix_counts_one_unit_of_its_goods():
    f = await floor()
    count = await start_count(f.wh, actor="picker")
    await scan(count, "C-01")
    got = await scan(count, SHOE_CODE)
    assert (got.result, got.units, got.variant_id) == ("ok", 1, f.sku["TS-M"])
    assert MARKED_GTIN.endswith(f.codes["TS-M"])


async def test_unknown_codes_and_foreign_bins_are_refused_and_count_nothing():
    f = await floor()
    other = await make_warehouse("SHOP")
    await create_bin(other, "Z", "09")
    count = await start_count(f.wh, actor="picker")
    await scan(count, "B-01")
    unknown = await scan(count, "4600000000000")
    assert (unknown.result, unknown.accepted, unknown.units) == ("unknown", False, 0)
    assert unknown.params == {"code": "4600000000000"}
    foreign = await scan(count, "Z-09")
    assert foreign.result == "other_warehouse" and foreign.params["bin"] == "Z-09"
    assert await CountLine.count() == 0
    assert await CountScan.count().where(CountScan.result == "unknown") == 1  # refusals are recorded
    after = await scan(count, f.codes["KEN-250"])  # B-01 is still the current bin
    assert after.bin_address == "B-01" and after.qty == 1


async def test_goods_before_any_bin_are_refused():
    f = await floor()
    count = await start_count(f.wh, actor="picker")
    got = await scan(count, f.codes["KEN-250"])
    assert (got.result, got.accepted, got.message) == ("no_bin", False, "Scan the bin first: then the goods in it")
    assert await CountLine.count() == 0


async def test_a_zone_count_refuses_bins_of_other_zones_and_an_unknown_zone_is_refused():
    f = await floor()
    with pytest.raises(ValidationFailed) as caught:
        await start_count(f.wh, zone="Q", actor="picker")
    assert caught.value.field == "zone"
    count = await start_count(f.wh, zone="a", actor="picker")
    assert (await count_screen(count, "picker"))["zone"] == "A"
    assert (await scan(count, "B-01")).result == "other_zone"
    assert (await scan(count, "A-01")).result == "bin"


async def test_typing_a_quantity_sets_it_and_bad_numbers_are_refused():
    f = await floor()
    count = await start_count(f.wh, actor="picker")
    opened = await scan(count, "A-01")
    await scan(count, f.codes["KEN-250"])
    await set_counted(count, opened.count_bin_id, f.sku["KEN-250"], 200, actor="picker")
    await set_counted(count, opened.count_bin_id, f.sku["GR-1"], 3, actor="picker")  # not scanned: added
    assert await counted(count) == {"KEN-250": 200, "GR-1": 3}
    for bad in (-1, "12", 10_000_001):
        with pytest.raises(ValidationFailed):
            await set_counted(count, opened.count_bin_id, f.sku["KEN-250"], bad, actor="picker")
    with pytest.raises(ValidationFailed):
        await set_counted(count, opened.count_bin_id, 999_999, 1, actor="picker")
    assert await counted(count) == {"KEN-250": 200, "GR-1": 3}


async def test_a_counted_bin_is_closed_refuses_scans_and_a_recount_starts_from_zero():
    f = await floor()
    count = await start_count(f.wh, actor="picker")
    opened = await scan(count, "A-01")
    for _ in range(3):
        await scan(count, f.codes["KEN-250"])
    done = await close_bin(count, opened.count_bin_id, actor="picker")
    assert done == {"bin": "A-01", "already": False, "units": 3}
    assert (await close_bin(count, opened.count_bin_id, actor="picker"))["already"] is True
    assert (await count_screen(count, "picker"))["current"] is None
    assert (await scan(count, f.codes["KEN-250"])).result == "no_bin"
    again = await scan(count, "A-01")
    assert again.result == "bin_done" and not again.accepted
    with pytest.raises(Conflict):
        await set_counted(count, opened.count_bin_id, f.sku["KEN-250"], 5, actor="picker")

    await reopen_bin(count, opened.count_bin_id, actor="picker")
    assert await counted(count) == {}  # its counts start again
    await scan(count, f.codes["KEN-250"])
    assert await counted(count) == {"KEN-250": 1}
    screen = await count_screen(count, "picker")
    assert [(b["address"], b["status"]) for b in screen["bins"]] == [("A-01", "counting")]


async def test_two_pickers_have_their_own_current_bins():
    f = await floor()
    count = await start_count(f.wh, actor="anna")
    await scan(count, "A-01", actor="anna")
    await scan(count, "B-01", actor="boris")
    await scan(count, f.codes["KEN-250"], actor="anna")
    await scan(count, f.pack, actor="boris")
    assert await counted(count, "anna") == {"KEN-250": 1}
    assert await counted(count, "boris") == {"KEN-250": 6}
    assert (await count_screen(count, "carl"))["current"] is None


async def test_the_same_uuid_twice_counts_once_and_answers_the_first_outcome():
    f = await floor()
    count = await start_count(f.wh, actor="picker")
    await scan(count, "A-01")
    first = await scan(count, f.pack, uid="scan-0001")
    second = await scan(count, f.pack, uid="scan-0001")
    assert (first.replayed, second.replayed) == (False, True)
    assert (second.result, second.units, second.qty) == ("ok", 6, 6)
    assert await counted(count) == {"KEN-250": 6}
    other = await start_count(f.wh, actor="picker")
    with pytest.raises(Conflict):
        await scan(other, f.pack, uid="scan-0001")


async def test_malformed_scans_raise_and_a_closed_count_refuses():
    f = await floor()
    count = await start_count(f.wh, actor="picker")
    with pytest.raises(ValidationFailed) as caught:
        await scan(count, "", uid="x")
    assert len(caught.value.problems) == 2
    with pytest.raises(NotFound):
        await scan(count + 100, "A-01")
    await cancel_count(count, actor="manager")
    closed = await scan(count, "A-01")
    assert closed.result == "count_closed" and not closed.accepted
    assert await list_counts(warehouse_id=f.wh) == []
    assert [c["status"] for c in await list_counts(warehouse_id=f.wh, status="")] == ["cancelled"]


async def test_a_count_needs_an_active_warehouse_and_numbers_follow_each_other():
    f = await floor()
    with pytest.raises(ValidationFailed):
        await start_count(999_999, actor="picker")
    first = await start_count(f.wh, actor="picker")
    second = await start_count(f.wh, actor="picker")
    rows = await list_counts(warehouse_id=f.wh)
    assert [(r["id"], r["number"]) for r in rows] == [(second, "ИНВ-000002"), (first, "ИНВ-000001")]
