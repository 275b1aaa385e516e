"""Ledger throughput: postings per second through the domain (server.domain.stock.documents) against
the same work written by hand in SQL, on SQLite and on PostgreSQL.

    .venv/bin/python bench/ledger.py                   # 300 receipts + 300 write-offs of 10 lines each
    .venv/bin/python bench/ledger.py --docs 1000 --pg postgresql://postgres@127.0.0.1:5432/kladovka_bench
    .venv/bin/python bench/ledger.py --no-pg           # SQLite only

Per document, both sides do the same ledger work in one transaction: the document, its 10 lines, 10 stock
moves and 10 balance rows. The domain also numbers the document, validates it, takes its locks and writes
an audit row — that is the price of the rules, and what the ratio shows. Hand-written SQL uses the bare
drivers (stdlib sqlite3, asyncpg on one connection). Receipts add stock at a price; write-offs take it out
at moving-average cost; at the end both sides' balances must agree.

Piccolo binds its engine once per process (DATABASE_URL is read at import), so every backend runs in a
subprocess of this script, which prints one JSON line for the parent to collect.
SQLite gets a fresh file in a temporary directory. THE POSTGRESQL DATABASE IS WIPED (schema `public` is
dropped and migrated again): never point --pg at data you want to keep.
Prints figures only; it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/kladovka_bench")
KINDS = ("receipt", "write_off")


# ---- the work: the same plan for every side ------------------------------------------------------

def plan(docs: int, lines: int, variants: list[int]) -> list[tuple[str, list[tuple[int, int, int]]]]:
    """`docs` receipts, then `docs` write-offs; each line (variant, qty, unit price in kopecks).
    The variants of one document are distinct and sorted; write-offs take less than came in."""
    count = len(variants)
    work = []
    for kind in KINDS:
        for i in range(docs):
            picked = sorted({variants[(i * lines + j) % count] for j in range(lines)})
            if kind == "receipt":
                work.append((kind, [(v, 1 + (i + j) % 7, 10_000 + 37 * j) for j, v in enumerate(picked)]))
            else:
                work.append((kind, [(v, 1 + (i + j) % 3, 0) for j, v in enumerate(picked)]))
    return work


# ---- worker: one backend, one process ------------------------------------------------------------

async def _fresh_database(is_sqlite: bool) -> None:
    from server.db import engine
    from server.migrations import migrate

    if not is_sqlite:
        await engine().run_ddl("DROP SCHEMA IF EXISTS public CASCADE")
        await engine().run_ddl("CREATE SCHEMA public")
    await migrate()


async def _variants(count: int) -> list[int]:
    from server.domain.catalog.tables import Product, Variant

    ids = []
    for n in range(count):
        product = Product(name=f"Товар для замера {n}")
        await product.save()
        variant = Variant(product=product.id, sku=f"BENCH-{n:04d}", name="")
        await variant.save()
        ids.append(variant.id)
    return ids


async def run_domain(warehouse: int, work: list) -> dict[str, float]:
    from server.domain.stock.documents import create_document
    from server.domain.stock.dto import DocumentInput, LineInput

    seconds: dict[str, float] = {}
    for kind in KINDS:
        started = time.perf_counter()
        for doc_kind, lines in work:
            if doc_kind != kind:
                continue
            data = DocumentInput(kind=kind, warehouse_id=warehouse, supplier="Замер", reason="Замер",
                                 lines=[LineInput(variant_id=v, qty=q, price=p) for v, q, p in lines])
            await create_document(data, actor="bench", post=True)
        seconds[kind] = time.perf_counter() - started
    return seconds


class _Sqlite:
    """Hand-written side on stdlib sqlite3 (one connection, BEGIN IMMEDIATE per document)."""

    def __init__(self, path: str):
        import sqlite3

        self.conn = sqlite3.connect(path, isolation_level=None, timeout=30)

    @staticmethod
    def sql(text: str) -> str:
        return text.replace("{}", "?")

    def begin(self):
        self.conn.execute("BEGIN IMMEDIATE")

    def commit(self):
        self.conn.execute("COMMIT")

    def rollback(self):
        self.conn.execute("ROLLBACK")

    async def fetch(self, text: str, *args) -> list[tuple]:
        return self.conn.execute(self.sql(text), args).fetchall()

    async def close(self):
        self.conn.close()

    now = staticmethod(lambda: str(datetime.now(UTC)))  # how Piccolo stores Timestamptz on SQLite
    lock = ""


class _Postgres:
    """Hand-written side on asyncpg (one connection, one transaction per document)."""

    def __init__(self, conn):
        self.conn = conn
        self.tx = None

    @staticmethod
    def sql(text: str) -> str:
        parts = text.split("{}")
        return "".join(p + (f"${n}" if n < len(parts) else "") for n, p in enumerate(parts, start=1))

    async def begin(self):
        self.tx = self.conn.transaction()
        await self.tx.start()

    async def commit(self):
        await self.tx.commit()

    async def rollback(self):
        await self.tx.rollback()

    async def fetch(self, text: str, *args) -> list[tuple]:
        return [tuple(r) for r in await self.conn.fetch(self.sql(text), *args)]

    async def close(self):
        await self.conn.close()

    now = staticmethod(lambda: datetime.now(UTC))
    lock = " FOR UPDATE"


async def _maybe(result):
    if asyncio.iscoroutine(result):
        return await result
    return result


def _values(rows: int, columns: int) -> str:
    one = "(" + ", ".join("{}" for _ in range(columns)) + ")"
    return ", ".join(one for _ in range(rows))


async def _post_by_hand(db, warehouse: int, number: str, kind: str, lines: list[tuple[int, int, int]]) -> None:
    """One document posted in one transaction: header, lines, moves, balances (sorted by variant)."""
    from server.domain.stock.costing import outgoing_cost

    now = db.now()
    variants = [v for v, _, _ in lines]
    if kind == "receipt":
        costs = [q * p for _, q, p in lines]
        counterpart = "supplier"
    else:
        marks = ", ".join("{}" for _ in variants)
        held = {r[0]: r for r in await db.fetch(
            f"SELECT variant, on_hand, reserved, value FROM stock_balance WHERE warehouse = {{}} "
            f"AND variant IN ({marks}) ORDER BY variant{db.lock}", warehouse, *variants)}
        costs = []
        for v, q, _ in lines:
            _, on_hand, reserved, value = held.get(v, (v, 0, 0, 0))
            if on_hand - reserved < q:
                raise RuntimeError(f"not enough of variant {v}: {on_hand - reserved} < {q}")
            costs.append(-outgoing_cost(value, on_hand, q))
        counterpart = "loss"
    sign = 1 if kind == "receipt" else -1
    (doc_id,), = await db.fetch(
        "INSERT INTO stock_document (number, kind, status, warehouse, supplier, reason, comment, order_ref, "
        "created_by, created_at, posted_at, posted_by) VALUES ({}, {}, 'posted', {}, {}, {}, '', '', {}, {}, {}, {}) "
        "RETURNING id", number, kind, warehouse, "Замер" if kind == "receipt" else "",
        "Замер" if kind != "receipt" else "", "bench", now, now, "bench")
    args = [x for pos, (v, q, p) in enumerate(lines) for x in (doc_id, v, q, p if kind == "receipt" else 0, pos)]
    line_ids = {pos: lid for lid, pos in await db.fetch(
        f"INSERT INTO stock_document_line (document, variant, qty, price, position) VALUES "
        f"{_values(len(lines), 5)} RETURNING id, position", *args)}
    args = [x for pos, ((v, q, _), cost) in enumerate(zip(lines, costs, strict=True))
            for x in (doc_id, line_ids[pos], v, warehouse, sign * q, cost, counterpart, False, now)]
    await db.fetch(f"INSERT INTO stock_move (document, line, variant, warehouse, qty, cost, counterpart, reversal, "
                   f"created_at) VALUES {_values(len(lines), 9)}", *args)
    args = [x for (v, q, _), cost in zip(lines, costs, strict=True) for x in (v, warehouse, sign * q, 0, cost)]
    await db.fetch(f"INSERT INTO stock_balance (variant, warehouse, on_hand, reserved, value) VALUES "
                   f"{_values(len(lines), 5)} ON CONFLICT (variant, warehouse) DO UPDATE SET "
                   f"on_hand = stock_balance.on_hand + excluded.on_hand, "
                   f"value = stock_balance.value + excluded.value", *args)


async def run_by_hand(db, warehouse: int, work: list) -> dict[str, float]:
    seconds: dict[str, float] = {}
    for kind in KINDS:
        started = time.perf_counter()
        for n, (doc_kind, lines) in enumerate(work, start=1):
            if doc_kind != kind:
                continue
            await _maybe(db.begin())
            try:
                await _post_by_hand(db, warehouse, f"HW-{warehouse}-{n:06d}", kind, lines)
            except BaseException:
                await _maybe(db.rollback())
                raise
            await _maybe(db.commit())
        seconds[kind] = time.perf_counter() - started
    return seconds


async def _balances(warehouse: int) -> list[tuple[int, int, int]]:
    from server.domain.stock.tables import StockBalance

    rows = await StockBalance.select(StockBalance.variant, StockBalance.on_hand, StockBalance.value).where(
        StockBalance.warehouse == warehouse).order_by(StockBalance.variant)
    return [(r["variant"], r["on_hand"], r["value"]) for r in rows]


async def worker(args: argparse.Namespace) -> dict:
    from server.config import get_settings
    from server.db import engine
    from server.domain.stock.warehouses import create_warehouse

    settings = get_settings()
    is_sqlite = settings.database.is_sqlite
    await _fresh_database(is_sqlite)
    work = plan(args.docs, args.lines, await _variants(args.variants))
    rows: list[dict] = []
    balances: dict[str, list] = {}

    async def side(label: str, code: str, run) -> None:
        warehouse = await create_warehouse(code, f"Замер {code}")
        seconds = await run(warehouse)
        rows.append({"side": label, "seconds": seconds})
        balances[label] = await _balances(warehouse)

    if is_sqlite:
        db = _Sqlite(settings.database.path)
    else:
        import asyncpg

        db = _Postgres(await asyncpg.connect(settings.database_url))
    try:
        await side("hand-written SQL", "HAND", lambda wh: run_by_hand(db, wh, work))
    finally:
        await db.close()
    await side("domain", "DOMAIN", lambda wh: run_domain(wh, work))
    if not is_sqlite:  # the app opens a connection per transaction; a pool is what production would want
        await engine().start_connection_pool(min_size=1, max_size=4)
        try:
            await side("domain, Piccolo pool", "POOL", lambda wh: run_domain(wh, work))
        finally:
            await engine().close_connection_pool()
    reference = balances["hand-written SQL"]
    agree = all(b == reference for b in balances.values()) and len(reference) > 0
    return {"backend": "SQLite" if is_sqlite else "PostgreSQL", "docs": args.docs, "lines": args.lines,
            "rows": rows, "balances_agree": agree, "balance_rows": len(reference)}


# ---- parent: one subprocess per backend, one table -----------------------------------------------

def _pg_reachable(url: str) -> str | None:
    """None when a connection works, else the reason."""
    import asyncpg

    async def probe():
        try:
            conn = await asyncpg.connect(url, timeout=5)
        except asyncpg.InvalidCatalogNameError:  # the bench database does not exist yet: make it
            name = url.rsplit("/", 1)[1].split("?")[0]
            admin = await asyncpg.connect(url.rsplit("/", 1)[0] + "/postgres", timeout=5)
            try:
                await admin.execute(f'CREATE DATABASE "{name}"')
            finally:
                await admin.close()
            conn = await asyncpg.connect(url, timeout=5)
        await conn.close()

    try:
        asyncio.run(probe())
    except Exception as exc:  # any failure means: skip PostgreSQL, say why
        return f"{type(exc).__name__}: {exc}"
    return None


def _run_backend(name: str, database_url: str, script: Path, extra: list[str], label: str,
                 var_dir: str) -> dict | None:
    """`script --worker *extra` in a subprocess against database_url; the JSON line it prints last.
    Shared by the benchmarks of this folder."""
    env = {**os.environ, "DATABASE_URL": database_url, "KLADOVKA_VAR_DIR": var_dir,
           "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret-not-for-production")}
    env.pop("REDIS_URL", None)
    command = [sys.executable, str(script.resolve()), "--worker", *extra]
    print(f"… {name}: {label}", file=sys.stderr)
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        print(f"{name} failed:\n{result.stdout[-2000:]}{result.stderr[-4000:]}", file=sys.stderr)
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def _table(results: list[dict]) -> str:
    header = ("backend", "side", "kind", "docs/s", "lines/s", "domain/hand")
    lines = []
    for res in results:
        hand = next(r for r in res["rows"] if r["side"] == "hand-written SQL")["seconds"]
        for row in res["rows"]:
            for kind in KINDS:
                seconds = row["seconds"][kind]
                rate = res["docs"] / seconds
                ratio = "" if row["side"] == "hand-written SQL" else f"{hand[kind] / seconds:.2f}"
                lines.append((res["backend"], row["side"], kind, f"{rate:,.0f}",
                              f"{rate * res['lines']:,.0f}", ratio))
    widths = [max(len(str(x[i])) for x in [header, *lines]) for i in range(len(header))]

    def fmt(cells):
        return "  ".join(str(c).ljust(w) if i < 3 else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    out = [fmt(header), fmt(["-" * w for w in widths]), *(fmt(x) for x in lines)]
    for res in results:
        out.append(f"{res['backend']}: balances of every side agree: "
                   f"{'yes' if res['balances_agree'] else 'NO'} ({res['balance_rows']} balance rows each)")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=300, help="documents of each kind (default 300)")
    parser.add_argument("--lines", type=int, default=10, help="lines per document (default 10)")
    parser.add_argument("--variants", type=int, default=50, help="variants the lines rotate over (default 50)")
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL URL, WIPED by the run "
                        "(default: $BENCH_DATABASE_URL or %(default)s)")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.lines > args.variants:
        parser.error("--lines must not exceed --variants (a document's lines name distinct variants)")
    if args.worker:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(asyncio.run(worker(args))))
        return 0

    extra = ["--docs", str(args.docs), "--lines", str(args.lines), "--variants", str(args.variants)]
    label = f"{args.docs} receipts + {args.docs} write-offs of {args.lines} lines"
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
