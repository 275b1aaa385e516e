"""Test harness. The suite runs once per backend (Piccolo binds its engine once per process):
- SQLite + in-memory stores when DATABASE_URL is unset (a fresh file per run),
- PostgreSQL (+ Redis when REDIS_URL is set) otherwise: the schema is dropped and re-migrated.
Under CI=true an unreachable PostgreSQL or Redis fails the run instead of skipping."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="kladovka-test-"))
os.environ["KLADOVKA_VAR_DIR"] = str(_TMP)
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
# PostgreSQL: the tests' loop and each test client's app loop pool their own connections
# (server/pg_engine.py); a connection per query costs ~10 ms here. Small pools: many test clients.
os.environ.setdefault("KLADOVKA_DB_POOL", "4")
os.environ["KLADOVKA_WORKER"] = "off"  # tests run the outbox worker themselves (run_once)
# plans in one solver process: the two backends' runs already share the 2 cores (tests/routing asks for 2)
os.environ.setdefault("KLADOVKA_ROUTING_WORKERS", "1")
os.environ.setdefault("KLADOVKA_TEST_FAST_HASH", "1")  # cheap argon2 profile: see server/domain/users/accounts.py
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{_TMP / 'test.sqlite'}"

from harness import clear_all_tables  # noqa: E402

from server.config import get_settings  # noqa: E402

SETTINGS = get_settings()
IS_SQLITE = SETTINGS.database.is_sqlite


def pytest_report_header(config):
    db = SETTINGS.database
    where = f"sqlite {db.path}" if db.is_sqlite else f"postgresql {db.host}:{db.port}/{db.database}"
    return f"kladovka: database {where}; redis {SETTINGS.redis_url or 'none (memory)'}"


# Browser flows run once, each on one backend (KLADOVKA_E2E_BOTH=1 runs every one on both): these, whose
# point is live updates across processes (Redis channels), notifications, the delivery flow and the
# warehouse's offline replays (counted once against PostgreSQL's concurrency), on PostgreSQL + Redis; the
# others on SQLite, the default a new shop runs. The two runs go side by side on 2 cores, so the suite's
# time is the slower run's (database-free tests go to the PostgreSQL one, see DB_FREE_PASS): keep them even.
E2E_ON_POSTGRES = {"test_order_board_browser.py", "test_warehouse_live_browser.py", "test_courier_browser.py",
                   "test_manager_delivery_browser.py", "test_cash_handover_browser.py",
                   "test_receipt_flow.py", "test_pwa_browser.py", "test_warehouse_count_browser.py",
                   "test_warehouse_receiving_browser.py",
                   "test_warehouse_pick_browser.py"}


def _e2e_backend_is_other(item) -> bool:
    path = item.path
    if path.parent.name != "e2e" or os.environ.get("KLADOVKA_E2E_BOTH") == "1":
        return False
    return (path.name in E2E_ON_POSTGRES) == IS_SQLITE


# Tests that touch no database run once: in the SQLite pass, or in the PostgreSQL pass when scripts/test.sh
# runs both and PostgreSQL is up (it sets KLADOVKA_DB_FREE_PASS=postgres) — that pass is the shorter one.
DB_FREE_PASS = os.environ.get("KLADOVKA_DB_FREE_PASS", "sqlite")


def pytest_collection_modifyitems(config, items):
    skip_free = pytest.mark.skip(reason=f"needs no database: runs in the {DB_FREE_PASS} pass")
    skip_pg = pytest.mark.skip(reason="PostgreSQL-only test; this run uses SQLite")
    skip_lite = pytest.mark.skip(reason="SQLite-only test; this run uses PostgreSQL")
    skip_e2e = pytest.mark.skip(reason="this browser flow runs in the other backend's pass (E2E_ON_POSTGRES)")
    for item in items:
        if IS_SQLITE and "postgres_only" in item.keywords:
            item.add_marker(skip_pg)
        if not IS_SQLITE and "sqlite_only" in item.keywords:
            item.add_marker(skip_lite)
        if "db_free" in item.keywords and (DB_FREE_PASS == "postgres") == IS_SQLITE:
            item.add_marker(skip_free)
        if _e2e_backend_is_other(item):
            item.add_marker(skip_e2e)


async def _prepare_database() -> None:
    from server.db import engine
    from server.migrations import migrate

    if not IS_SQLITE:
        await engine().run_ddl("DROP SCHEMA IF EXISTS public CASCADE")
        await engine().run_ddl("CREATE SCHEMA public")
    await migrate()


async def _check_redis(url: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    try:
        await client.ping()
    finally:
        await client.aclose()


@pytest.fixture(scope="session", autouse=True)
async def database():
    try:
        await _prepare_database()
    except Exception as exc:
        pytest.exit(f"database unavailable ({SETTINGS.database_url}): {exc}", returncode=3)
    if SETTINGS.redis_url:
        try:
            await _check_redis(SETTINGS.redis_url)
        except Exception as exc:
            pytest.exit(f"Redis unavailable ({SETTINGS.redis_url}): {exc}", returncode=3)
    if IS_SQLITE:
        yield
        return
    from server.db import engine

    # the tests' own loop: up to 20 at once, so concurrency tests (reservations, intake) stay concurrent
    await engine().start_connection_pool(min_size=1, max_size=20)
    try:
        yield
    finally:
        await engine().close_connection_pool()


@pytest.fixture(autouse=True)
async def clean_db(database):
    """Every test starts from empty tables (committed data, so concurrency tests are real)."""
    await clear_all_tables()
    yield


_APPS: dict[str, object] = {}


@pytest.fixture
async def app():
    """The app, built once per set of settings: building it costs 1.5-4 s here (Litestar parses ~430
    handlers). Each test client still starts it afresh: stores, channels and the PostgreSQL pool are
    made at every start-up, on the client's loop (server/web/per_start.py), so no test sees another's."""
    from server.app import create_app
    from server.config import fiscal_settings

    key = repr((get_settings(), fiscal_settings()))
    if key not in _APPS:
        _APPS.clear()
        _APPS[key] = create_app()
    return _APPS[key]


@pytest.fixture
async def client(app):
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as c:
        yield c
