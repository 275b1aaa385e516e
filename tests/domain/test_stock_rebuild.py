"""Balances are derived from moves: `rebuild_balances` proves it and repairs them; stock levels read them."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest
from stock_helpers import balance, bin_on_hand, make_variants, make_warehouse, receive

from server.domain.stock.balances import bin_levels, rebuild_balances, stock_levels
from server.domain.stock.documents import create_document
from server.domain.stock.dto import DocumentInput, LineInput, ReserveRequest
from server.domain.stock.reservations import reserve
from server.domain.stock.tables import BinBalance, StockBalance
from server.domain.stock.warehouses import create_bin
from server.errors import NotFound, ValidationFailed


async def _ledger_with_history() -> tuple[int, int, int, int]:
    a, b = await make_variants("SKU-1", "SKU-2")
    main, shop = await make_warehouse("MAIN"), await make_warehouse("SHOP")
    shelf = await create_bin(main, "A", "01")
    await receive(main, (a, 7, 100, shelf), (b, 3, 50))
    await create_document(DocumentInput("transfer", main, [LineInput(a, 2, bin_id=shelf)], dest_warehouse_id=shop),
                          post=True)
    await reserve("order:1", main, [ReserveRequest(a, 1)])
    return a, main, shop, shelf


async def test_a_consistent_ledger_has_no_differences():
    await _ledger_with_history()
    report = await rebuild_balances(dry_run=True)
    assert report.differences == []
    assert report.balances_checked == 4  # SKU-1@MAIN, SKU-2@MAIN, SKU-1@SHOP and the bin


async def test_differences_are_reported_readably_and_fixed_unless_dry_run():
    a, main, shop, shelf = await _ledger_with_history()
    await StockBalance.update({StockBalance.on_hand: 9, StockBalance.reserved: 0}).where(
        (StockBalance.variant == a) & (StockBalance.warehouse == main))
    await StockBalance.delete().where((StockBalance.variant == a) & (StockBalance.warehouse == shop))
    await BinBalance.update({BinBalance.on_hand: 1}).where(BinBalance.bin == shelf)

    report = await rebuild_balances(dry_run=True)
    assert report.differences == [
        "variant SKU-1 @ MAIN: on_hand 9 ≠ moves 5",
        "variant SKU-1 @ MAIN: reserved 0 ≠ active reservations 1",
        "variant SKU-1 @ SHOP: on_hand 0 ≠ moves 2",
        "variant SKU-1 @ SHOP: value 0 ≠ moves 200",
        "variant SKU-1 @ MAIN/A-01: bin on_hand 1 ≠ moves 5",
    ]
    assert (await balance(a, main))["on_hand"] == 9  # a dry run changes nothing

    fixed = await rebuild_balances()
    assert fixed.differences == report.differences
    assert (await rebuild_balances(dry_run=True)).differences == []
    bal_main, bal_shop = await balance(a, main), await balance(a, shop)
    assert (bal_main["on_hand"], bal_main["reserved"], bal_main["value"]) == (5, 1, 500)
    assert (bal_shop["on_hand"], bal_shop["value"]) == (2, 200)
    assert await bin_on_hand(a, shelf) == 5


async def test_stock_levels_cover_every_active_warehouse():
    a, main, shop, shelf = await _ledger_with_history()
    await make_warehouse("EMPTY")
    levels = await stock_levels(sku="SKU-1")
    assert [(s.warehouse_code, s.on_hand, s.reserved, s.available, s.value) for s in levels] == [
        ("EMPTY", 0, 0, 0, 0), ("MAIN", 5, 1, 4, 500), ("SHOP", 2, 0, 2, 200)]
    assert await stock_levels(a) == levels
    assert await bin_levels(a) == [{"warehouse_id": main, "bin_id": shelf, "address": "A-01", "on_hand": 5}]
    with pytest.raises(NotFound, match="Unknown SKU NOPE"):
        await stock_levels(sku="NOPE")
    with pytest.raises(NotFound):
        await stock_levels(98765)
    with pytest.raises(ValidationFailed):
        await stock_levels()


async def test_the_cli_checks_and_repairs_the_ledger():
    a, main, _, _ = await _ledger_with_history()
    await StockBalance.update({StockBalance.on_hand: 42}).where(
        (StockBalance.variant == a) & (StockBalance.warehouse == main))

    async def cli(*args: str) -> tuple[int, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "server.cli", "ledger", "rebuild", *args, env=dict(os.environ),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await proc.communicate()
        return proc.returncode, out.decode()

    code, out = await cli("--check")
    assert code == 1, out
    assert "variant SKU-1 @ MAIN: on_hand 42 ≠ moves 5" in out
    code, out = await cli()
    assert code == 0, out
    assert (await balance(a, main))["on_hand"] == 5
    code, out = await cli("--check")
    assert (code, out.strip().splitlines()[-1]) == (0, "ledger: 4 balances checked, all equal the sum of moves")
