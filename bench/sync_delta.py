"""Incremental sync cost: exporting 100 changes must take the same time in a catalog of 10,000 variants
and in one of 100,000 (the change log is read from the channel's cursor by its primary key, and only the
changed offers are loaded); a full YML export of the big catalog is timed beside it.

    .venv/bin/python bench/sync_delta.py                          # SQLite (a fresh file in a temporary dir)
    .venv/bin/python bench/sync_delta.py --database-url postgresql://postgres@127.0.0.1:5432/kladovka_bench
    .venv/bin/python bench/sync_delta.py --small 5000 --big 50000 --repeat 9

For each catalog size the same kind of work: the catalog is filled by hand-written multi-row INSERTs
(products with two variants each, a retail price and an EAN-13 each, stock in one warehouse; fast, and
it writes no change log), the channel's cursor is set to the end of the log, then 100 changes go through
the domain services — 40 prices (set_price), 40 stock lines (one posted receipt), 20 product cards
(update_product: each brings its two variants) — and the export is timed `--repeat` times (median):
`changes_since` + loading the changed offers + writing them as YML <offer> elements. The printed ratio
big/small is the point: about 1 means the export costs what the changes cost, not what the catalog does.

Piccolo binds its engine once per process, so each backend runs in a subprocess of this script, which
prints one JSON line for the parent. THE POSTGRESQL DATABASE GIVEN IS WIPED (schema `public` dropped
and migrated again). Prints figures only; asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHANNEL = "bench-feed"
CHUNK = 2000  # rows per INSERT (at most 5 parameters a row: well inside both databases' limits)


# ---- the catalog, by hand ------------------------------------------------------------------------

async def _insert(table: str, columns: tuple[str, ...], rows: list[tuple], returning: str = "") -> list[dict]:
    from server.domain.catalog.tables import Variant

    out: list[dict] = []
    one = "(" + ", ".join("{}" for _ in columns) + ")"
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join(one for _ in chunk)}"
        out += await Variant.raw(sql + (f" RETURNING {returning}" if returning else ""),
                                 *[x for row in chunk for x in row])
    return out


async def grow_catalog(start: int, end: int, warehouse: int, categories: list[int]) -> None:
    """Variants number start..end-1 (two per product), each priced, barcoded and in stock."""
    from server.db import write_tx
    from server.domain.catalog.barcodes import gs1_check_digit
    from server.domain.catalog.prices import price_type_ids

    retail = (await price_type_ids(["retail"]))["retail"]
    now = datetime.now(UTC)
    async with write_tx():
        names = [f"Товар {n:07d}" for n in range(start // 2, (end + 1) // 2)]
        products = await _insert("product", ("name", "category", "weight_g", "image_urls", "updated_at"),
                                 [(name, categories[i % len(categories)], 250, json.dumps(
                                     [f"https://img.example/{i}.jpg"]), now) for i, name in enumerate(names)],
                                 returning="id, name")
        by_name = {r["name"]: r["id"] for r in products}
        variants = await _insert(
            "variant", ("product", "sku", "name", "characteristics", "search_text"),
            [(by_name[f"Товар {n // 2:07d}"], f"BN-{n:07d}", "250 г" if n % 2 else "1 кг",
              json.dumps({"Вес": "250 г" if n % 2 else "1 кг"}, ensure_ascii=False), f"товар {n}")
             for n in range(start, end)], returning="id, sku")
        ids = [r["id"] for r in sorted(variants, key=lambda r: r["sku"])]
        await _insert("price", ("variant", "price_type", "amount", "updated_at"),
                      [(v, retail, 10_000 + (v % 997) * 100, now) for v in ids])
        await _insert("barcode", ("variant", "code", "kind", "multiplier"),
                      [(v, code + gs1_check_digit(code), "ean13", 1)
                       for v in ids for code in [f"46{v:010d}"]])
        await _insert("stock_balance", ("variant", "warehouse", "on_hand", "reserved", "value"),
                      [(v, warehouse, v % 7, 0, (v % 7) * 5_000) for v in ids])


# ---- the 100 changes and the export --------------------------------------------------------------

async def make_changes(rng: random.Random, warehouse: int) -> None:
    from server.domain.catalog.prices import set_price
    from server.domain.catalog.products import update_product
    from server.domain.catalog.tables import Product, Variant
    from server.domain.stock.documents import create_document
    from server.domain.stock.dto import DocumentInput, LineInput

    bounds = await Variant.raw("SELECT MIN(id) AS lo, MAX(id) AS hi FROM variant")
    lo, hi = bounds[0]["lo"], bounds[0]["hi"]
    picked = rng.sample(range(lo, hi + 1), 80)
    for v in picked[:40]:
        await set_price(v, "retail", rng.randrange(1_000, 1_000_000), actor="bench")
    await create_document(DocumentInput(kind="receipt", warehouse_id=warehouse, supplier="Замер", lines=[
        LineInput(variant_id=v, qty=rng.randrange(1, 20), price=5_000) for v in sorted(picked[40:])]),
        actor="bench", post=True)
    bounds = await Product.raw("SELECT MIN(id) AS lo, MAX(id) AS hi FROM product")
    for p in rng.sample(range(bounds[0]["lo"], bounds[0]["hi"] + 1), 20):
        await update_product(p, description=f"Описание {rng.random():.6f}", actor="bench")


async def export_changes() -> tuple[float, float, int, int]:
    """(seconds reading the log, seconds building the payload, log entries, offers) — one export."""
    from server.domain.channels.channels import get_channel
    from server.domain.sync.cursors import changes_since
    from server.domain.sync.offers import changed_offers, scope_of
    from server.integrations.yml.feed import offer_xml

    started = time.perf_counter()
    batch = await changes_since(CHANNEL, limit=1000)
    read = time.perf_counter()
    offers = await changed_offers(batch, await scope_of(await get_channel(CHANNEL)))
    payload = "\n".join(offer_xml(o) for o in offers)
    done = time.perf_counter()
    assert payload.count("<offer ") == len(offers)
    return read - started, done - read, batch.entries, len(offers)


async def full_export() -> tuple[float, int, int]:
    """(seconds, bytes, offers) of the whole YML feed, streamed and counted chunk by chunk."""
    from server.domain.channels.channels import get_channel
    from server.integrations.yml.feed import yml_feed

    channel = await get_channel(CHANNEL)
    size = offers = 0
    started = time.perf_counter()
    async for chunk in yml_feed(channel):
        size += len(chunk)
        offers += chunk.count(b"<offer ")
    return time.perf_counter() - started, size, offers


async def measure(size: int, repeat: int, rng: random.Random, warehouse: int) -> dict:
    from server.domain.sync.cursors import ack
    from server.domain.sync.log import current_seq

    await ack(CHANNEL, await current_seq())
    await make_changes(rng, warehouse)
    runs = [await export_changes() for _ in range(repeat)]
    return {"variants": size, "entries": runs[0][2], "offers": runs[0][3],
            "read_ms": statistics.median(r[0] for r in runs) * 1000,
            "build_ms": statistics.median(r[1] for r in runs) * 1000,
            "total_ms": statistics.median(r[0] + r[1] for r in runs) * 1000}


async def worker(args: argparse.Namespace) -> dict:
    from server.config import get_settings
    from server.db import engine
    from server.domain.catalog.categories import create_category
    from server.domain.catalog.prices import ensure_default_price_types
    from server.domain.channels.channels import create_channel
    from server.domain.stock.warehouses import create_warehouse
    from server.migrations import migrate

    is_sqlite = get_settings().database.is_sqlite
    if not is_sqlite:
        await engine().run_ddl("DROP SCHEMA IF EXISTS public CASCADE")
        await engine().run_ddl("CREATE SCHEMA public")
        await engine().start_connection_pool(min_size=1, max_size=4)
    try:
        await migrate()
        await ensure_default_price_types()
        warehouse = await create_warehouse("MAIN", "Склад")
        root = await create_category("Каталог")
        categories = [await create_category(f"Раздел {n}", root) for n in range(20)]
        await create_channel(CHANNEL, "Замер", "yml", settings={"warehouses": ["MAIN"]})
        rng = random.Random(20261125)
        rows, built = [], {}
        have = 0
        for size in (args.small, args.big):
            started = time.perf_counter()
            await grow_catalog(have, size, warehouse, categories)
            await engine().run_ddl("ANALYZE")  # planner statistics, as autovacuum would keep them
            built[size] = time.perf_counter() - started
            have = size
            rows.append(await measure(size, args.repeat, rng, warehouse))
        seconds, size_bytes, offers = await full_export()
    finally:
        if not is_sqlite:
            await engine().close_connection_pool()
    return {"backend": "SQLite" if is_sqlite else "PostgreSQL", "rows": rows, "built": built,
            "full": {"variants": args.big, "seconds": seconds, "bytes": size_bytes, "offers": offers}}


# ---- parent: one subprocess per backend, one table -----------------------------------------------

def _run_backend(name: str, database_url: str, args: argparse.Namespace, var_dir: str) -> dict | None:
    env = {**os.environ, "DATABASE_URL": database_url, "KLADOVKA_VAR_DIR": var_dir,
           "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret-not-for-production")}
    env.pop("REDIS_URL", None)
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", "--small", str(args.small),
               "--big", str(args.big), "--repeat", str(args.repeat)]
    print(f"… {name}: catalogs of {args.small:,} and {args.big:,} variants, 100 changes each", file=sys.stderr)
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        print(f"{name} failed:\n{result.stdout[-2000:]}{result.stderr[-4000:]}", file=sys.stderr)
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def _table(results: list[dict]) -> str:
    header = ("backend", "variants", "log rows", "offers", "read log ms", "offers ms", "export ms", "vs small")
    lines = []
    for res in results:
        small = res["rows"][0]["total_ms"]
        for row in res["rows"]:
            lines.append((res["backend"], f"{row['variants']:,}", str(row["entries"]), str(row["offers"]),
                          f"{row['read_ms']:.2f}", f"{row['build_ms']:.1f}", f"{row['total_ms']:.1f}",
                          f"{row['total_ms'] / small:.2f}"))
    widths = [max(len(str(x[i])) for x in [header, *lines]) for i in range(len(header))]

    def fmt(cells):
        return "  ".join(str(c).ljust(w) if i < 1 else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    out = [fmt(header), fmt(["-" * w for w in widths]), *(fmt(x) for x in lines), ""]
    for res in results:
        full = res["full"]
        out.append(f"{res['backend']}: full YML export of {full['variants']:,} variants: {full['seconds']:.2f} s, "
                   f"{full['offers']:,} offers, {full['bytes'] / 1e6:.1f} MB "
                   f"({full['offers'] / full['seconds']:,.0f} offers/s); catalog filled in "
                   + ", ".join(f"{float(s):.1f} s ({int(n):,})" for n, s in res["built"].items()))
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=10_000, help="variants in the small catalog (default 10000)")
    parser.add_argument("--big", type=int, default=100_000, help="variants in the big catalog (default 100000)")
    parser.add_argument("--repeat", type=int, default=5, help="exports timed per catalog; the median is shown")
    parser.add_argument("--database-url", default="", help="also run on this PostgreSQL database, WIPED by the run")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not 200 <= args.small < args.big:
        parser.error("need 200 <= --small < --big (the changes pick 80 distinct variants)")
    if args.worker:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(asyncio.run(worker(args))))
        return 0
    results = []
    with tempfile.TemporaryDirectory(prefix="kladovka-bench-") as tmp:
        if not args.no_sqlite:
            found = _run_backend("SQLite", f"sqlite:///{Path(tmp) / 'bench.sqlite'}", args, tmp)
            results += [found] if found else []
        if args.database_url:
            found = _run_backend("PostgreSQL", args.database_url, args, tmp)
            results += [found] if found else []
    if not results:
        return 1
    print(_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
