"""Moving-average cost per variant and warehouse, in integer kopecks."""

from __future__ import annotations

import pytest
from stock_helpers import balance, make_variants, make_warehouse, receive

from server.domain.stock.costing import outgoing_cost, reversal_cost, share
from server.domain.stock.documents import create_document, get_document, unpost_document
from server.domain.stock.dto import DocumentInput, LineInput


@pytest.mark.parametrize(("value", "qty", "on_hand", "expected"), [
    (1000, 1, 3, 333),  # 333.33
    (667, 1, 2, 334),  # 333.5 rounds half up
    (1000, 2, 3, 667),
    (0, 5, 10, 0),
    (1000, 1, 0, 0),
])
def test_share_rounds_half_up(value, qty, on_hand, expected):
    assert share(value, qty, on_hand) == expected


def test_the_last_unit_takes_the_remainder():
    assert outgoing_cost(1001, 3, 3) == 1001
    assert outgoing_cost(1001, 3, 1) == 334
    assert outgoing_cost(500, 0, 1) == 0  # nothing on hand: no cost known


def test_a_reversal_never_takes_more_than_the_stock_is_worth():
    assert reversal_cost(value=2000, on_hand=20, qty=10, original=1000) == 1000
    assert reversal_cost(value=605, on_hand=11, qty=10, original=1000) == 605
    assert reversal_cost(value=700, on_hand=10, qty=10, original=1000) == 700  # empties the value


async def _write_off(wh: int, variant: int, qty: int) -> dict:
    doc = await create_document(DocumentInput("write_off", wh, [LineInput(variant, qty)], reason="бой"), post=True)
    return (await get_document(doc))["moves"][0]


async def test_receipts_average_and_write_offs_take_the_average_down_to_zero():
    (a,) = await make_variants("A-1")
    wh = await make_warehouse("MAIN")
    await receive(wh, (a, 2, 100))
    await receive(wh, (a, 1, 201))  # 401 kopecks for 3 units: 133.67 each
    assert (await balance(a, wh))["value"] == 401
    costs = [(await _write_off(wh, a, 1))["cost"] for _ in range(3)]
    assert costs == [-134, -134, -133]  # 133.67 → 134; 267/2 = 133.5 → 134; the last unit takes 133
    bal = await balance(a, wh)
    assert (bal["on_hand"], bal["value"]) == (0, 0)


async def test_transfers_carry_the_cost_to_the_destination():
    (a,) = await make_variants("A-1")
    main, shop = await make_warehouse("MAIN"), await make_warehouse("SHOP")
    await receive(main, (a, 3, 100))
    await receive(main, (a, 3, 150))  # average 125
    doc = await create_document(DocumentInput("transfer", main, [LineInput(a, 2)], dest_warehouse_id=shop),
                                post=True)
    moves = (await get_document(doc))["moves"]
    assert [(m["warehouse"]["code"], m["qty"], m["cost"]) for m in moves] == [("MAIN", -2, -250), ("SHOP", 2, 250)]
    assert ((await balance(a, main))["value"], (await balance(a, shop))["value"]) == (500, 250)
    await unpost_document(doc)
    assert ((await balance(a, main))["value"], (await balance(a, shop))["value"]) == (750, 0)


async def test_inventory_surplus_is_valued_at_the_current_average():
    a, b = await make_variants("A-1", "B-1")
    wh = await make_warehouse("MAIN")
    await receive(wh, (a, 4, 250), (b, 2, 70))
    await _write_off(wh, b, 2)  # b is gone; its last purchase cost 70
    doc = await create_document(DocumentInput("inventory", wh, [LineInput(a, 6), LineInput(b, 3)]), post=True)
    moves = (await get_document(doc))["moves"]
    assert [(m["sku"], m["qty"], m["cost"]) for m in moves] == [("A-1", 2, 500), ("B-1", 3, 210)]
    assert ((await balance(a, wh))["value"], (await balance(b, wh))["value"]) == (1500, 210)


async def test_unposting_a_receipt_restores_the_value_exactly():
    (a,) = await make_variants("A-1")
    wh = await make_warehouse("MAIN")
    await receive(wh, (a, 10, 200))
    doc = await receive(wh, (a, 10, 100))
    assert (await balance(a, wh))["value"] == 3000
    await unpost_document(doc)
    bal = await balance(a, wh)
    assert (bal["on_hand"], bal["value"]) == (10, 2000)


async def test_unposting_never_leaves_a_negative_value():
    (a,) = await make_variants("A-1")
    wh = await make_warehouse("MAIN")
    expensive = await receive(wh, (a, 10, 100))
    await receive(wh, (a, 10, 10))  # 1100 for 20 units
    await _write_off(wh, a, 9)  # takes 495, leaving 605 for 11 units
    await unpost_document(expensive)  # would take 1000 of 605
    bal = await balance(a, wh)
    assert (bal["on_hand"], bal["value"]) == (1, 0)
    assert (await _write_off(wh, a, 1))["cost"] == 0
