"""Page objects and fixtures for the warehouse app's picking tests: a picker's TSD (360×740, touch, mobile),
signing in, the queue, the pick screen, and the worker that keeps the screen for offline use.

Every wait here is for a condition the page shows (web-first `expect`, `wait_for_function`, or a polled
`evaluate` for what only an async check can see)."""

from __future__ import annotations

import asyncio
import re
import time

import pytest
from playwright.async_api import Page, expect

from server.domain.users.accounts import create_user
from tests.e2e.browser_settings import CONTEXT_ARGS, DEFAULT_TIMEOUT_MS
from tests.e2e.pages import scanner_types

# a Urovo/Zebra-class terminal: a 4–6" screen, touch, Russian
TSD = {**CONTEXT_ARGS, "viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
       "has_touch": True}
PAGES_CACHE_PREFIX = "kladovka-warehouse-pages-"


@pytest.fixture
async def tsd_ctx(chromium, live_url):
    context = await chromium.new_context(base_url=live_url, **TSD)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield context
    await context.close()


@pytest.fixture
async def tsd(tsd_ctx):
    """A tab on the terminal; a script error on any page of it fails the test."""
    page = await tsd_ctx.new_page()
    page.set_default_timeout(DEFAULT_TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    assert errors == [], errors


async def picker_account(username: str = "picker", password: str = "demo-password") -> tuple[str, str]:
    await create_user(username, password, ["picker"], full_name="Пётр Сборщик")
    return username, password


async def sign_in_picker(page: Page, username: str = "picker", password: str = "demo-password") -> None:
    await page.goto("/login")
    await page.locator('input[name="username"]').fill(username)
    await page.locator('input[name="password"]').fill(password)
    await page.locator('form[action="/login"] [type="submit"]').click()
    await expect(page).to_have_url(re.compile(r"/warehouse/?(\?.*)?$"))


class Queue:
    """/warehouse/: the orders waiting to be picked."""

    def __init__(self, page: Page):
        self.page = page
        self.orders = page.get_by_test_id("queue-order")
        self.pick_one = page.get_by_test_id("pick-one")
        self.pick_wave = page.get_by_test_id("pick-wave")

    def order(self, number: str):
        return self.page.locator(f'[data-testid="queue-order"][data-number="{number}"]')

    async def tick(self, number: str) -> None:
        await self.order(number).get_by_test_id("queue-check").check()


class PickScreen:
    """/warehouse/pick/<id>: lines, the status line, the queue counter, completion."""

    def __init__(self, page: Page):
        self.page = page
        self.root = page.get_by_test_id("pick-screen")
        self.feedback = page.get_by_test_id("scan-feedback")
        self.pending = page.get_by_test_id("pending-count")
        self.complete_button = page.get_by_test_id("complete")
        self.manual = page.get_by_test_id("manual-code")
        self.conflicts = page.get_by_test_id("conflict")
        self.bin_prompt = page.get_by_test_id("bin-prompt")

    async def open(self, pick_list_id: int) -> PickScreen:
        await self.page.goto(f"/warehouse/pick/{pick_list_id}")
        await self.ready()
        return self

    async def ready(self) -> None:
        """pick.js has read the device's queue and snapshot and listens for scans."""
        await expect(self.root).to_have_attribute("data-ready", "1")

    def line(self, sku: str):
        return self.page.locator(f'[data-testid="pick-line"][data-sku="{sku}"]')

    def picked(self, sku: str):
        return self.line(sku).get_by_test_id("line-picked")

    def order_status(self, number: str):
        return self.page.locator(f'[data-testid="pick-order"][data-number="{number}"]').get_by_test_id("order-status")

    async def scan(self, code: str) -> None:
        """A keyboard-wedge scanner types the code and Enter (keys stamped a few ms apart)."""
        await scanner_types(self.page, code)

    async def answered(self) -> None:
        """The server answered every scan sent so far (the device's queue is empty)."""
        await self.page.wait_for_function("() => { const s = window.KladovkaPick && window.KladovkaPick.state();"
                                          " return !!s && s.ready && s.pending.length === 0; }")

    async def queued(self) -> list[dict]:
        """The scans waiting in the device's IndexedDB queue, oldest first."""
        return await self.page.evaluate("() => { const s = window.KladovkaPick.state();"
                                        " return window.KladovkaQueue.items(s.scope); }")

    async def wait_until_controlled(self) -> None:
        await self.page.wait_for_function(
            "navigator.serviceWorker.controller !== null"
            " && navigator.serviceWorker.controller.scriptURL.endsWith('/warehouse/sw.js')", timeout=30_000)

    async def wait_until_kept_for_offline(self, *paths: str) -> None:
        """The worker has stored these pages/data among the ones kept for offline use. Polled with
        evaluate(): wait_for_function does not await an async predicate (a Promise is truthy at once)."""
        deadline = time.monotonic() + 30
        while True:
            kept = await self.page.evaluate(
                """async ([prefix, paths]) => {
                     const names = (await caches.keys()).filter((n) => n.startsWith(prefix));
                     for (const path of paths) {
                       let found = false;
                       for (const name of names) if (await (await caches.open(name)).match(path)) found = true;
                       if (!found) return false;
                     }
                     return true;
                   }""", [PAGES_CACHE_PREFIX, list(paths)])
            if kept:
                return
            assert time.monotonic() < deadline, f"not kept for offline within 30 s: {paths}"
            await asyncio.sleep(0.2)


KEPT = """async ([path, pattern]) => {
    for (const name of await caches.keys()) {
      if (!name.startsWith('kladovka-warehouse-')) continue;
      const hit = await (await caches.open(name)).match(path);
      if (hit && (!pattern || new RegExp(pattern).test(await hit.text()))) return true;
    }
    return false;
  }"""


async def kept_for_offline(page, path: str, pattern: str = "", timeout_s: float = 30) -> None:
    """The warehouse worker keeps this page or file (its kept copy matching `pattern`, a RegExp). Polled:
    wait_for_function takes the promise of an async predicate for a truthy answer."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await page.evaluate(KEPT, [path, pattern]):
        assert asyncio.get_running_loop().time() < deadline, f"{path} is not kept for offline ({pattern})"
        await asyncio.sleep(0.2)
