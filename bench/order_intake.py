"""Order intake through HTTP: orders per second and p50/p99 latency of `POST /api/v1/orders` on
PostgreSQL with 32 concurrent clients (3-line orders: customer de-duplication, numbering, reservation,
audit and outbox rows), and in the same run the same work as raw SQL, printed as a ratio.

    .venv/bin/python bench/order_intake.py                       # 20 s of wrk, 32 connections
    .venv/bin/python bench/order_intake.py --seconds 30 --connections 64 --server-workers 2

The load comes from `wrk` (Debian package `wrk`; a Python load generator tops out near 230 requests/s
here and would hide the server) with a Lua script that gives every request its own external id, three
distinct SKUs out of the stocked catalog and one of 2,000 customers (so de-duplication finds existing
cards). The server is `uvicorn server.asgi:app` with its per-process connection pool; the outbox worker
is off during the measurement (delivery is not intake).

The raw-SQL side runs the same transaction per order with asyncpg, 32 tasks on 32 connections, against
tables of its own (bench_*) and the real stock balances: find-or-create the customer by phone, take
the next number, insert the order and its 3 lines, reserve each line with a conditional UPDATE in
variant order, insert the reservation rows, one audit and two outbox rows. No HTTP, no validation.

THE POSTGRESQL DATABASE IS WIPED (schema `public` dropped and migrated again). Prints figures only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from ledger import _pg_reachable  # noqa: E402  (creates the bench database when absent)

DEFAULT_PG = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/kladovka_bench")
CUSTOMERS = 2000

LUA = r"""
local skus = {%(skus)s}
local counter = 0
local threads = 0
local prefix = "w"
function setup(thread)
  thread:set("tid", threads)  -- a global of that thread's interpreter
  threads = threads + 1
end
function init(args)
  prefix = args[1] or "w"
  math.randomseed(tid * 7919 + os.time())
end
function request()
  counter = counter + 1
  local a = math.random(#skus)
  local b = (a %% #skus) + 1
  local c = (b %% #skus) + 1
  local who = math.random(%(customers)d)
  local body = string.format('{"channel":"api","external_id":"%%s%%d-%%d","customer":{"name":"Покупатель %%d",' ..
    '"phone":"+7 (900) %%07d","email":"buyer%%d@example.com"},"lines":[{"sku":"%%s","qty":1,"price":"390.00"},' ..
    '{"sku":"%%s","qty":2,"price":"1290.50"},{"sku":"%%s","qty":1,"price":"99.90"}],' ..
    '"delivery":{"method":"courier","address":"Москва, ул. Тверская, д. 1"},"payment":{"method":"cash_on_delivery"}}',
    prefix, tid, counter, who, who, who, skus[a], skus[b], skus[c])
  return wrk.format("POST", nil, {["Content-Type"] = "application/json",
                                  ["Authorization"] = "Bearer %(token)s"}, body)
end
"""


# ---- preparing the shop (a subprocess: Piccolo reads DATABASE_URL once per process) ---------------

async def _prepare(variants: int) -> dict:
    from server.db import engine
    from server.domain.catalog.dto import ProductInput, VariantInput
    from server.domain.catalog.products import create_product
    from server.domain.stock.documents import create_document
    from server.domain.stock.dto import DocumentInput, LineInput
    from server.domain.stock.warehouses import create_warehouse
    from server.domain.users.tokens import create_token
    from server.migrations import migrate

    await engine().run_ddl("DROP SCHEMA IF EXISTS public CASCADE")
    await engine().run_ddl("CREATE SCHEMA public")
    await migrate()
    warehouse_id = await create_warehouse(code="MAIN", name="Склад замера")
    skus, ids = [], []
    for n in range(0, variants, 10):
        product = await create_product(ProductInput(
            name=f"Товар замера {n // 10}",
            variants=[VariantInput(sku=f"BENCH-{n + k:05d}", characteristics={"Вариант": str(k)})
                      for k in range(10)]))
        for v in product.variants:
            skus.append(v.sku)
            ids.append(v.id)
    lines = [LineInput(variant_id=v, qty=1_000_000, price=10_000) for v in ids]
    await create_document(DocumentInput(kind="receipt", warehouse_id=warehouse_id, lines=lines), post=True)
    token = await create_token("bench", roles=["manager"], actor="bench")
    return {"skus": skus, "variant_ids": ids, "warehouse_id": warehouse_id, "token": token.token}


# ---- raw SQL: the same work per order, by hand ---------------------------------------------------

RAW_SCHEMA = """
CREATE TABLE IF NOT EXISTS bench_counter (name text PRIMARY KEY, value bigint NOT NULL);
CREATE TABLE IF NOT EXISTS bench_customer (id bigserial PRIMARY KEY, name text, phone text UNIQUE, email text,
    created_at timestamptz DEFAULT now());
CREATE TABLE IF NOT EXISTS bench_order (id bigserial PRIMARY KEY, number text UNIQUE, channel text,
    external_id text, customer bigint, warehouse bigint, status text, total bigint, address text,
    tracking_token text UNIQUE, created_at timestamptz DEFAULT now(), UNIQUE (channel, external_id));
CREATE TABLE IF NOT EXISTS bench_order_line (id bigserial PRIMARY KEY, "order" bigint, line_no int,
    variant bigint, qty int, price bigint, reserved int);
CREATE TABLE IF NOT EXISTS bench_reservation (id bigserial PRIMARY KEY, variant bigint, warehouse bigint,
    qty int, order_ref text, status text DEFAULT 'active', created_at timestamptz DEFAULT now());
CREATE TABLE IF NOT EXISTS bench_outbox (id bigserial PRIMARY KEY, event_id uuid UNIQUE, topic text,
    payload jsonb, status text DEFAULT 'pending', created_at timestamptz DEFAULT now());
CREATE TABLE IF NOT EXISTS bench_audit (id bigserial PRIMARY KEY, actor text, action text, entity text,
    entity_id text, changes jsonb, at timestamptz DEFAULT now());
INSERT INTO bench_counter VALUES ('order', 0) ON CONFLICT DO NOTHING;
"""


async def _raw_order(conn, n: int, wid: int, variants: list[int], rng: random.Random) -> None:
    import uuid

    a = rng.randrange(len(variants))
    picked = sorted({variants[a], variants[(a + 1) % len(variants)], variants[(a + 2) % len(variants)]})
    who = rng.randrange(CUSTOMERS)
    phone = f"+7900{who:07d}"
    async with conn.transaction():
        customer = await conn.fetchval("SELECT id FROM bench_customer WHERE phone = $1", phone)
        if customer is None:
            customer = await conn.fetchval(
                "INSERT INTO bench_customer (name, phone, email) VALUES ($1, $2, $3) "
                "ON CONFLICT (phone) DO UPDATE SET name = EXCLUDED.name RETURNING id",
                f"Покупатель {who}", phone, f"buyer{who}@example.com")
        number = await conn.fetchval("UPDATE bench_counter SET value = value + 1 WHERE name = 'order' RETURNING value")
        order_id = await conn.fetchval(
            "INSERT INTO bench_order (number, channel, external_id, customer, warehouse, status, total, address, "
            "tracking_token) VALUES ($1, 'api', $2, $3, $4, 'new', $5, $6, $7) RETURNING id",
            f"З-{number:06d}", f"raw-{n}", customer, wid, 39_000 + 2 * 129_050 + 9_990, "Москва, ул. Тверская, д. 1",
            uuid.uuid4().hex)
        reserved = []
        for v, qty in zip(picked, (1, 2, 1), strict=False):
            ok = await conn.fetchval(
                "UPDATE stock_balance SET reserved = reserved + $1 WHERE variant = $2 AND warehouse = $3 "
                "AND on_hand - reserved >= $1 RETURNING id", qty, v, wid)
            reserved.append(qty if ok else 0)
        await conn.executemany(
            'INSERT INTO bench_order_line ("order", line_no, variant, qty, price, reserved) VALUES ($1,$2,$3,$4,$5,$6)',
            [(order_id, i + 1, v, q, 39_000, r) for i, (v, q, r) in enumerate(zip(picked, (1, 2, 1), reserved,
                                                                                    strict=False))])
        await conn.executemany(
            "INSERT INTO bench_reservation (variant, warehouse, qty, order_ref) VALUES ($1, $2, $3, $4)",
            [(v, wid, r, f"order:{order_id}") for v, r in zip(picked, reserved, strict=False) if r])
        await conn.execute("INSERT INTO bench_audit (actor, action, entity, entity_id, changes) "
                           "VALUES ('bench', 'order.create', 'order', $1, '{}')", str(order_id))
        payload = json.dumps({"order_id": order_id, "number": f"З-{number:06d}", "to": "new"})
        await conn.executemany("INSERT INTO bench_outbox (event_id, topic, payload) VALUES ($1, $2, $3)",
                               [(uuid.uuid4(), "order.created", payload), (uuid.uuid4(), "order.status_changed",
                                                                          payload)])


async def run_raw(url: str, prep: dict, connections: int, seconds: float) -> dict:
    import asyncpg

    pool = await asyncpg.create_pool(url, min_size=connections, max_size=connections)
    async with pool.acquire() as conn:
        await conn.execute(RAW_SCHEMA)
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**9))

    async def client(k: int) -> None:
        rng = random.Random(k)
        async with pool.acquire() as conn:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                await _raw_order(conn, next(counter), prep["warehouse_id"], prep["variant_ids"], rng)
                latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(connections)))
    elapsed = time.perf_counter() - started
    await pool.close()
    latencies.sort()
    return {"orders": len(latencies), "per_second": len(latencies) / elapsed,
            "p50_ms": 1000 * latencies[len(latencies) // 2], "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)]}


# ---- HTTP: uvicorn + wrk ---------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not answer /healthz in time")


_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * _MS[unit]


def parse_wrk(output: str) -> dict:
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {"orders": total, "per_second": rate, "p50_ms": p50, "p99_ms": p99,
            "non_2xx": int(bad.group(1)) if bad else 0, "socket_errors": errors.group(1) if errors else ""}


def run_http(env: dict, prep: dict, args: argparse.Namespace, var_dir: str) -> dict:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "server.asgi:app", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(args.server_workers), "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env={**env, "KLADOVKA_WORKER": "off"})
    script = Path(var_dir) / "order.lua"
    script.write_text(LUA % {"skus": ", ".join(f'"{s}"' for s in prep["skus"]), "customers": CUSTOMERS,
                             "token": prep["token"]}, encoding="utf-8")
    try:
        _wait_healthy(url, server)
        subprocess.run(["wrk", "-t2", "-c8", "-d3s", "-s", str(script), f"{url}/api/v1/orders", "--", "warm"],
                       capture_output=True, check=True)  # warm-up: pools filled, code paths compiled
        result = subprocess.run(["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--latency",
                                 "-s", str(script), f"{url}/api/v1/orders", "--", "run"], capture_output=True, text=True,
                                check=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return parse_wrk(result.stdout)


def _check(url: str) -> dict:
    """Reservations never exceed stock and every HTTP order has its lines (run after both sides)."""
    import asyncpg

    async def probe():
        conn = await asyncpg.connect(url)
        try:
            negative = await conn.fetchval("SELECT count(*) FROM stock_balance WHERE reserved > on_hand "
                                           "OR reserved < 0")
            orders = await conn.fetchval('SELECT count(*) FROM sales_order')
            customers = await conn.fetchval("SELECT count(*) FROM customer")
            return {"balances_over_reserved": negative, "orders_in_db": orders, "customers_in_db": customers}
        finally:
            await conn.close()

    return asyncio.run(probe())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL URL, WIPED by the run (default "
                        "$BENCH_DATABASE_URL or kladovka_bench on localhost)")
    parser.add_argument("--seconds", type=int, default=20, help="length of each side's run (default 20)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--server-workers", type=int, default=2, help="uvicorn worker processes (default 2)")
    parser.add_argument("--variants", type=int, default=300, help="stocked variants (default 300)")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        print(json.dumps(asyncio.run(_prepare(args.variants))))
        return 0
    if subprocess.run(["which", "wrk"], capture_output=True).returncode != 0:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    problem = _pg_reachable(args.pg)
    if problem:
        print(f"PostgreSQL at {args.pg} is not reachable: {problem}", file=sys.stderr)
        return 2
    var_dir = tempfile.mkdtemp(prefix="kladovka-bench-")
    env = {**os.environ, "DATABASE_URL": args.pg, "KLADOVKA_VAR_DIR": var_dir,
           "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret-not-for-production")}
    env.pop("REDIS_URL", None)
    print(f"… preparing {args.variants} stocked variants in {args.pg}", file=sys.stderr)
    done = subprocess.run([sys.executable, __file__, "--prepare", "--variants", str(args.variants)], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-4000:], file=sys.stderr)
        return 1
    prep = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"… HTTP: wrk, {args.connections} connections, {args.seconds} s, {args.server_workers} server workers",
          file=sys.stderr)
    http = run_http(env, prep, args, var_dir)
    print(f"… raw SQL: {args.connections} asyncpg connections, {args.seconds} s", file=sys.stderr)
    raw = asyncio.run(run_raw(args.pg, prep, args.connections, args.seconds))
    checks = _check(args.pg)
    print(f"{'side':<26}{'orders':>8}{'orders/s':>10}{'p50 ms':>9}{'p99 ms':>9}")
    print(f"{'HTTP POST /api/v1/orders':<26}{http['orders']:>8}{http['per_second']:>10.1f}"
          f"{http['p50_ms']:>9.1f}{http['p99_ms']:>9.1f}")
    print(f"{'raw SQL (asyncpg)':<26}{raw['orders']:>8}{raw['per_second']:>10.1f}"
          f"{raw['p50_ms']:>9.1f}{raw['p99_ms']:>9.1f}")
    print(f"ratio HTTP/raw orders per second: {http['per_second'] / raw['per_second']:.2f}")
    print(f"non-2xx answers: {http['non_2xx']}; socket errors: {http['socket_errors'] or 'none'}; "
          f"balances with reserved > on hand: {checks['balances_over_reserved']}; orders in the database: "
          f"{checks['orders_in_db']}; customer cards: {checks['customers_in_db']} (at most {CUSTOMERS})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
