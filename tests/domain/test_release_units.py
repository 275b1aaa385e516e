"""Releasing some units of one variant of an order's reservations (a line made smaller): the newest rows
give back first, a part release keeps its history, never more than reserved, balances = reservations."""

from __future__ import annotations

import pytest
from stock_helpers import make_variants, make_warehouse, receive

from server.domain.stock.balances import rebuild_balances
from server.domain.stock.dto import ReserveRequest
from server.domain.stock.reservations import release_units, reserve
from server.domain.stock.tables import Reservation, StockBalance
from server.errors import Conflict, ValidationFailed


async def test_part_of_a_reservation_is_released_newest_rows_first():
    wh = await make_warehouse()
    ken, tea = await make_variants("KEN", "TEA")
    await receive(wh, (ken, 10, 100), (tea, 10, 100))
    await reserve("order:7", wh, [ReserveRequest(ken, 2), ReserveRequest(tea, 1)])
    await reserve("order:7", wh, [ReserveRequest(ken, 3)])
    assert await release_units("order:7", wh, ken, 4) == 4
    rows = await Reservation.select(Reservation.variant, Reservation.qty, Reservation.status).where(
        Reservation.variant == ken).order_by(Reservation.id)
    assert [(r["qty"], r["status"]) for r in rows] == [(1, "active"), (3, "released"), (1, "released")]
    balance = await StockBalance.select(StockBalance.reserved).where(StockBalance.variant == ken).first()
    assert balance["reserved"] == 1
    assert (await StockBalance.select(StockBalance.reserved).where(StockBalance.variant == tea).first())["reserved"] == 1
    assert (await rebuild_balances(dry_run=True)).differences == []


async def test_more_than_reserved_or_a_bad_quantity_is_refused_and_changes_nothing():
    wh = await make_warehouse()
    (ken,) = await make_variants("KEN")
    await receive(wh, (ken, 10, 100))
    await reserve("order:8", wh, [ReserveRequest(ken, 2)])
    with pytest.raises(Conflict):
        await release_units("order:8", wh, ken, 3)
    for qty in (0, -1, True, "1"):
        with pytest.raises(ValidationFailed):
            await release_units("order:8", wh, ken, qty)
    with pytest.raises(Conflict):
        await release_units("order:9", wh, ken, 1)  # nothing reserved for that order
    assert (await StockBalance.select(StockBalance.reserved).where(StockBalance.variant == ken).first())["reserved"] == 2
    assert (await rebuild_balances(dry_run=True)).differences == []
