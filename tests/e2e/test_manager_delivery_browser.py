"""The delivery planning screen in Chromium, on a desktop (1280×800) and on a phone (360×740): the map
draws the day (depot, waiting orders, a courier's position), «Построить маршруты» with a short time limit answers without reloading the
page, and the map then shows one polyline per route and a numbered marker per stop, as the tables say."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from playwright.async_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "routes"))
from delivery_plan_helpers import delivery_day  # noqa: E402

from server.domain.delivery.courier_day import record_position  # noqa: E402
from tests.e2e.pages import LoginPage, manager_account  # noqa: E402

pytestmark = pytest.mark.e2e


async def _count(page, selector: str) -> int:
    return await page.locator(selector).count()


async def _plan_on_the_map(tab, live_url, viewport: dict) -> None:
    day = await delivery_day(orders=5, couriers=2)
    await record_position("courier1", 55.7160, 37.6800, 12.0, None)  # the courier's phone said where it is
    await tab.set_viewport_size(viewport)
    username, password = await manager_account()
    await (await LoginPage(tab).open()).sign_in(username, password)
    await tab.goto(f"/manager/delivery?day={day.day.isoformat()}&warehouse={day.warehouse}")
    the_map = tab.get_by_test_id("delivery-map")
    await expect(the_map).to_have_attribute("data-map-ready", "1")  # Leaflet loaded and the map made
    await expect(tab.locator(".leaflet-container")).to_be_visible()
    await expect(tab.get_by_test_id("routes-empty")).to_be_visible()
    await expect(tab.locator(".depot-marker")).to_have_count(1)
    await expect(tab.locator(".courier-position")).to_have_count(1)
    await expect(tab.locator(".unassigned-marker")).to_have_count(5)  # the day's orders, not planned yet
    await expect(tab.get_by_test_id("unassigned-row")).to_have_count(5)
    assert await _count(tab, "path.route-line") == 0

    url_before = tab.url
    await tab.get_by_test_id("optimise-limit").fill("1")
    await tab.get_by_test_id("optimise").click()
    await expect(tab.get_by_test_id("run-summary")).to_be_visible()
    await expect(tab.get_by_test_id("stop")).to_have_count(5)
    routes = await tab.get_by_test_id("route").count()
    assert 1 <= routes <= 2
    # the map redrew from the new plan: a polyline per route, a numbered marker per stop
    await expect(tab.locator("path.route-line")).to_have_count(routes)
    await expect(tab.locator(".stop-marker")).to_have_count(5)
    await expect(tab.locator(".depot-marker")).to_have_count(1)
    await expect(tab.locator(".unassigned-marker")).to_have_count(0)
    await expect(tab.locator(".courier-position")).to_have_count(1)
    # the 30-second refresh of positions, run once now: the second courier's phone spoke meanwhile
    await record_position("courier2", 55.7300, 37.6400, 20.0, None)
    await tab.evaluate("window.KladovkaDeliveryMap.refreshPositions()")
    await expect(tab.locator(".courier-position")).to_have_count(2)
    await expect(tab.get_by_test_id("positions-updated")).not_to_have_text("—")
    assert tab.url == url_before  # HTMX swapped the plan block; no page load
    assert int(await the_map.get_attribute("data-drawn")) >= 2
    box = await the_map.bounding_box()
    assert box and box["width"] <= viewport["width"] and box["height"] >= 200
    # nothing wider than the screen on a phone: the tables stack
    overflow = await tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1


async def test_desktop_map_shows_the_optimised_routes(tab, live_url):
    await _plan_on_the_map(tab, live_url, {"width": 1280, "height": 800})


async def test_phone_map_shows_the_optimised_routes(tab, live_url):
    await _plan_on_the_map(tab, live_url, {"width": 360, "height": 740})
