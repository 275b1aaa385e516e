"""The delivery planning screen in Chromium, on a desktop (1280×800) and on a phone (360×740): the map
draws the day (depot, waiting orders, a courier's position), «Построить маршруты» with a short time limit answers without reloading the
page, and the map then shows one polyline per route and a numbered marker per stop, as the tables say.
Live (on `notifying_url`, a server that delivers its outbox itself): a courier's new position moves their
marker and a courier's «На месте» changes the stop's row, without a reload, over Server-Sent Events."""

from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path

import pytest
from playwright.async_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "routes"))
from delivery_plan_helpers import delivery_day  # noqa: E402

from server.domain.delivery import planning  # noqa: E402
from server.domain.delivery.courier_day import record_position, start_route  # noqa: E402
from server.domain.delivery.stop_actions import mark_stop  # noqa: E402
from server.domain.delivery.tables import DeliveryRoute, RouteStop  # noqa: E402
from tests.e2e.pages import LoginPage, manager_account  # noqa: E402
from tests.planning_clock import morning_planning  # noqa: E402, F401  (autouse: plans at any hour)

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


async def _until(tab, script: str, *, tries: int = 150) -> object:
    """Polls page.evaluate (wait_for_function does not await async predicates) until `script` is truthy."""
    for _ in range(tries):
        value = await tab.evaluate(script)
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"never true in the page: {script}")


async def test_the_map_follows_the_couriers_live_without_a_reload(notifying_tab):
    tab = notifying_tab
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    day = await delivery_day(orders=3, couriers=1)
    courier_id = day.couriers["courier1"]
    await planning.plan_day(day.day, day.warehouse, actor="manager", time_limit_s=1)
    await planning.publish_routes(day.day, day.warehouse, actor="manager")
    await record_position("courier1", 55.7160, 37.6800, 12.0, None)
    await tab.set_viewport_size({"width": 360, "height": 740})
    username, password = await manager_account()
    await (await LoginPage(tab).open()).sign_in(username, password)
    await tab.goto(f"/manager/delivery?day={day.day.isoformat()}&warehouse={day.warehouse}")
    await expect(tab.get_by_test_id("live-state")).to_have_attribute("data-live-state", "on")
    await expect(tab.locator(".courier-position")).to_have_count(1)
    assert await tab.evaluate("window.KladovkaDeliveryMap.positions()") == [
        {"courier_id": courier_id, "lat": 55.716, "lon": 37.68}]
    await tab.evaluate("window.kladovkaMark = 'the same page'")

    await record_position("courier1", 55.7300, 37.6450, 10.0, None)  # the phone moved
    moved = await _until(tab, "(window.KladovkaDeliveryMap.positions()[0] || {}).lat === 55.73"
                              " && window.KladovkaDeliveryMap.positions()")
    assert moved == [{"courier_id": courier_id, "lat": 55.73, "lon": 37.645}]
    await expect(tab.locator(".courier-position")).to_have_count(1)  # the marker moved, no second one
    await expect(tab.get_by_test_id("positions-updated")).not_to_have_text("—")

    route = await DeliveryRoute.select(DeliveryRoute.id).first()
    stop = await RouteStop.select(RouteStop.id).where(RouteStop.route == route["id"]).order_by(RouteStop.seq).first()
    await start_route(route["id"], actor="courier1")
    await mark_stop(stop["id"], "arrived", actor="courier1", client_uuid=str(uuid.uuid4()))
    row = tab.locator(f'[data-testid=stop][data-stop-id="{stop["id"]}"]')
    await expect(row.get_by_test_id("stop-status")).to_have_text("На месте")
    await expect(tab.get_by_test_id("route-status")).to_have_text("В пути")
    assert await tab.evaluate("window.kladovkaMark") == "the same page"  # no reload: HTMX and SSE only
    assert errors == [], errors
