"""The courier app without its live channel: GET /courier/live/{id} (SSE) answers 503 as a proxy does while
the server is away (the EventSource gives up: CLOSED), or the connection fails (it keeps reconnecting by
itself), and the route page re-reads the route every minute instead.
The manager publishes the route, then moves an order onto it: each minute of the page's clock
(Playwright's page.clock, no real minute waited) brings it in with «Маршрут изменён», without a reload.
When the live channel answers again, the next minute's read opens it and the polling stops."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import Page, Route, expect

from server.domain.delivery import planning
from server.domain.delivery.tables import Courier, RouteStop
from tests.e2e.browser_settings import CONTEXT_ARGS
from tests.routes.courier_helpers import at_local, two_couriers_day

pytestmark = pytest.mark.e2e
MINUTE_MS = 60_000
LIVE = re.compile(r"/courier/live/\d+$")
# A phone; no service worker, so that page.route sees every request of the page (a worker's own fetches
# pass it by) — the polling does not need one.
PHONE = {**CONTEXT_ARGS, "viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
         "service_workers": "block"}


@pytest.fixture
async def phone(open_page, live_url):
    """The phone's page; the test fails if the page had an uncaught script error (conftest's open_page)."""
    return await open_page(live_url, PHONE)


async def _state(page: Page) -> dict:
    return await page.evaluate("() => window.KladovkaCourier.state()")


async def _until(page: Page, key: str, value: bool) -> None:
    for _ in range(100):  # the page's own events (the stream's error or ready) come without our clock
        if (await _state(page))[key] is value:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the courier app's state {key} is not {value}: {await _state(page)}")


@pytest.mark.parametrize("failure", ["refused", "unreachable"])
async def test_without_the_live_channel_the_route_is_polled_every_minute(phone: Page, failure: str):
    day = await two_couriers_day(status="draft")  # planned, not published yet
    refused: list[str] = []

    async def away(route: Route) -> None:
        refused.append(route.request.url)
        if failure == "refused":
            await route.fulfill(status=503, body="the server is away")
        else:
            await route.abort("connectionrefused")

    await phone.route(LIVE, away)
    await phone.clock.install()
    await phone.goto("/login")
    await phone.locator('input[name="username"]').fill("courier")
    await phone.locator('input[name="password"]').fill("demo")
    await phone.locator('form[action="/login"] [type="submit"]').click()
    await expect(phone.get_by_test_id("no-route")).to_be_visible()
    await expect(phone.get_by_test_id("route-page")).to_have_attribute("data-ready", "1")
    await _until(phone, "polling", True)
    assert refused and not (await _state(phone))["live"]
    await phone.evaluate("() => { window.__sameDocument = true; }")  # a reload forgets it

    assert await planning.publish_routes(day.day, day.warehouse, actor="manager") == 2
    await phone.clock.run_for(MINUTE_MS)
    await expect(phone.get_by_test_id("route-changed")).to_have_text("Маршрут изменён")
    await expect(phone.get_by_test_id("stop")).to_have_count(3)
    await expect(phone.get_by_test_id("route-status")).to_have_attribute("data-status", "published")
    assert await phone.evaluate("() => window.__sameDocument === true")

    ivan = (await Courier.select(Courier.id).where(Courier.user.username == "courier").first())["id"]
    theirs = day.stops["courier2"][0]  # Pyotr's order З-000004
    await planning.move_order(theirs.order_id, ivan, actor="manager", time_limit_s=1,
                              now=at_local(day.day, 8))  # as at 8:00: the windows are 10-14
    await expect(phone.get_by_test_id("stops")).not_to_contain_text("З-000004")  # not read before the minute
    await phone.clock.run_for(MINUTE_MS)
    await expect(phone.get_by_test_id("stops")).to_contain_text("З-000004")
    assert await phone.get_by_test_id("stop").count() == await RouteStop.count().where(
        RouteStop.route == day.routes["courier"])
    assert await phone.evaluate("() => window.__sameDocument === true")

    await phone.unroute(LIVE)  # the server is back: the next minute (or the browser's retry) opens the stream
    await phone.clock.run_for(MINUTE_MS)
    await _until(phone, "live", True)
    await _until(phone, "polling", False)
