"""/api/v1/orders read answers carry a courier order's delivery zone and its zone problems — codes and
words in the request's language — (null for a pickup order); a slot over its capacity is one of them."""

from __future__ import annotations

from datetime import UTC, datetime

from api_helpers import assert_problem, assert_russian_problem, bearer

from server.domain.zones.fields import ZoneInput
from server.domain.zones.zones import create_zone
from tests.domain.zones.zone_helpers import CENTRE, box
from tests.routes.zone_order_helpers import courier_order

ORDERS = "/api/v1/orders"
SUNDAY_10, SUNDAY_12 = datetime(2030, 12, 15, 7, 0, tzinfo=UTC), datetime(2030, 12, 15, 9, 0, tzinfo=UTC)
MONDAY_10, MONDAY_12 = datetime(2030, 12, 16, 7, 0, tzinfo=UTC), datetime(2030, 12, 16, 9, 0, tzinfo=UTC)


async def _zone(**fields) -> int:
    fields = {"days": [1, 2, 3, 4, 5, 6], "slots": [["10:00", "14:00"]], "min_order": 150000, **fields}
    return await create_zone(ZoneInput(name="Центр", geometry=box(*CENTRE), **fields), actor="test")


async def test_the_order_answer_has_its_zone_and_the_problems_in_the_requests_language(client):
    zone_id = await _zone()
    order_id = await courier_order(SUNDAY_10, SUNDAY_12)  # a Sunday, 890 ₽ of goods under 1 500 ₽
    headers = await bearer("manager")
    body = (await client.get(f"{ORDERS}/{order_id}", headers=headers)).json()
    assert body["zone"]["id"] == zone_id and body["zone"]["name"] == "Центр" and body["zone"]["status"] == "in_zone"
    assert body["zone"]["problems"] == [
        {"code": "closed_day", "message": "Зона «Центр» не доставляет по воскресеньям"},
        {"code": "below_minimum", "message": "Сумма заказа 890\u00a0₽ меньше минимальной для зоны (1\u00a0500\u00a0₽)"}]
    english = (await client.get(f"{ORDERS}/{order_id}", headers={**headers, "Accept-Language": "en"})).json()
    assert [p["message"] for p in english["zone"]["problems"]] == [
        "Zone «Центр» does not deliver on Sundays",
        "The order total 890\u00a0₽ is below the zone's minimum (1\u00a0500\u00a0₽)"]
    moved = await client.post(f"{ORDERS}/{order_id}/status", json={"status": "confirmed"}, headers=headers)
    assert moved.status_code == 200 and [p["code"] for p in moved.json()["zone"]["problems"]] == [
        "closed_day", "below_minimum"]


async def test_an_order_for_a_full_slot_is_taken_and_says_so(client):
    await _zone(slot_capacity=1, min_order=0)
    first = await courier_order(MONDAY_10, MONDAY_12)
    second = await courier_order(MONDAY_10, MONDAY_12)
    headers = await bearer("manager")
    assert (await client.get(f"{ORDERS}/{first}", headers=headers)).json()["zone"]["problems"] == []
    body = (await client.get(f"{ORDERS}/{second}", headers=headers)).json()
    assert body["status"] == "new" and body["zone"]["problems"] == [{
        "code": "slot_full",
        "message": "Интервал 10:00–14:00 16.12.2030 заполнен (заказов на интервал в зоне не больше: 1)"}]


async def test_outside_every_zone_and_a_pickup_order(client):
    await _zone()
    outside = await courier_order(MONDAY_10, MONDAY_12, point=(10.0, 10.0))
    headers = await bearer("manager")
    zone = (await client.get(f"{ORDERS}/{outside}", headers=headers)).json()["zone"]
    assert zone == {"id": None, "name": None, "status": "outside", "problems": []}
    pickup = {"channel": "site", "lines": [{"sku": "KEN-250", "qty": 1, "price": "890"}],
              "customer": {"name": "Анна", "phone": "+79161234567"}, "delivery": {"method": "pickup"}}
    created = await client.post(ORDERS, json=pickup, headers=headers)
    assert created.status_code == 201, created.text
    assert (await client.get(f"{ORDERS}/{created.json()['id']}", headers=headers)).json()["zone"] is None


async def test_bad_input_is_a_problem_not_a_500(client):
    await _zone()
    headers = await bearer("manager")
    assert_problem(await client.get(f"{ORDERS}/999999", headers=headers), 404)
    bad = {"channel": "site", "lines": [{"sku": "KEN-250", "qty": 1, "price": "890"}],
           "delivery": {"method": "courier", "lat": 91, "lon": 37.6}}
    assert_russian_problem(await client.post(ORDERS, json=bad, headers=headers), 400, fields={"delivery.lat"})
    window = {**bad, "delivery": {"method": "courier", "lat": CENTRE[0], "lon": CENTRE[1],
                                  "window_start": "tomorrow at ten"}}
    assert_russian_problem(await client.post(ORDERS, json=window, headers=headers), 400)


async def test_the_openapi_schema_of_the_order_has_the_zone(client):
    doc = (await client.get("/schema/openapi.json")).json()
    schemas = doc["components"]["schemas"]
    assert "zone" in schemas["OrderOut"]["properties"]
    assert {"id", "name", "status", "problems"} <= set(schemas["OrderZoneOut"]["properties"])
    assert {"code", "message"} <= set(schemas["ZoneProblemOut"]["properties"])


async def test_the_order_list_has_each_orders_zone_and_problems(client):
    await _zone(slot_capacity=1, min_order=0)
    first = await courier_order(MONDAY_10, MONDAY_12)
    second = await courier_order(MONDAY_10, MONDAY_12)
    outside = await courier_order(MONDAY_10, MONDAY_12, point=(10.0, 10.0))
    page = (await client.get(ORDERS, headers={**await bearer("manager"), "Accept-Language": "en"})).json()
    zones = {item["id"]: item["zone"] for item in page["items"]}
    assert zones[first] == {"id": zones[first]["id"], "name": "Центр", "status": "in_zone", "problems": []}
    assert zones[second]["problems"] == [{
        "code": "slot_full", "message": "The slot 10:00–14:00 on 16.12.2030 is full: the zone takes 1 orders per slot"}]
    assert zones[outside] == {"id": None, "name": None, "status": "outside", "problems": []}
