"""Real concurrency on committed data: many transactions at once, on both databases."""

from __future__ import annotations

import asyncio

import pytest
from stock_helpers import balance, make_variants, make_warehouse, receive

from server.domain.stock.balances import rebuild_balances
from server.domain.stock.documents import create_document
from server.domain.stock.dto import DocumentInput, LineInput, ReserveRequest
from server.domain.stock.reservations import release, reserve
from server.domain.stock.tables import Reservation, StockBalance
from server.errors import InsufficientStock


async def _outcome(coro) -> str:
    try:
        await coro
    except InsufficientStock:
        return "short"
    return "ok"


async def test_fifty_reservations_race_for_ten_units():
    (coffee,) = await make_variants("KEN-AA-250")
    wh = await make_warehouse("MAIN")
    await receive(wh, (coffee, 10, 45000))

    outcomes = await asyncio.gather(*[
        _outcome(reserve(f"order:{n}", wh, [ReserveRequest(coffee, 1)])) for n in range(50)
    ])

    assert outcomes.count("ok") == 10
    assert outcomes.count("short") == 40
    bal = await balance(coffee, wh)
    assert (bal["on_hand"], bal["reserved"]) == (10, 10)
    assert await Reservation.count().where(Reservation.status == "active") == 10
    assert not await StockBalance.exists().where((StockBalance.reserved < 0) | (StockBalance.on_hand < 0))
    assert (await rebuild_balances(dry_run=True)).differences == []


async def test_short_reservation_names_the_sku_and_what_is_available():
    (coffee,) = await make_variants("KEN-AA-250")
    wh = await make_warehouse("MAIN")
    await receive(wh, (coffee, 2, 100))
    with pytest.raises(InsufficientStock) as caught:
        await reserve("order:1", wh, [ReserveRequest(coffee, 3)])
    assert [p.params for p in caught.value.problems] == [
        {"sku": "KEN-AA-250", "requested": 3, "available": 2}]


async def test_multi_line_reservations_in_opposite_orders_do_not_deadlock():
    a, b, c = await make_variants("A-1", "B-1", "C-1")
    wh = await make_warehouse("MAIN")
    await receive(wh, (a, 100, 10), (b, 100, 20), (c, 100, 30))
    forward = [ReserveRequest(a, 1), ReserveRequest(b, 1), ReserveRequest(c, 1)]
    backward = list(reversed(forward))

    await asyncio.gather(*[
        reserve(f"order:{n}", wh, forward if n % 2 else backward) for n in range(30)
    ])

    for variant in (a, b, c):
        assert (await balance(variant, wh))["reserved"] == 30
    released = await asyncio.gather(*[release(f"order:{n}") for n in range(30)])
    assert sum(released) == 90
    assert (await balance(a, wh))["reserved"] == 0


async def test_postings_in_opposite_line_orders_do_not_deadlock():
    a, b = await make_variants("A-1", "B-1")
    main, shop = await make_warehouse("MAIN"), await make_warehouse("SHOP")
    await receive(main, (a, 50, 10), (b, 50, 20))
    await receive(shop, (a, 50, 10), (b, 50, 20))

    def transfer(src: int, dst: int, lines: list[LineInput]):
        return create_document(DocumentInput(kind="transfer", warehouse_id=src, dest_warehouse_id=dst,
                                             lines=lines), post=True)

    jobs = []
    for n in range(20):
        lines = [LineInput(a, 1), LineInput(b, 1)]
        jobs.append(transfer(main, shop, lines) if n % 2 else transfer(shop, main, list(reversed(lines))))
    ids = await asyncio.gather(*jobs)

    assert len(set(ids)) == 20
    assert (await balance(a, main))["on_hand"] == 50
    assert (await balance(b, shop))["on_hand"] == 50
    assert (await rebuild_balances(dry_run=True)).differences == []
