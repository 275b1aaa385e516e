"""The delivery zones screen in Chromium on a phone (360×740): the map draws the existing zone in its
colour, a new zone is drawn with Geoman's polygon tool (four taps), its outline lands in the form as
GeoJSON, and saving it lists the zone — the order it covers now belongs to it."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect

from server.domain.zones.fields import ZoneInput
from server.domain.zones.zones import create_zone, list_zones
from tests.e2e.pages import LoginPage, manager_account

pytestmark = pytest.mark.e2e
NORTH = {"type": "Polygon", "coordinates": [[[37.55, 55.80], [37.70, 55.80], [37.70, 55.86], [37.55, 55.86],
                                             [37.55, 55.80]]]}


async def test_phone_draws_a_zone_on_the_map_and_saves_it(tab, live_url):
    await tab.route("**/tile.openstreetmap.org/**", lambda route: route.abort())  # no network in tests
    await create_zone(ZoneInput(name="Север", geometry=NORTH, color="#2f9e44"), actor="test")
    await tab.set_viewport_size({"width": 360, "height": 740})
    username, password = await manager_account()
    await (await LoginPage(tab).open()).sign_in(username, password)
    await tab.goto("/manager/zones")
    the_map = tab.get_by_test_id("zones-map")
    await expect(the_map).to_have_attribute("data-map-ready", "1")
    await expect(the_map).to_have_attribute("data-zones-drawn", "1")
    await expect(tab.locator(".leaflet-overlay-pane path")).to_have_count(1)  # the existing zone

    await tab.locator(".leaflet-pm-icon-polygon").click()
    box = await the_map.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.75
    corners = [(cx - 60, cy - 30), (cx + 60, cy - 30), (cx + 60, cy + 30), (cx - 60, cy + 30)]
    for x, y in corners:
        await tab.mouse.click(x, y)
    await tab.mouse.click(*corners[0])  # back on the first corner closes the polygon
    geometry = tab.get_by_test_id("zone-geometry")
    await expect(geometry).not_to_have_value("")  # Geoman wrote the outline on "pm:create"
    text = await geometry.input_value()
    drawn = json.loads(text)
    assert drawn["type"] == "Polygon" and len(drawn["coordinates"][0]) == 5

    await tab.get_by_test_id("zone-name").fill("Юг")
    await tab.get_by_test_id("zone-price").fill("350")
    await tab.get_by_test_id("zone-save").click()
    await expect(tab.get_by_test_id("flash")).to_contain_text("Зона «Юг» сохранена")
    await expect(tab.get_by_test_id("zone-row")).to_have_count(2)
    zones = {z["name"]: z for z in await list_zones()}
    assert zones["Юг"]["delivery_price"] == 35000 and zones["Юг"]["geometry"]["type"] == "Polygon"
    overflow = await tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
