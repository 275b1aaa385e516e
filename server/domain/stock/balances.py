"""Reading stock, and proving that balances equal the sum of moves (`kladovka ledger rebuild`)."""

from __future__ import annotations

from server.db import in_transaction, is_sqlite, write_tx
from server.domain.catalog.tables import Variant
from server.domain.stock.dto import RebuildReport, StockLevel
from server.domain.stock.tables import Bin, BinBalance, StockBalance, Warehouse
from server.domain.sync.log import stock_changed
from server.errors import NotFound, ValidationFailed


async def _resolve_variant(variant_id: int | None, sku: str | None) -> int:
    if variant_id is None and not (sku or "").strip():
        raise ValidationFailed("Give a variant or a SKU", field="sku")
    if variant_id is None:
        row = await Variant.select(Variant.id).where(Variant.sku == sku.strip()).first()
        if row is None:
            raise NotFound("Unknown SKU %(sku)s", field="sku", sku=sku.strip())
        return row["id"]
    if not await Variant.exists().where(Variant.id == variant_id):
        raise NotFound("Unknown product variant %(variant_id)s", field="variant_id", variant_id=variant_id)
    return variant_id


async def stock_levels(variant_id: int | None = None, *, sku: str | None = None) -> list[StockLevel]:
    """Per warehouse (every active warehouse, zeros included), ordered by warehouse code."""
    vid = await _resolve_variant(variant_id, sku)
    warehouses = await Warehouse.select(Warehouse.id, Warehouse.code, Warehouse.name).where(
        Warehouse.active.eq(True)).order_by(Warehouse.code)
    rows = await StockBalance.select().where(StockBalance.variant == vid)
    by_wh = {r["warehouse"]: r for r in rows}
    levels = []
    for wh in warehouses:
        bal = by_wh.get(wh["id"], {"on_hand": 0, "reserved": 0, "value": 0})
        levels.append(StockLevel(variant_id=vid, warehouse_id=wh["id"], warehouse_code=wh["code"],
                                 warehouse_name=wh["name"], on_hand=bal["on_hand"], reserved=bal["reserved"],
                                 available=bal["on_hand"] - bal["reserved"], value=bal["value"]))
    return levels


async def bin_levels(variant_id: int) -> list[dict]:
    """[{"warehouse_id","bin_id","address","on_hand"}] with on_hand != 0, in pick order."""
    rows = await BinBalance.raw(
        "SELECT b.warehouse AS warehouse_id, bb.bin AS bin_id, b.address AS address, bb.on_hand AS on_hand "
        "FROM bin_balance bb JOIN bin b ON b.id = bb.bin WHERE bb.variant = {} AND bb.on_hand <> 0 "
        "ORDER BY b.warehouse, b.pick_seq, b.address", variant_id)
    return [dict(r) for r in rows]


async def _sums(sql: str) -> dict[tuple[int, int], tuple[int, ...]]:
    rows = await StockBalance.raw(sql)
    return {(r["a"], r["b"]): tuple(int(r[k]) for k in r if k not in ("a", "b")) for r in rows}


async def _labels() -> tuple[dict[int, str], dict[int, str], dict[int, tuple[int, str]]]:
    skus = {r["id"]: r["sku"] for r in await Variant.select(Variant.id, Variant.sku)}
    codes = {r["id"]: r["code"] for r in await Warehouse.select(Warehouse.id, Warehouse.code)}
    bins = {r["id"]: (r["warehouse"], r["address"]) for r in await Bin.select(Bin.id, Bin.warehouse, Bin.address)}
    return skus, codes, bins


async def rebuild_balances(dry_run: bool = False) -> RebuildReport:
    """Recomputes StockBalance/BinBalance on_hand and value from StockMove and reserved from active
    Reservations; lists every difference; fixes them unless dry_run."""
    outermost = not in_transaction()
    async with write_tx():
        if outermost and not is_sqlite():
            await StockBalance.raw("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")  # one consistent snapshot
        moves = await _sums("SELECT variant AS a, warehouse AS b, SUM(qty) AS q, SUM(cost) AS c "
                            "FROM stock_move GROUP BY variant, warehouse")
        reserved = await _sums("SELECT variant AS a, warehouse AS b, SUM(qty) AS r FROM reservation "
                               "WHERE status = 'active' GROUP BY variant, warehouse")
        bin_moves = await _sums("SELECT variant AS a, bin AS b, SUM(qty) AS q FROM stock_move "
                                "WHERE bin IS NOT NULL GROUP BY variant, bin")
        balances = {(r["variant"], r["warehouse"]): r for r in await StockBalance.select()}
        bin_rows = {(r["variant"], r["bin"]): r for r in await BinBalance.select()}
        skus, codes, bins = await _labels()
        report = RebuildReport(balances_checked=0)
        fixes: list[tuple[tuple[int, int], dict]] = []
        for key in sorted(set(moves) | set(reserved) | set(balances)):
            report.balances_checked += 1
            want = {"on_hand": moves.get(key, (0, 0))[0], "value": moves.get(key, (0, 0))[1],
                    "reserved": reserved.get(key, (0,))[0]}
            have = balances.get(key, {"on_hand": 0, "value": 0, "reserved": 0})
            where = f"variant {skus.get(key[0], key[0])} @ {codes.get(key[1], key[1])}"
            source = {"on_hand": "moves", "value": "moves", "reserved": "active reservations"}
            diffs = [f"{where}: {k} {have[k]} ≠ {source[k]} {want[k]}" for k in want if have[k] != want[k]]
            if diffs:
                report.differences.extend(diffs)
                fixes.append((key, want))
        bin_fixes: list[tuple[tuple[int, int], int]] = []
        for key in sorted(set(bin_moves) | set(bin_rows)):
            report.balances_checked += 1
            want_q = bin_moves.get(key, (0,))[0]
            have_q = bin_rows[key]["on_hand"] if key in bin_rows else 0
            if have_q != want_q:
                wh, address = bins.get(key[1], (None, str(key[1])))
                report.differences.append(f"variant {skus.get(key[0], key[0])} @ {codes.get(wh, wh)}/{address}: "
                                          f"bin on_hand {have_q} ≠ moves {want_q}")
                bin_fixes.append((key, want_q))
        if not dry_run:
            await _fix(fixes, bin_fixes, balances, bin_rows)
    return report


async def _fix(fixes, bin_fixes, balances, bin_rows) -> None:
    for (variant, warehouse), want in fixes:
        if (variant, warehouse) in balances:
            await StockBalance.update({StockBalance.on_hand: want["on_hand"], StockBalance.value: want["value"],
                                       StockBalance.reserved: want["reserved"]}).where(
                StockBalance.id == balances[(variant, warehouse)]["id"])
        else:
            await StockBalance.insert(StockBalance(variant=variant, warehouse=warehouse, **want))
    await stock_changed(variant for (variant, _warehouse), _want in fixes)
    for (variant, bin_id), qty in bin_fixes:
        if (variant, bin_id) in bin_rows:
            await BinBalance.update({BinBalance.on_hand: qty}).where(BinBalance.id == bin_rows[(variant, bin_id)]["id"])
        else:
            await BinBalance.insert(BinBalance(variant=variant, bin=bin_id, on_hand=qty))

