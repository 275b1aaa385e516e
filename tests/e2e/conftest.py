"""Browser tests: the real app served by uvicorn, driven by Playwright in Debian's Chromium.

- `live_url` (session): `uvicorn server.asgi:app` in a subprocess on 127.0.0.1:<free port>. It inherits
  the environment tests/conftest.py prepared (DATABASE_URL, KLADOVKA_VAR_DIR, SECRET_KEY, REDIS_URL), so
  it sees the same database as the test: create users and data inside each test (clean_db empties the
  tables before every test) with the domain functions, then drive the browser.
- Playwright's async API runs on pytest-asyncio's session loop, so a test is a plain `async def` that
  awaits domain functions and the page alike. Launch and context settings live in one place,
  tests/e2e/browser_settings.py (pytest-playwright's sync fixtures get them too, through
  `browser_type_launch_args`).
- A page of its own (a fresh context on any of the servers, its own context settings): the `open_page`
  fixture, which also fails the test on the page's uncaught script errors.
- Never `playwright install`: the browser is CHROMIUM_PATH (default /usr/bin/chromium).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from harness import free_port, healthy
from playwright.async_api import BrowserContext, Page, expect

from tests.e2e.browser_settings import CHROMIUM, CONTEXT_ARGS, DEFAULT_TIMEOUT_MS, LAUNCH_ARGS

ROOT = Path(__file__).resolve().parents[2]
expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
SERVER_START_TIMEOUT_S = 60


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """pytest-playwright's sync fixtures, if a test uses them, launch the same browser the same way."""
    return dict(LAUNCH_ARGS)


def _serve(extra_env: Callable[[str], dict[str, str]] | None = None, app: str = "server.asgi:app") -> Iterator[str]:
    """`uvicorn server.asgi:app` in a subprocess on a free port against the test database; yields its URL.
    `extra_env(url)` adds to the environment the tests prepared; app "tests.morning_app:app" plans deliveries
    with the morning clock of tests/planning_clock.py (the manager's planning tests run at any hour)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tempfile.NamedTemporaryFile(prefix="kladovka-e2e-server-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env={**os.environ, "KLADOVKA_DB_POOL": "4", **(extra_env(url) if extra_env else {})},
        stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                output = Path(log.name).read_text(encoding="utf-8", errors="replace")[-3000:]
                pytest.fail(f"the app did not start on {url} (exit {process.poll()}):\n{output}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
        os.unlink(log.name)


@pytest.fixture(scope="session")
def live_url(database):
    """The app in a uvicorn subprocess against the test database (migrated by `database`)."""
    yield from _serve(app="tests.morning_app:app")


@pytest.fixture(scope="module")
def smtp_inbox():
    """The customers' mailbox: an SMTP server (aiosmtpd, in a thread of its own) on a free loopback port
    that keeps every mail it receives (tests/integrations/notify_peers.py). Yields (port, mails)."""
    from aiosmtpd.controller import Controller

    from tests.integrations.notify_peers import _Inbox

    inbox, port = _Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox.mails
    finally:
        controller.stop()


@pytest.fixture(scope="module")
async def emptied_before_worker(database):
    """Empty tables before a server with its own outbox worker starts: the module-scoped server starts
    before the per-test clean_db, and its worker would deliver what the previous test left in the outbox
    (seen: another test's order mails arriving in this module's inbox)."""
    from harness import clear_all_tables

    await clear_all_tables()


@pytest.fixture(scope="module")
def notifying_url(database, emptied_before_worker, smtp_inbox):
    """A second app server for the tests of customer notifications: as `live_url`, plus its own outbox
    worker (KLADOVKA_WORKER=inline; tests/conftest.py turns it off elsewhere) mailing customers through
    `smtp_inbox`, http:// push endpoints allowed (the tests' loopback receivers) and tracking links on its
    own address. Module-scoped: its worker would take the outbox events that other tests deliver
    themselves (run_once), so it runs only while the module that asked for it does."""
    yield from _serve(lambda url: {
        "KLADOVKA_WORKER": "inline", "BASE_URL": url, "KLADOVKA_PUSH_ALLOW_HTTP": "1",
        "SMTP_URL": f"smtp://127.0.0.1:{smtp_inbox[0]}?from=shop@example.com&from_name=Kladovka%20e2e"},
        app="tests.morning_app:app")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        message = f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
async def chromium(chromium_path):
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**LAUNCH_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def browser_ctx(chromium, live_url):
    """A fresh browser profile per test (cookies, caches and service workers start empty)."""
    context = await chromium.new_context(base_url=live_url, **CONTEXT_ARGS)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield context
    await context.close()


@pytest.fixture
async def tab(browser_ctx):
    page = await browser_ctx.new_page()
    page.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield page


@pytest.fixture
async def open_page(chromium):
    """`await open_page(base_url, context_args=CONTEXT_ARGS, page_errors=True)`: a page in a fresh browser
    context (cookies, caches and service workers start empty) on that server, with the default timeouts;
    its context is closed after the test. With `page_errors` the page's uncaught script errors
    ("pageerror") are collected and, once the contexts are closed, the test fails if there were any."""
    opened: list[tuple[BrowserContext, list[str]]] = []

    async def open_(base_url: str, context_args: dict | None = None, *, page_errors: bool = True) -> Page:
        context = await chromium.new_context(base_url=base_url, **(CONTEXT_ARGS if context_args is None
                                                                  else context_args))
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        errors: list[str] = []
        opened.append((context, errors))
        page = await context.new_page()
        page.set_default_timeout(DEFAULT_TIMEOUT_MS)
        if page_errors:
            page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield open_
    for context, _ in opened:
        await context.close()
    errors = [error for _, collected in opened for error in collected]
    assert errors == [], errors


@pytest.fixture
async def notifying_tab(open_page, notifying_url):
    """A fresh browser profile on the `notifying_url` server (its script errors are not checked)."""
    return await open_page(notifying_url, page_errors=False)


@pytest.fixture(scope="module")
def atol_server():
    """The online-cash provider's side (ATOL Online v5) on a loopback port (tests/support/atol_server.py)."""
    from tests.support.atol_server import AtolServer

    with AtolServer(waits=0) as server:
        yield server


@pytest.fixture(scope="module")
def courier_url(database, emptied_before_worker, atol_server):
    """A server for the courier app's browser flow: as `live_url`, plus its own outbox worker
    (KLADOVKA_WORKER=inline) that sends receipts to `atol_server` and web push to the tests' loopback
    receivers (http:// endpoints allowed). Module-scoped, as `notifying_url`."""
    yield from _serve(lambda url: {
        "KLADOVKA_WORKER": "inline", "BASE_URL": url, "KLADOVKA_PUSH_ALLOW_HTTP": "1",
        "KLADOVKA_ATOL_URL": atol_server.url, "KLADOVKA_ATOL_LOGIN": atol_server.login,
        "KLADOVKA_ATOL_PASSWORD": atol_server.password, "KLADOVKA_ATOL_GROUP": atol_server.group})
