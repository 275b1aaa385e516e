"""GET /api/v1/delivery/slots for shop sites: the zone of a point, its price and minimum, the day's slots
in local time and UTC; outside every zone a 200 with zone null and the reason; a past or closed day no
slots and the reason; bad input 422 problem details in the request's language; tokens required."""

from __future__ import annotations

from datetime import UTC, datetime

from api_helpers import CYRILLIC, assert_problem, assert_russian_problem, bearer

from server.domain.zones.fields import ZoneInput
from server.domain.zones.zones import create_zone
from tests.domain.zones.zone_helpers import CENTRE, box
from tests.routes.zone_order_helpers import courier_order

URL = "/api/v1/delivery/slots"
MONDAY, SUNDAY = "2030-12-16", "2030-12-15"
HERE = {"lat": str(CENTRE[0]), "lon": str(CENTRE[1])}


async def _zone() -> int:
    return await create_zone(ZoneInput(name="Центр", geometry=box(*CENTRE), delivery_price=30000, min_order=150000,
                                       days=[1, 2, 3, 4, 5, 6], slots=[["10:00", "14:00"], ["18:00", "22:00"]]),
                             actor="test")


async def test_the_zone_its_price_minimum_and_slots_in_local_time_and_utc(client):
    zone_id = await _zone()
    response = await client.get(URL, params={**HERE, "date": MONDAY, "total": "900"}, headers=await bearer("manager"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["zone"] == {"id": zone_id, "name": "Центр"}
    assert (body["price"], body["minimum"], body["total"], body["reaches_minimum"]) == ("300.00", "1500.00", "900.00",
                                                                                        False)
    assert (body["date"], body["timezone"], body["reason"], body["message"]) == (MONDAY, "Europe/Moscow", None, None)
    open_ = {"available": True, "reason": None, "message": None, "cutoff_utc": None, "remaining": None}
    assert body["slots"] == [  # Moscow is UTC+3
        {"start": "10:00", "end": "14:00", "start_utc": "2030-12-16T07:00:00Z", "end_utc": "2030-12-16T11:00:00Z",
         **open_},
        {"start": "18:00", "end": "22:00", "start_utc": "2030-12-16T15:00:00Z", "end_utc": "2030-12-16T19:00:00Z",
         **open_}]
    enough = (await client.get(URL, params={**HERE, "date": MONDAY, "total": "1500.00"},
                               headers=await bearer("picker"))).json()
    assert enough["reaches_minimum"] is True and enough["total"] == "1500.00"
    no_total = (await client.get(URL, params={**HERE, "date": MONDAY}, headers=await bearer("manager"))).json()
    assert no_total["reaches_minimum"] is None and no_total["total"] is None


async def test_a_day_the_zone_does_not_deliver_and_a_past_day_have_no_slots_and_say_why(client):
    await _zone()
    headers = await bearer("manager")
    sunday = (await client.get(URL, params={**HERE, "date": SUNDAY}, headers=headers)).json()
    assert (sunday["slots"], sunday["reason"]) == ([], "closed_day")
    assert sunday["message"] == "Зона «Центр» не доставляет по воскресеньям"
    assert sunday["zone"]["name"] == "Центр" and sunday["price"] == "300.00"
    past = (await client.get(URL, params={**HERE, "date": "2020-01-06"}, headers=headers)).json()
    assert (past["slots"], past["reason"]) == ([], "past_date") and "2020-01-06" in past["message"]
    english = (await client.get(URL, params={**HERE, "date": SUNDAY}, headers={**headers, "Accept-Language": "en"}))
    assert english.json()["message"] == "Zone «Центр» does not deliver on Sundays"


async def test_outside_every_zone_is_a_200_with_no_zone_and_a_message(client):
    await _zone()
    response = await client.get(URL, params={"lat": "10", "lon": "10", "date": MONDAY, "total": "5000"},
                                headers=await bearer("manager"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["zone"], body["price"], body["minimum"], body["reaches_minimum"], body["slots"]) == (
        None, None, None, None, [])
    assert body["reason"] == "outside_zones" and CYRILLIC.search(body["message"])


async def test_bad_point_date_and_total_are_one_422_listing_each_field_in_the_requests_language(client):
    await _zone()
    headers = await bearer("manager")
    bad = {"lat": "91", "lon": "east", "date": "16.12.2030", "total": "12.345"}
    problem = assert_russian_problem(await client.get(URL, params=bad, headers=headers), 422,
                                     fields={"lat", "lon", "date", "total"})
    assert problem["instance"] == URL
    for params, field in (({**HERE, "date": "2030-02-30"}, "date"), ({**HERE, "date": MONDAY, "total": "-1"}, "total"),
                          ({"lat": "nan", "lon": HERE["lon"], "date": MONDAY}, "lat")):
        assert_russian_problem(await client.get(URL, params=params, headers=headers), 422, fields={field})
    english = assert_problem(await client.get(URL, params={**HERE, "date": "tomorrow"},
                                              headers={**headers, "Accept-Language": "en"}), 422)
    assert english["errors"][0]["detail"] == "The date is written as YYYY-MM-DD, e.g. 2026-12-08"
    missing = assert_problem(await client.get(URL, params={"lat": HERE["lat"]}, headers=headers), 400)
    assert CYRILLIC.search(missing["detail"])


async def test_a_token_is_needed_and_its_role_must_read(client):
    await _zone()
    params = {**HERE, "date": MONDAY}
    assert_problem(await client.get(URL, params=params), 401)
    assert_problem(await client.get(URL, params=params, headers={"Authorization": "Bearer nope"}), 401)
    for role in ("courier", "cashier"):
        assert_problem(await client.get(URL, params=params, headers=await bearer(role, name=role)), 403)
    assert (await client.get(URL, params=params, headers=await bearer("owner", name="owner"))).status_code == 200


async def test_the_openapi_document_describes_the_answer_and_the_outside_zone_choice(client):
    doc = (await client.get("/schema/openapi.json")).json()
    operation = doc["paths"][URL]["get"]
    assert operation["security"] == [{"BearerToken": []}]
    assert {"400", "401", "403", "422"} <= set(operation["responses"])
    assert {"lat", "lon", "date", "total"} <= {p["name"] for p in operation["parameters"]}
    assert "outside every zone is not an error" in operation["description"].lower()
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    assert {"zone", "price", "minimum", "reaches_minimum", "slots", "reason", "message", "timezone"} <= set(
        schema["properties"])


async def test_slots_past_the_cut_off_or_full_are_listed_not_available_with_the_reason(client, monkeypatch):
    from server.domain.zones import availability

    await create_zone(ZoneInput(name="Центр", geometry=box(*CENTRE), slots=[["10:00", "14:00"], ["18:00", "22:00"]],
                                cutoff_minutes=120, slot_capacity=1), actor="test")
    await courier_order(datetime(2030, 12, 16, 16, 0, tzinfo=UTC), datetime(2030, 12, 16, 17, 0, tzinfo=UTC))  # 19–20
    monkeypatch.setattr(availability, "current_time", lambda: datetime(2030, 12, 16, 5, 30, tzinfo=UTC))  # 08:30
    headers = await bearer("manager")
    body = (await client.get(URL, params={**HERE, "date": MONDAY}, headers=headers)).json()
    assert (body["reason"], body["message"]) == ("no_slots_available", "На 2030-12-16 больше нельзя выбрать ни один "
                                                                       "интервал доставки: выберите более поздний день")
    first, evening = body["slots"]
    assert (first["available"], first["reason"], first["cutoff_utc"], first["remaining"]) == (
        False, "cutoff", "2030-12-16T05:00:00Z", 1)
    assert first["message"] == "Заказы на этот интервал больше не принимаются: срок приёма истёк"
    assert (evening["available"], evening["reason"], evening["remaining"]) == (False, "full", 0)
    assert evening["message"] == "Этот интервал уже заполнен"
    english = (await client.get(URL, params={**HERE, "date": MONDAY},
                                headers={**headers, "Accept-Language": "en"})).json()
    assert english["slots"][1]["message"] == "This slot is full"
    monkeypatch.setattr(availability, "current_time", lambda: datetime(2030, 12, 16, 4, 59, tzinfo=UTC))  # 07:59
    early = (await client.get(URL, params={**HERE, "date": MONDAY}, headers=headers)).json()
    assert early["reason"] is None and early["slots"][0]["available"] is True and early["slots"][0]["reason"] is None


async def test_the_openapi_document_describes_the_slot_availability(client):
    doc = (await client.get("/schema/openapi.json")).json()
    operation = doc["paths"][URL]["get"]
    assert "cutoff" in operation["description"] and "full" in operation["description"]
    assert "no_slots_available" in operation["description"]
    slot = doc["components"]["schemas"]["SlotOut"]
    assert {"available", "reason", "message", "cutoff_utc", "remaining"} <= set(slot["properties"])
