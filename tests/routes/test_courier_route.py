"""The courier's route page over HTTP: today's stops in order with ETA, address, window, phone, amount due,
comment and status; nothing for a courier without a published route; starting the route (form and the
offline queue's JSON); the phone's position; what the route page asks the worker to keep."""

from __future__ import annotations

import re

import pytest
from harness import csrf_headers, login

from server.domain.delivery.planning import plan_day, publish_routes
from server.domain.delivery.tables import CourierPosition, DeliveryRoute
from server.domain.orders.tables import Order
from server.domain.users.accounts import create_user
from tests.routes.courier_helpers import (
    POINTS,
    at_local,
    courier_day,
    make_courier,
    packed_order,
    route_for,
    two_couriers_day,
)
from tests.routes.manager_helpers import by_testid, count_testid, texts

JSON = {"Accept": "application/json"}


async def test_the_courier_sees_todays_stops_in_order_with_what_the_door_needs(client):
    day = await two_couriers_day()
    await login(client, "courier")
    page = await client.get("/courier/")
    assert page.status_code == 200 and 'href="/courier/manifest.webmanifest"' in page.text
    assert '<script src="/static/courier/app.js"' in page.text and "/static/warehouse/offline-queue.js" in page.text
    assert count_testid(page.text, "stop") == 3  # Ivan's three, never Pyotr's
    assert "Чужая" not in page.text
    assert by_testid(page.text, "stop-address") == ["Москва, ул. Лесная, д. 5", "Москва, ул. Садовая, д. 3",
                                                    "Москва, Мира пр-т, д. 10"]
    assert by_testid(page.text, "stop-eta") == ["10:30", "11:30", "12:30"]
    assert by_testid(page.text, "stop-window")[0] == "Окно 10:00–14:00"
    assert by_testid(page.text, "stop-status") == ["Запланирован"] * 3
    visible = texts(page.text)
    assert "Получить: 1 000,00 ₽" in visible and "Оплачен" in visible  # the prepaid third stop
    assert "Домофон 12, позвонить за 10 минут" in visible
    assert 'href="tel:+79161234567"' in page.text and 'data-testid="start-route"' in page.text
    stops = [s.id for s in day.stops["courier"]]
    urls = re.search(r'data-stop-urls="([^"]*)"', page.text).group(1).split()
    assert urls == [f"/courier/stop/{i}" for i in stops]  # what the worker keeps for offline


async def test_the_route_the_planner_made_and_published_is_the_one_the_courier_sees(client):
    day = await courier_day()
    await make_courier("courier", day.warehouse, "Иван Курьеров")
    for n in range(3):
        await packed_order(day, POINTS[n], address=f"Москва, ул. Плановая, д. {n + 1}")
    run = await plan_day(day.day, day.warehouse, actor="manager", time_limit_s=1, now=at_local(day.day, 8))
    assert run["unassigned"] == [], run
    assert await publish_routes(day.day, day.warehouse, actor="manager") == 1
    await login(client, "courier")
    page = await client.get("/courier/")
    assert count_testid(page.text, "stop") == 3 and by_testid(page.text, "route-status") == ["Опубликован"]
    assert sorted(by_testid(page.text, "stop-address")) == [f"Москва, ул. Плановая, д. {n}" for n in (1, 2, 3)]
    etas = by_testid(page.text, "stop-eta")
    assert all(re.fullmatch(r"\d\d:\d\d", e) for e in etas) and etas == sorted(etas)  # planned, in order


async def test_a_courier_without_a_published_route_is_told_so(client):
    day = await courier_day()
    await route_for(day, "courier", [await packed_order(day, (55.73, 37.65))], status="draft")
    await login(client, "courier")
    page = await client.get("/courier/")
    assert page.status_code == 200 and count_testid(page.text, "no-route") == 1
    assert count_testid(page.text, "stop") == 0 and "маршрута для вас пока нет" in texts(page.text)


async def test_the_owner_may_look_and_sees_no_route_of_their_own(client):
    await two_couriers_day()
    await create_user("boss", "demo", ["owner"])
    await login(client, "boss")
    page = await client.get("/courier/")
    assert page.status_code == 200 and count_testid(page.text, "no-route") == 1 and "Лесная" not in page.text


async def test_starting_the_route_sends_the_orders_out_and_a_second_start_changes_nothing(client):
    day = await two_couriers_day()
    await login(client, "courier")
    route_id = day.routes["courier"]
    started = await client.post(f"/courier/route/{route_id}/start", data={
        "_csrf_token": client.cookies.get("csrftoken")}, follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"] == "/courier/"
    page = await client.get("/courier/")
    assert "Маршрут начат" in texts(page.text) and by_testid(page.text, "route-status") == ["В пути"]
    assert 'data-testid="start-route"' not in page.text and 'data-testid="next-stop"' in page.text
    assert (await DeliveryRoute.select(DeliveryRoute.status).where(DeliveryRoute.id == route_id).first())[
        "status"] == "started"
    statuses = {o["status"] for o in await Order.select(Order.status).where(
        Order.id.is_in([s.order_id for s in day.stops["courier"]]))}
    assert statuses == {"out_for_delivery"}
    again = await client.post(f"/courier/route/{route_id}/start", json={"uuid": "x" * 12},
                              headers={**JSON, **csrf_headers(client)})
    assert again.status_code == 200 and again.json()["ok"]


async def test_another_couriers_route_cannot_be_started(client):
    day = await two_couriers_day()
    await login(client, "courier")
    answer = await client.post(f"/courier/route/{day.routes['courier2']}/start", json={},
                               headers={**JSON, **csrf_headers(client)})
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("application/problem+json")
    assert (await DeliveryRoute.select(DeliveryRoute.status).where(
        DeliveryRoute.id == day.routes["courier2"]).first())["status"] == "published"


async def test_the_phones_position_is_stored_and_nonsense_is_refused_in_russian(client):
    await two_couriers_day()
    await login(client, "courier")
    sent = await client.post("/courier/position", json={"lat": 55.75, "lon": 37.61, "accuracy": 12.5},
                             headers={**JSON, **csrf_headers(client)})
    assert sent.status_code == 204
    [row] = await CourierPosition.select()
    assert (row["lat"], row["lon"], row["accuracy_m"]) == (55.75, 37.61, 12.5)
    for body in ({"lat": "north", "lon": 37.6}, {"lat": 95, "lon": 37.6}, {"lon": 37.6}, [1, 2]):
        refused = await client.post("/courier/position", json=body, headers={**JSON, **csrf_headers(client)})
        assert refused.status_code == 422, body
        assert "широта" in refused.json()["detail"] or "JSON" in refused.json()["detail"]
    assert await CourierPosition.count() == 1


@pytest.mark.parametrize("path", ["/courier/position", "/courier/route/1/start"])
async def test_writes_without_the_csrf_token_are_refused(client, path):
    await two_couriers_day()
    await login(client, "courier")
    answer = await client.post(path, json={"lat": 55.7, "lon": 37.6}, headers=JSON)
    assert answer.status_code == 403
    assert await CourierPosition.count() == 0
