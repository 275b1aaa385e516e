"""Reservations: reserve (all or nothing, or partial), release, consume into a shipment."""

from __future__ import annotations

import pytest
from stock_helpers import balance, make_variants, make_warehouse, receive, snapshot

from server.domain.stock.balances import rebuild_balances
from server.domain.stock.documents import create_document, get_document, unpost_document
from server.domain.stock.dto import DocumentInput, LineInput, ReserveRequest, ReserveResult
from server.domain.stock.reservations import consume, release, reserve
from server.domain.stock.tables import Reservation
from server.errors import Conflict, InsufficientStock, ValidationFailed


async def _statuses(order_ref: str) -> list[tuple[int, str]]:
    rows = await Reservation.select(Reservation.qty, Reservation.status).where(
        Reservation.order_ref == order_ref).order_by(Reservation.id)
    return [(r["qty"], r["status"]) for r in rows]


async def test_reserve_takes_units_out_of_available():
    a, b = await make_variants("A-1", "B-1")
    wh = await make_warehouse("MAIN")
    await receive(wh, (a, 10, 100), (b, 4, 100))
    results = await reserve("order:1", wh, [ReserveRequest(a, 3), ReserveRequest(b, 4)])
    assert results == [ReserveResult(a, 3, 3), ReserveResult(b, 4, 4)]
    bal = await balance(a, wh)
    assert (bal["on_hand"], bal["reserved"]) == (10, 3)
    assert await _statuses("order:1") == [(3, "active"), (4, "active")]


async def test_reserve_is_all_or_nothing_and_lists_every_short_line():
    a, b, c = await make_variants("A-1", "B-1", "C-1")
    wh = await make_warehouse("MAIN")
    await receive(wh, (a, 10, 100), (b, 1, 100))
    await reserve("order:0", wh, [ReserveRequest(a, 8)])
    before = await snapshot()
    with pytest.raises(InsufficientStock) as caught:
        await reserve("order:1", wh, [ReserveRequest(c, 1), ReserveRequest(a, 2), ReserveRequest(b, 2),
                                      ReserveRequest(a, 1)])
    assert [p.params for p in caught.value.problems] == [
        {"sku": "A-1", "requested": 3, "available": 2},
        {"sku": "B-1", "requested": 2, "available": 1},
        {"sku": "C-1", "requested": 1, "available": 0},
    ]
    assert await snapshot() == before


async def test_partial_reserve_takes_what_there_is_and_reports_the_shortage():
    a, b = await make_variants("A-1", "B-1")
    wh = await make_warehouse("MAIN")
    await receive(wh, (a, 5, 100))
    results = await reserve("order:1", wh, [ReserveRequest(a, 3), ReserveRequest(a, 4), ReserveRequest(b, 2)],
                            partial=True)
    assert [(r.requested, r.reserved) for r in results] == [(3, 3), (4, 2), (2, 0)]
    assert (await balance(a, wh))["reserved"] == 5
    assert await _statuses("order:1") == [(3, "active"), (2, "active")]


@pytest.mark.parametrize(("order_ref", "requests", "message"), [
    ("", lambda a: [ReserveRequest(a, 1)], "order reference"),
    ("order:1", lambda a: [ReserveRequest(a, 0)], "greater than zero"),
    ("order:1", lambda a: [ReserveRequest(a, -2)], "greater than zero"),
    ("order:1", lambda a: [ReserveRequest(4242, 1)], "unknown product variant"),
    ("order:1", lambda a: [], "Nothing to reserve"),
])
async def test_bad_reservations_are_refused_and_change_nothing(order_ref, requests, message):
    (a,) = await make_variants("A-1")
    wh = await make_warehouse("MAIN")
    await receive(wh, (a, 5, 100))
    before = await snapshot()
    with pytest.raises(ValidationFailed, match=message):
        await reserve(order_ref, wh, requests(a))
    with pytest.raises(ValidationFailed, match="Unknown warehouse"):
        await reserve("order:1", 999, [ReserveRequest(a, 1)])
    assert await snapshot() == before


async def test_release_gives_the_units_back():
    (a,) = await make_variants("A-1")
    wh = await make_warehouse("MAIN")
    await receive(wh, (a, 5, 100))
    await reserve("order:1", wh, [ReserveRequest(a, 2)])
    await reserve("order:1", wh, [ReserveRequest(a, 1)])
    assert await release("order:1") == 3
    assert (await balance(a, wh))["reserved"] == 0
    assert await _statuses("order:1") == [(2, "released"), (1, "released")]
    assert await release("order:1") == 0  # nothing active any more


async def test_consume_ships_the_reservation_at_moving_average_cost():
    a, b = await make_variants("A-1", "B-1")
    wh = await make_warehouse("MAIN")
    await receive(wh, (a, 2, 100), (b, 10, 50))
    await receive(wh, (a, 2, 200))
    await reserve("order:9", wh, [ReserveRequest(a, 3), ReserveRequest(b, 10)])

    shipment = await consume("order:9", actor="picker")

    doc = await get_document(shipment)
    assert (doc["number"], doc["kind"], doc["status"], doc["order_ref"]) == ("ОТ-000001", "shipment", "posted",
                                                                             "order:9")
    assert [(m["sku"], m["qty"], m["cost"], m["counterpart"]) for m in doc["moves"]] == [
        ("A-1", -3, -450, "customer"), ("B-1", -10, -500, "customer")]
    bal_a, bal_b = await balance(a, wh), await balance(b, wh)
    assert (bal_a["on_hand"], bal_a["reserved"], bal_a["value"]) == (1, 0, 150)
    assert (bal_b["on_hand"], bal_b["reserved"], bal_b["value"]) == (0, 0, 0)
    assert await _statuses("order:9") == [(3, "consumed"), (10, "consumed")]
    assert await consume("order:9") is None
    assert (await rebuild_balances(dry_run=True)).differences == []


async def test_consume_makes_one_shipment_per_warehouse():
    (a,) = await make_variants("A-1")
    main, shop = await make_warehouse("MAIN"), await make_warehouse("SHOP")
    await receive(main, (a, 5, 100))
    await receive(shop, (a, 5, 100))
    await reserve("order:2", main, [ReserveRequest(a, 1)])
    await reserve("order:2", shop, [ReserveRequest(a, 2)])
    first = await consume("order:2", warehouse_id=shop)
    assert (await get_document(first))["warehouse"]["code"] == "SHOP"
    assert await _statuses("order:2") == [(1, "active"), (2, "consumed")]
    second = await consume("order:2")
    assert (await get_document(second))["warehouse"]["code"] == "MAIN"
    assert ((await balance(a, main))["on_hand"], (await balance(a, shop))["on_hand"]) == (4, 3)


async def test_reserved_stock_cannot_be_written_off_or_unposted_away():
    (a,) = await make_variants("A-1")
    wh = await make_warehouse("MAIN")
    receipt = await receive(wh, (a, 5, 100))
    await reserve("order:1", wh, [ReserveRequest(a, 4)])
    with pytest.raises(InsufficientStock):
        await create_document(DocumentInput("write_off", wh, [LineInput(a, 2)], reason="бой"), post=True)
    with pytest.raises(Conflict):
        await unpost_document(receipt)
    await release("order:1")
    await unpost_document(receipt)
    assert (await balance(a, wh))["on_hand"] == 0


async def test_unposting_a_shipment_puts_the_goods_back():
    (a,) = await make_variants("A-1")
    wh = await make_warehouse("MAIN")
    await receive(wh, (a, 4, 100))
    await reserve("order:1", wh, [ReserveRequest(a, 4)])
    shipment = await consume("order:1")
    await unpost_document(shipment)
    bal = await balance(a, wh)
    assert (bal["on_hand"], bal["reserved"], bal["value"]) == (4, 0, 400)
