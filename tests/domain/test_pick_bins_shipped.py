"""A picked order leaves from the bins it was picked from: bin balances go down with the shipment (never
below what a bin holds: the rest ships without a bin), a return puts them back, and the ledger still
proves balances = moves."""

from __future__ import annotations

from picking_helpers import confirmed_order, floor, scan

from server.domain.orders.status import change_status
from server.domain.picking.bins_shipped import picked_bins
from server.domain.picking.lists import create_pick_list
from server.domain.picking.packing import complete_pick_list
from server.domain.stock.balances import rebuild_balances
from server.domain.stock.documents import create_document
from server.domain.stock.dto import DocumentInput, LineInput
from server.domain.stock.tables import BinBalance, StockDocument, StockDocumentLine, StockMove


async def _bins(variant: int) -> dict[int, int]:
    rows = await BinBalance.select(BinBalance.bin, BinBalance.on_hand).where(BinBalance.variant == variant)
    return {r["bin"]: r["on_hand"] for r in rows}


async def _packed(f, qty: int) -> tuple[int, int]:
    """An order of `qty` KEN-250 picked (packages of 6, then singles) and packed."""
    order = await confirmed_order(("KEN-250", qty))
    pick_list = await create_pick_list([order], actor="picker")
    for _ in range(qty // 6):
        await scan(pick_list, f.pack)
    for _ in range(qty % 6):
        await scan(pick_list, f.codes["KEN-250"])
    assert (await complete_pick_list(pick_list, actor="picker")).packed
    return order, pick_list


async def _shipment_lines(order: int) -> list[tuple[int, int | None]]:
    doc = await StockDocument.select(StockDocument.id).where(
        (StockDocument.order_ref == f"order:{order}") & (StockDocument.kind == "shipment")).first()
    rows = await StockDocumentLine.select(StockDocumentLine.qty, StockDocumentLine.bin).where(
        StockDocumentLine.document == doc["id"]).order_by(StockDocumentLine.position)
    return [(r["qty"], r["bin"]) for r in rows]


async def test_the_shipment_takes_the_units_from_the_picked_bins_and_a_return_puts_them_back():
    f = await floor()
    ken = f.sku["KEN-250"]
    order, _list = await _packed(f, 22)  # 20 from A-01, 2 from B-01
    assert await picked_bins(order) == {ken: [(f.bins["A-01"], 20), (f.bins["B-01"], 2)]}
    await change_status(order, "out_for_delivery", actor="manager")
    assert await _shipment_lines(order) == [(20, f.bins["A-01"]), (2, f.bins["B-01"])]
    assert await _bins(ken) == {f.bins["A-01"]: 0, f.bins["B-01"]: 1}
    moves = await StockMove.select(StockMove.bin, StockMove.qty).where(StockMove.counterpart == "customer")
    assert sorted((m["bin"], m["qty"]) for m in moves) == sorted([(f.bins["A-01"], -20), (f.bins["B-01"], -2)])
    assert (await rebuild_balances(dry_run=True)).differences == []
    await change_status(order, "returned", actor="manager")
    assert await _bins(ken) == {f.bins["A-01"]: 20, f.bins["B-01"]: 3}
    assert (await rebuild_balances(dry_run=True)).differences == []


async def test_a_bin_that_holds_less_now_gives_what_it_has_and_the_rest_ships_without_a_bin():
    f = await floor()
    ken = f.sku["KEN-250"]
    order, _list = await _packed(f, 22)
    # meanwhile B-01's three units were moved to C-01 (bin stock no longer matches the pick)
    await create_document(DocumentInput(kind="transfer", warehouse_id=f.wh, lines=[
        LineInput(variant_id=ken, qty=3, bin_id=f.bins["B-01"], dest_bin_id=f.bins["C-01"])]), post=True)
    await change_status(order, "out_for_delivery", actor="manager")
    assert await _shipment_lines(order) == [(20, f.bins["A-01"]), (2, None)]
    assert await _bins(ken) == {f.bins["A-01"]: 0, f.bins["B-01"]: 0, f.bins["C-01"]: 3}
    assert (await rebuild_balances(dry_run=True)).differences == []


async def test_an_order_packed_without_a_pick_list_ships_without_bins_as_before():
    f = await floor()
    order = await confirmed_order(("KEN-250", 2))
    for to in ("picking", "packed", "out_for_delivery"):
        await change_status(order, to, actor="manager")
    assert await _shipment_lines(order) == [(2, None)]
    assert await _bins(f.sku["KEN-250"]) == {f.bins["A-01"]: 20, f.bins["B-01"]: 3}
    assert (await rebuild_balances(dry_run=True)).differences == []
