"""The demo's zones come with booking limits a new user sees — on the zone form (valid: saved back as they
are) and in GET /api/v1/delivery/slots —, set after the demo's orders were taken, which keep their flags."""

from __future__ import annotations

from datetime import UTC, datetime

from api_helpers import bearer

from server.demo.zones import LIMITS, load_zones, set_limits
from server.domain.orders.tables import Order
from server.domain.zones.zones import list_zones
from tests.routes.manager_helpers import form_fields, post_fields, sign_in, texts
from tests.routes.zone_order_helpers import courier_order

WEDNESDAY = "2030-12-18"
CENTRE, SOUTH_WEST = (55.7558, 37.6173), (55.68, 37.53)


async def test_the_demo_zones_have_limits_on_the_form_and_in_the_slots(client):
    ids = await load_zones()
    assert all(z["cutoff_minutes"] is None and z["slot_capacity"] is None for z in await list_zones())
    await set_limits(ids)
    zones = {z["name"]: z for z in await list_zones()}
    assert {n: {k: zones[n][k] for k in ("cutoff_minutes", "cutoff_time", "slot_capacity")} for n in LIMITS} == LIMITS
    assert 2 <= len(LIMITS) < len(zones)
    assert all(15 <= (v["slot_capacity"] or 15) <= 20 for v in LIMITS.values())
    await sign_in(client, "manager")
    listed = texts((await client.get("/manager/zones")).text)
    assert "на сегодня до 14:00" in listed and "заказов на интервал: 20" in listed
    assert "приём за 120 мин до начала, заказов на интервал: 15" in listed
    form = await client.get(f"/manager/zones/{zones['Центр']['id']}")
    assert 'value="14:00"' in form.text
    saved = await post_fields(client, f"/manager/zones/{zones['Центр']['id']}", form_fields(form.text, None))
    assert saved.status_code == 303  # the demo's values pass the form's checks
    headers = await bearer("manager")
    centre = (await client.get("/api/v1/delivery/slots", headers=headers, params={
        "lat": CENTRE[0], "lon": CENTRE[1], "date": WEDNESDAY})).json()
    assert centre["zone"]["name"] == "Центр"
    assert {s["cutoff_utc"] for s in centre["slots"]} == {"2030-12-18T11:00:00Z"}  # 14:00 in Moscow
    south_west = (await client.get("/api/v1/delivery/slots", headers=headers, params={
        "lat": SOUTH_WEST[0], "lon": SOUTH_WEST[1], "date": WEDNESDAY})).json()
    assert south_west["zone"]["name"] == "Юго-Запад"
    assert [s["remaining"] for s in south_west["slots"]] == [20, 20, 20]


async def test_orders_taken_before_the_limits_are_not_checked_again():
    ids = await load_zones()
    start, end = datetime(2030, 12, 18, 7, 0, tzinfo=UTC), datetime(2030, 12, 18, 9, 0, tzinfo=UTC)
    order = await courier_order(start, end, point=CENTRE)
    await Order.update({Order.zone_problems: [{"kind": "marker", "msgid": "x", "params": {}}]}).where(
        Order.id == order)
    await set_limits(ids)
    row = await Order.select(Order.zone_problems).where(Order.id == order).output(load_json=True).first()
    assert [p["kind"] for p in row["zone_problems"]] == ["marker"]
