"""An order's zone: assigned on intake for courier orders, flagged outside, "no point" without
coordinates, re-looked-up when the manager places the pin or the zones change; the zone's price and
minimum are shown, never added to the total."""

from __future__ import annotations

import pytest
from order_helpers import intake, shop
from zone_helpers import CENTRE, box, make_zone

from server.domain.audit.log import history
from server.domain.orders.dto import DeliveryInput
from server.domain.orders.intake import intake_order
from server.domain.orders.queries import OrderFilter, list_orders
from server.domain.orders.tables import Order
from server.domain.zones.assign import order_zone, place_order_pin, zones_of_orders
from server.domain.zones.fields import ZoneInput
from server.domain.zones.zones import update_zone
from server.errors import ValidationFailed


async def _order(method: str = "courier", lat: float | None = CENTRE[0], lon: float | None = CENTRE[1],
                 qty: int = 1) -> int:
    s = await shop(("KEN-250", 10))
    order = intake(("KEN-250", qty))
    order.delivery = DeliveryInput(method=method, address="Москва, ул. Тверская, д. 1", lat=lat, lon=lon)
    return (await intake_order(order)).order_id, s


async def _zone_of(order_id: int) -> tuple:
    row = await Order.select(Order.delivery_zone_id, Order.zone_status, Order.total).where(
        Order.id == order_id).first()
    return row["delivery_zone_id"], row["zone_status"], row["total"]


async def test_intake_assigns_the_zone_and_leaves_the_total_alone():
    zone = await make_zone("Центр", delivery_price=30000, min_order=150000)
    order_id, _ = await _order()
    zone_id, status, total = await _zone_of(order_id)
    assert (zone_id, status, total) == (zone, "in_zone", 89000)  # no delivery price added
    info = await order_zone(order_id)
    assert info["zone"]["name"] == "Центр" and info["below_minimum"] is True  # 890 ₽ < 1500 ₽


async def test_address_outside_every_zone_is_flagged_and_filtered():
    await make_zone("Юг", box(55.5, 37.6))
    order_id, _ = await _order()
    assert await _zone_of(order_id) == (None, "outside", 89000)
    rows, n = await list_orders(OrderFilter(zone_status="outside"))
    assert [r["id"] for r in rows] == [order_id] and n == 1
    assert (await list_orders(OrderFilter(zone_status="in_zone")))[1] == 0


async def test_no_coordinates_and_pickup():
    await make_zone("Центр")
    order_id, _ = await _order(lat=None, lon=None)
    assert (await _zone_of(order_id))[:2] == (None, "no_point")
    pickup = intake(("KEN-250", 1))
    pickup.delivery = DeliveryInput(method="pickup", lat=CENTRE[0], lon=CENTRE[1])
    other = (await intake_order(pickup)).order_id
    assert (await _zone_of(other))[:2] == (None, "")


async def test_manager_places_the_pin_and_the_zone_follows():
    zone = await make_zone("Центр")
    order_id, _ = await _order(lat=None, lon=None)
    placed = await place_order_pin(order_id, "55,76", "37.62", actor="manager")
    assert placed["zone_status"] == "in_zone" and placed["zone"]["id"] == zone
    assert (await _zone_of(order_id))[:2] == (zone, "in_zone")
    row = await Order.select(Order.delivery_lat, Order.delivery_lon).where(Order.id == order_id).first()
    assert (row["delivery_lat"], row["delivery_lon"]) == (55.76, 37.62)
    assert "order.pin" in [h["action"] for h in await history("order", order_id)]
    moved = await place_order_pin(order_id, 10, 10, actor="manager")
    assert moved["zone_status"] == "outside"
    assert await zones_of_orders([order_id]) == {order_id: {"zone_id": None, "zone_status": "outside",
                                                            "zone_name": "", "color": "",
                                                            "problems": []}}


@pytest.mark.parametrize(("lat", "lon", "fields"), [("x", "37", {"lat"}), ("91", "37", {"lat"}),
                                                     ("55", "181", {"lon"}), ("", "nan", {"lat", "lon"})])
async def test_pin_with_bad_numbers_is_refused(lat, lon, fields):
    order_id, _ = await _order(lat=None, lon=None)
    with pytest.raises(ValidationFailed) as caught:
        await place_order_pin(order_id, lat, lon, actor="manager")
    assert {p.field for p in caught.value.problems or [caught.value]} == fields
    assert (await _zone_of(order_id))[:2] == (None, "no_point")


async def test_redrawing_a_zone_moves_open_orders():
    order_id, _ = await _order()
    assert (await _zone_of(order_id))[1] == "outside"
    zone = await make_zone("Центр")
    assert (await _zone_of(order_id))[:2] == (zone, "in_zone")
    await update_zone(zone, ZoneInput(name="Центр", geometry=box(55.0, 37.0)), actor="test")
    assert (await _zone_of(order_id))[:2] == (None, "outside")
