"""The manager places a courier order's missing delivery point on the order card's small map (phone,
360×740): a tap fills latitude and longitude, saving finds the zone."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from server.domain.orders.dto import CustomerInput, DeliveryInput, IntakeLine, OrderIntake
from server.domain.orders.intake import intake_order
from server.domain.orders.tables import Order
from server.domain.zones.fields import ZoneInput
from server.domain.zones.zones import create_zone
from tests.domain.stock_helpers import make_variants, make_warehouse, receive
from tests.e2e.pages import LoginPage, manager_account

pytestmark = pytest.mark.e2e
AROUND_MOSCOW = {"type": "Polygon", "coordinates": [[[37.4, 55.6], [37.8, 55.6], [37.8, 55.9], [37.4, 55.9],
                                                     [37.4, 55.6]]]}


async def test_phone_places_the_missing_point_and_the_order_gets_its_zone(tab, live_url):
    await tab.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    await create_zone(ZoneInput(name="Москва", geometry=AROUND_MOSCOW), actor="test")
    wh = await make_warehouse("MAIN")
    (variant,) = await make_variants("KEN-250")
    await receive(wh, (variant, 5, 10000))
    order_id = (await intake_order(OrderIntake(
        channel="phone", lines=[IntakeLine(sku="KEN-250", qty=1, price=89000)],
        customer=CustomerInput(name="Анна Петрова", phone="+7 916 123-45-67"),
        delivery=DeliveryInput(method="courier", address="Москва, где-то")))).order_id
    await tab.set_viewport_size({"width": 360, "height": 740})
    username, password = await manager_account()
    await (await LoginPage(tab).open()).sign_in(username, password)
    await tab.goto(f"/manager/orders/{order_id}")
    await expect(tab.get_by_test_id("order-zone-no-point")).to_be_visible()
    the_map = tab.get_by_test_id("order-pin-map")
    await expect(the_map).to_have_attribute("data-map-ready", "1")  # Leaflet loaded by order-pin.js
    await expect(the_map).to_have_attribute("data-zones-drawn", "1")  # the zones under the pin
    await the_map.scroll_into_view_if_needed()
    await the_map.click()  # its middle: the default centre, Moscow
    await expect(tab.get_by_test_id("order-pin-lat")).not_to_have_value("")
    assert 55.6 < float(await tab.get_by_test_id("order-pin-lat").input_value()) < 55.9
    await tab.get_by_test_id("order-pin-save").click()
    await expect(tab.get_by_test_id("flash")).to_contain_text("зона «Москва»")
    row = await Order.select(Order.zone_status, Order.delivery_lat).where(Order.id == order_id).first()
    assert row["zone_status"] == "in_zone" and 55.6 < row["delivery_lat"] < 55.9
