"""Pick lists and scan verification: lines by bin in walking order, every wrong scan refused and recorded,
marking codes and serials, replays counted once, completion packs the order."""

from __future__ import annotations

import asyncio

import pytest
from picking_helpers import MARKING, SHOE_CODE, confirmed_order, floor, marked_code, scan

from server.domain.marking.tables import UnitCode
from server.domain.orders.status import change_status
from server.domain.orders.tables import Order
from server.domain.picking.lists import create_pick_list, orders_to_pick
from server.domain.picking.packing import complete_pick_list
from server.domain.picking.queries import pick_list_snapshot
from server.domain.picking.tables import PickLine, PickScan
from server.errors import Conflict


async def _status(order_id: int) -> str:
    return (await Order.select(Order.status).where(Order.id == order_id).first())["status"]


async def test_a_pick_list_splits_lines_over_bins_in_walking_order_and_starts_picking():
    f = await floor()
    order = await confirmed_order(("GR-1", 1), ("KEN-250", 5))
    assert [q.id for q in await orders_to_pick(f.wh)] == [order]
    pick_list = await create_pick_list([order], actor="picker")
    snap = await pick_list_snapshot(pick_list)
    # KEN-250: A-01 (seq 10) has 20 → all 5 from A; GR-1 lies in C-01 (seq 30)
    assert [(x["sku"], x["bin"], x["qty"]) for x in snap["lines"]] == [("KEN-250", "A-01", 5), ("GR-1", "C-01", 1)]
    assert await _status(order) == "picking"
    assert await orders_to_pick(f.wh) == []  # taken by the open list
    assert snap["codes"][f.codes["KEN-250"]]["multiplier"] == 1 and snap["codes"][f.pack]["multiplier"] == 6


async def test_a_wave_does_not_promise_the_same_bin_stock_twice():
    await floor()
    first = await confirmed_order(("KEN-250", 18))
    second = await confirmed_order(("KEN-250", 4))
    wave = await create_pick_list([first, second], actor="picker")
    lines = [(x["order_id"], x["bin"], x["qty"]) for x in (await pick_list_snapshot(wave))["lines"]]
    # 20 in A-01, 3 in B-01: the first order takes 18 from A, the second 2 from A and 2 from B
    assert sorted(lines) == sorted([(first, "A-01", 18), (second, "A-01", 2), (second, "B-01", 2)])


async def test_refused_orders_name_every_reason_and_change_nothing():
    f = await floor()
    order = await confirmed_order(("KEN-250", 1))
    new = await confirmed_order(("KEN-250", 1))
    await Order.update({Order.status: "new"}).where(Order.id == new)
    await create_pick_list([order], actor="picker")
    with pytest.raises(Conflict) as refused:
        await create_pick_list([order, new], actor="picker")
    assert len(refused.value.problems) == 2  # already in a list; not confirmed
    assert await _status(new) == "new"
    assert f.wh


async def test_right_wrong_and_package_scans():
    f = await floor()
    order = await confirmed_order(("KEN-250", 7))
    pick_list = await create_pick_list([order], actor="picker")
    ok = await scan(pick_list, f.codes["KEN-250"] + "\r\n")
    assert ok.accepted and ok.result == "ok" and ok.picked == 1 and ok.qty == 7
    other = await scan(pick_list, f.codes["KEN-250-M"])
    assert (other.result, other.accepted) == ("other_variant", False)
    unknown = await scan(pick_list, "4600000000000")
    assert unknown.result == "unknown"
    not_listed = await scan(pick_list, f.codes["GR-1"])
    assert not_listed.result == "not_on_list"
    package = await scan(pick_list, f.pack)  # six at once: 1 + 6 = 7
    assert package.accepted and package.units == 6 and package.picked == 7 and package.list_complete
    extra = await scan(pick_list, f.codes["KEN-250"])
    assert extra.result == "over" and not extra.accepted
    line = await PickLine.select().where(PickLine.pick_list == pick_list).first()
    assert line["picked"] == 7
    results = [r["result"] for r in await PickScan.select(PickScan.result).order_by(PickScan.id)]
    assert results == ["ok", "other_variant", "unknown", "not_on_list", "ok", "over"]


async def test_a_package_larger_than_what_is_left_is_refused_whole():
    f = await floor()
    pick_list = await create_pick_list([await confirmed_order(("KEN-250", 4))], actor="picker")
    refused = await scan(pick_list, f.pack)
    assert refused.result == "over" and refused.units == 0


async def test_marked_goods_need_a_whole_unused_datamatrix_per_unit():
    f = await floor()
    order = await confirmed_order(("TS-M", 2))
    pick_list = await create_pick_list([order], actor="picker")
    assert (await scan(pick_list, f.codes["TS-M"])).result == "marking_needed"
    cut = MARKING["scanner_variants_of_first_code"]["crypto_tail_cut_off"]
    assert (await scan(pick_list, cut)).result == "marking_incomplete"
    caret = MARKING["scanner_variants_of_first_code"]["gs_as_caret"]
    first = await scan(pick_list, caret)  # repaired: ^ was the group separator
    assert first.accepted
    again = await scan(pick_list, SHOE_CODE)  # the same unit, GS intact this time
    assert again.result == "marking_reused" and not again.accepted
    wrong_gtin = await scan(pick_list, MARKING["codes"][1]["raw"])
    assert wrong_gtin.result == "marking_gtin"
    second = await scan(pick_list, marked_code("ZZ3+Cd5-eF7gH"))
    assert second.accepted and second.list_complete
    codes = await UnitCode.select().where(UnitCode.order == order).order_by(UnitCode.id)
    assert [c["serial"] for c in codes] == ["Ab3+Cd5-eF7gH", "ZZ3+Cd5-eF7gH"]
    assert codes[0]["full_code"] == SHOE_CODE  # the КМ with GS restored, for the receipt


async def test_a_code_taken_by_one_order_is_refused_on_another_until_that_order_is_cancelled():
    await floor()
    first = await confirmed_order(("TS-M", 1))
    second = await confirmed_order(("TS-M", 1))
    list_one = await create_pick_list([first], actor="picker")
    list_two = await create_pick_list([second], actor="picker")
    assert (await scan(list_one, SHOE_CODE)).accepted
    reused = await scan(list_two, SHOE_CODE)
    assert reused.result == "marking_reused" and reused.params["order"]
    await change_status(first, "cancelled", actor="manager")
    assert (await scan(list_two, SHOE_CODE)).accepted


async def test_serial_tracked_goods_ask_for_the_serial_and_refuse_it_twice():
    f = await floor()
    pick_list = await create_pick_list([await confirmed_order(("GR-1", 2))], actor="picker")
    asked = await scan(pick_list, f.codes["GR-1"])
    assert asked.result == "needs_serial" and not asked.accepted
    assert (await scan(pick_list, f.codes["GR-1"], serial="SN-001")).accepted
    assert (await scan(pick_list, f.codes["GR-1"], serial="SN-001")).result == "serial_reused"
    assert (await scan(pick_list, f.codes["GR-1"], serial="SN-002")).list_complete


async def test_a_replayed_scan_counts_once_and_answers_its_first_outcome():
    f = await floor()
    pick_list = await create_pick_list([await confirmed_order(("KEN-250", 3))], actor="picker")
    first = await scan(pick_list, f.codes["KEN-250"], uid="device-1-scan-0001")
    again = await scan(pick_list, f.codes["KEN-250"], uid="device-1-scan-0001")
    assert first.accepted and again.replayed and again.result == "ok" and again.units == 1
    assert (await PickLine.select(PickLine.picked).first())["picked"] == 1
    assert await PickScan.count() == 1


async def test_concurrent_sends_of_one_scan_count_once():
    f = await floor()
    pick_list = await create_pick_list([await confirmed_order(("KEN-250", 5))], actor="picker")
    outcomes = await asyncio.gather(*[scan(pick_list, f.codes["KEN-250"], uid="same-scan-uuid-42") for _ in range(8)])
    assert sum(1 for o in outcomes if not o.replayed) == 1
    assert (await PickLine.select(PickLine.picked).first())["picked"] == 1


async def test_scans_for_a_cancelled_order_are_refused_with_a_clear_reason():
    f = await floor()
    order = await confirmed_order(("KEN-250", 2))
    pick_list = await create_pick_list([order], actor="picker")
    await change_status(order, "cancelled", actor="manager")
    refused = await scan(pick_list, f.codes["KEN-250"])
    assert refused.result == "order_cancelled" and refused.params["number"]


async def test_location_first_mode_takes_goods_only_from_the_scanned_bin():
    f = await floor()
    pick_list = await create_pick_list([await confirmed_order(("KEN-250", 2))], actor="picker", mode="location")
    assert (await scan(pick_list, f.codes["KEN-250"])).result == "wrong_bin"
    at_bin = await scan(pick_list, "a-01")
    assert at_bin.result == "bin" and at_bin.bin_address == "A-01"
    assert (await scan(pick_list, f.codes["KEN-250"], bin_code="C-01")).result == "wrong_bin"
    assert (await scan(pick_list, f.codes["KEN-250"], bin_code="A-01")).accepted


async def test_completion_packs_the_order_once():
    f = await floor()
    order = await confirmed_order(("KEN-250", 1))
    pick_list = await create_pick_list([order], actor="picker")
    with pytest.raises(Conflict):
        await complete_pick_list(pick_list, actor="picker")
    assert await _status(order) == "picking"
    await scan(pick_list, f.codes["KEN-250"])
    done = await complete_pick_list(pick_list, actor="picker")
    assert done.packed and done.list_done and not done.already
    assert await _status(order) == "packed"
    again = await complete_pick_list(pick_list, actor="picker")
    assert again.already and again.packed == [] and again.already_packed == done.packed
    closed = await scan(pick_list, f.codes["KEN-250"])
    assert closed.result == "list_closed"


async def test_a_wave_packs_the_ready_orders_and_keeps_the_rest_open():
    f = await floor()
    ready = await confirmed_order(("KEN-250", 1))
    later = await confirmed_order(("GR-1", 1))
    wave = await create_pick_list([ready, later], actor="picker")
    await scan(wave, f.codes["KEN-250"])
    partial = await complete_pick_list(wave, actor="picker")
    assert not partial.list_done and [w["reason"] for w in partial.waiting] == ["picking"]
    assert (await _status(ready), await _status(later)) == ("packed", "picking")
    await scan(wave, f.codes["GR-1"], serial="SN-9")
    assert (await complete_pick_list(wave, actor="picker")).list_done
