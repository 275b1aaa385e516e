"""Scan verification on the server: time per `record_scan` on a pick list of 100 lines (p50/p99), against
the bare minimum of the same work written by hand in SQL, on SQLite and on PostgreSQL.

    .venv/bin/python bench/scan.py                    # 100 lines × 3 units = 300 scans per side
    .venv/bin/python bench/scan.py --lines 100 --units 5 --pg postgresql://postgres@127.0.0.1:5432/kladovka_bench
    .venv/bin/python bench/scan.py --no-pg            # SQLite only

Set-up per backend (through the domain): 100 goods with an EAN-13 each, one bin per goods, stock
received; two confirmed orders of 100 lines × `--units` each, each made into its own pick list (lines
in walking order). Then every unit of list A is scanned through
`server.domain.picking.scanning.record_scan` (one transaction: lock the list, the UUID replay check, the
code read — barcode, SKU, DataMatrix or bin —, the rules, the scan row, the line and the timing), and
every unit of list B by hand (one transaction: find the barcode, lock the first short line of that
variant, insert the scan row, add the unit). The hand-written side knows no rules (cancelled orders,
marking codes, package multipliers, over-picks, replays): the ratio is the price of those rules.
At the end both lists must be fully picked with the same units.

Piccolo binds its engine once per process, so each backend runs in a subprocess of this script.
SQLite gets a fresh file in a temporary directory. THE POSTGRESQL DATABASE IS WIPED (schema `public` is
dropped and migrated again). Prints figures only; it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from ledger import DEFAULT_PG, _fresh_database, _maybe, _pg_reachable, _Postgres, _run_backend, _Sqlite  # noqa: E402


def ean13(n: int) -> str:
    from server.domain.catalog.barcodes import gs1_check_digit

    body = f"46099{n:07d}"
    return body + gs1_check_digit(body)


async def _floor(lines: int, units: int) -> tuple[list[int], list[str]]:
    """The goods, their bins and stock, and two pick lists of `lines` lines × `units`; (list ids, codes)."""
    from server.domain.catalog.dto import BarcodeInput, ProductInput, VariantInput
    from server.domain.catalog.products import create_product
    from server.domain.orders.dto import CustomerInput, IntakeLine, OrderIntake
    from server.domain.orders.intake import intake_order
    from server.domain.orders.status import change_status
    from server.domain.picking.lists import create_pick_list
    from server.domain.stock.documents import create_document
    from server.domain.stock.dto import DocumentInput, LineInput
    from server.domain.stock.warehouses import create_bin, create_warehouse

    wh = await create_warehouse("MAIN", "Основной склад")
    skus, codes, receipt = [], [], []
    for n in range(lines):
        code = ean13(n)
        product = await create_product(ProductInput(name=f"Товар для замера {n}", variants=[
            VariantInput(sku=f"SCAN-{n:04d}", barcodes=[BarcodeInput(code)], prices={"retail": 10000})]))
        bin_id = await create_bin(wh, "A", f"{n // 10:02d}", f"{n % 10:02d}", pick_seq=n)
        receipt.append(LineInput(variant_id=product.variants[0].id, qty=units * 3, price=5000, bin_id=bin_id))
        skus.append(f"SCAN-{n:04d}")
        codes.append(code)
    await create_document(DocumentInput(kind="receipt", warehouse_id=wh, lines=receipt, supplier="Замер"), post=True)
    lists = []
    for who in ("Домен", "Вручную"):
        order = await intake_order(OrderIntake(channel="api", lines=[IntakeLine(sku=s, qty=units, price=10000)
                                                                      for s in skus],
                                               customer=CustomerInput(name=who, email=f"{uuid.uuid4().hex[:8]}@ex.ru")))
        await change_status(order.order_id, "confirmed", actor="bench")
        lists.append(await create_pick_list([order.order_id], actor="bench", picker="bench"))
    return lists, codes


def _walk(codes: list[str], units: int) -> list[str]:
    """The scans of a picker walking the list: each line's units one after another."""
    return [code for code in codes for _ in range(units)]


async def scan_by_domain(pick_list_id: int, scans: list[str]) -> list[float]:
    from server.domain.picking.scanning import ScanInput, record_scan

    times = []
    for code in scans:
        started = time.perf_counter()
        outcome = await record_scan(pick_list_id, ScanInput(code=code, client_uuid=uuid.uuid4().hex), actor="bench")
        times.append(time.perf_counter() - started)
        if not outcome.accepted:
            raise RuntimeError(f"the domain refused {code}: {outcome.message % outcome.params}")
    return times


async def _scan_by_hand(db, pick_list_id: int, code: str) -> None:
    found = await db.fetch("SELECT variant, multiplier FROM barcode WHERE code = {}", code)
    if not found:
        raise RuntimeError(f"unknown barcode {code}")
    variant, units = found[0]
    line = await db.fetch("SELECT id FROM pick_line WHERE pick_list = {} AND variant = {} AND picked < qty "
                          f"ORDER BY seq, id LIMIT 1{db.lock}", pick_list_id, variant)
    if not line:
        raise RuntimeError(f"nothing left to pick of {code}")
    now = db.now()
    await db.fetch("INSERT INTO pick_scan (client_uuid, pick_list, line, raw, code, variant, units, result, message, "
                   "serial, bin_code, actor, device, scanned_at, received_at) VALUES "
                   "({}, {}, {}, {}, {}, {}, {}, 'ok', {}, '', '', 'bench', '', {}, {})",
                   uuid.uuid4().hex, pick_list_id, line[0][0], code, code, variant, units, "{}", now, now)
    await db.fetch("UPDATE pick_line SET picked = picked + {} WHERE id = {}", units, line[0][0])


async def scan_by_hand(db, pick_list_id: int, scans: list[str]) -> list[float]:
    times = []
    for code in scans:
        started = time.perf_counter()
        await _maybe(db.begin())
        try:
            await _scan_by_hand(db, pick_list_id, code)
        except BaseException:
            await _maybe(db.rollback())
            raise
        await _maybe(db.commit())
        times.append(time.perf_counter() - started)
    return times


def _figures(times: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return {"p50_ms": cuts[49] * 1000, "p99_ms": cuts[98] * 1000, "mean_ms": statistics.fmean(times) * 1000,
            "scans": len(times)}


async def _picked(pick_list_id: int) -> list[tuple[int, int]]:
    from server.domain.picking.tables import PickLine

    rows = await PickLine.select(PickLine.variant, PickLine.picked).where(PickLine.pick_list == pick_list_id)
    return sorted((r["variant"], r["picked"]) for r in rows)


async def worker(args: argparse.Namespace) -> dict:
    from server.config import get_settings

    settings = get_settings()
    is_sqlite = settings.database.is_sqlite
    await _fresh_database(is_sqlite)
    (domain_list, hand_list), codes = await _floor(args.lines, args.units)
    scans = _walk(codes, args.units)
    if is_sqlite:
        db = _Sqlite(settings.database.path)
    else:
        import asyncpg

        db = _Postgres(await asyncpg.connect(settings.database_url))
    try:
        hand = await scan_by_hand(db, hand_list, scans)
    finally:
        await db.close()
    rows = [{"side": "hand-written SQL", **_figures(hand)}]
    if is_sqlite:
        rows.append({"side": "record_scan", **_figures(await scan_by_domain(domain_list, scans))})
    else:  # the app serves with Piccolo's pool (server/app.py); without one every transaction connects anew
        from server.db import engine

        half = len(scans) // 2
        rows.append({"side": "record_scan, no pool", **_figures(await scan_by_domain(domain_list, scans[:half]))})
        await engine().start_connection_pool(min_size=1, max_size=4)
        try:
            rows.append({"side": "record_scan, pool (as served)",
                         **_figures(await scan_by_domain(domain_list, scans[half:]))})
        finally:
            await engine().close_connection_pool()
    picked_domain, picked_hand = await _picked(domain_list), await _picked(hand_list)
    agree = [p for _, p in picked_domain] == [p for _, p in picked_hand] == [args.units] * args.lines
    return {"backend": "SQLite" if is_sqlite else "PostgreSQL", "lines": args.lines, "units": args.units,
            "rows": rows,
            "picked_agree": agree, "at": datetime.now(UTC).isoformat(timespec="seconds")}


def _table(results: list[dict]) -> str:
    header = ("backend", "side", "scans", "p50 ms", "p99 ms", "mean ms", "p50 domain/hand")
    lines = []
    for res in results:
        hand = res["rows"][0]
        for row in res["rows"]:
            ratio = "" if row is hand else f"{row['p50_ms'] / hand['p50_ms']:.2f}"
            lines.append((res["backend"], row["side"], str(row["scans"]), f"{row['p50_ms']:.2f}",
                          f"{row['p99_ms']:.2f}", f"{row['mean_ms']:.2f}", ratio))
    widths = [max(len(str(x[i])) for x in [header, *lines]) for i in range(len(header))]

    def fmt(cells):
        return "  ".join(str(c).ljust(w) if i < 2 else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    out = [fmt(header), fmt(["-" * w for w in widths]), *(fmt(x) for x in lines)]
    for res in results:
        out.append(f"{res['backend']}: both lists fully picked, {res['units']} units on each of {res['lines']} lines: "
                   f"{'yes' if res['picked_agree'] else 'NO'}")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=100, help="lines of each pick list (default 100)")
    parser.add_argument("--units", type=int, default=3, help="units per line, one scan each (default 3)")
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL URL, WIPED by the run "
                        "(default: $BENCH_DATABASE_URL or %(default)s)")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(asyncio.run(worker(args))))
        return 0

    extra = ["--lines", str(args.lines), "--units", str(args.units)]
    label = f"2 pick lists of {args.lines} lines × {args.units} units"
    results = []
    with tempfile.TemporaryDirectory(prefix="kladovka-bench-") as tmp:
        found = _run_backend("SQLite", f"sqlite:///{Path(tmp) / 'bench.sqlite'}", Path(__file__), extra, label, tmp)
        results += [found] if found else []
        if args.no_pg:
            print("PostgreSQL: skipped (--no-pg)", file=sys.stderr)
        elif (reason := _pg_reachable(args.pg)) is not None:
            print(f"PostgreSQL: skipped, {args.pg} is unreachable ({reason})", file=sys.stderr)
        else:
            found = _run_backend("PostgreSQL", args.pg, Path(__file__), extra, label, tmp)
            results += [found] if found else []
    if not results:
        return 1
    print(_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
