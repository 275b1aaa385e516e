"""The delivery planning screen over HTTP: the page with its tables (no JavaScript needed), optimise with a
time limit, an urgent order, moving an order, locking a stop, publishing, the refusals in Russian, who may
open it. Data comes from the real domain functions (tests/routes/delivery_plan_helpers.py)."""

from __future__ import annotations

import json
import re

import pytest
from delivery_plan_helpers import delivery_day, packed_order

from server.domain.delivery.tables import DeliveryRoute, RouteStop
from server.domain.orders.tables import Order
from tests.planning_clock import morning_planning  # noqa: F401  (autouse: plans at any hour)
from tests.routes.manager_helpers import HTMX, by_testid, count_testid, form, sign_in, texts

URL = "/manager/delivery"


def _map(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="delivery-map-data">(.*?)</script>', html, re.S)
    assert found, "the plan block carries the map's data"
    return json.loads(found.group(1))


async def _optimise(client, day, *, limit: str = "1", htmx: bool = True):
    return await client.post(f"{URL}/optimise", data=form(client, day=day.day.isoformat(), warehouse=str(day.warehouse),
                                                         time_limit=limit),
                             headers=HTMX if htmx else {}, follow_redirects=False)


async def test_the_page_shows_the_day_then_optimise_fills_a_table_per_route(client):
    day = await delivery_day(orders=4, couriers=2)
    await sign_in(client, "manager")
    home = await client.get("/manager/")
    assert 'href="/manager/delivery"' in home.text and 'data-testid="nav-delivery"' in home.text
    empty = await client.get(f"{URL}?day={day.day.isoformat()}&warehouse={day.warehouse}")
    assert empty.status_code == 200
    assert count_testid(empty.text, "routes-empty") == 1 and count_testid(empty.text, "route") == 0
    assert count_testid(empty.text, "unassigned-row") == 4  # the day's orders are never hidden …
    assert empty.text.count('data-reason="not_planned"') == 4  # … and say why they wait:
    assert "<strong>Ещё не в плане: постройте маршруты</strong>" in empty.text
    assert 'data-delivery-map' in empty.text and "/static/common/vendor/leaflet.js" in empty.text
    assert 'name="time_limit"' in empty.text and 'value="10"' in empty.text  # the default limit

    answer = await _optimise(client, day)
    assert answer.status_code == 200, answer.text
    html = answer.text
    assert html.lstrip().startswith('<div id="delivery-plan"')  # only the plan block, for HTMX
    assert count_testid(html, "stop") == 4  # every order on a route …
    assert count_testid(html, "unassigned-row") == 0  # … and none left over
    assert count_testid(html, "run-summary") == 1 and by_testid(html, "run-orders") == ["4"]
    assert "Маршруты построены" in html or "Лимит времени исчерпан" in html
    data = _map(html)
    assert sum(len(r["stops"]) for r in data["routes"]) == 4 and data["depot"]["lat"] is not None
    assert all(len(r["points"]) == len(r["stops"]) + 2 for r in data["routes"])  # depot → stops → depot
    assert len({r["colour"] for r in data["routes"]}) == len(data["routes"])  # a colour per courier
    # the page itself (no JavaScript) lists the same plan: ETA, window, order number, amount, items, status
    page = await client.get(f"{URL}?day={day.day.isoformat()}&warehouse={day.warehouse}")
    assert count_testid(page.text, "stop") == 4 and count_testid(page.text, "route-sheet") == count_testid(page.text, "route")
    numbers = {o["number"] for o in await Order.select(Order.number).where(Order.id.is_in(day.orders))}
    assert set(by_testid(page.text, "stop-number")) == numbers
    assert all(re.fullmatch(r"\d\d:\d\d", eta) for eta in by_testid(page.text, "stop-eta"))
    assert set(by_testid(page.text, "stop-window")) == {"10:00–18:00"}
    assert set(by_testid(page.text, "stop-items")) == {"1"}
    assert set(by_testid(page.text, "stop-status")) == {"Запланирован"}
    assert all("500,00" in due for due in by_testid(page.text, "stop-due"))


async def test_optimise_without_htmx_answers_303_back_to_the_day(client):
    day = await delivery_day(orders=2, couriers=1)
    await sign_in(client, "owner")
    answer = await _optimise(client, day, htmx=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{URL}?day={day.day.isoformat()}&warehouse={day.warehouse}"
    page = await client.get(answer.headers["location"])
    assert count_testid(page.text, "stop") == 2
    assert "Маршруты построены" in page.text or "Лимит времени исчерпан" in page.text  # the flash message


async def test_a_wrong_time_limit_or_date_is_refused_in_russian(client):
    day = await delivery_day(orders=1, couriers=1)
    await sign_in(client, "manager")
    for limit in ("abc", "0", "1000"):
        answer = await _optimise(client, day, limit=limit)
        assert answer.status_code == 422
        assert "Лимит времени — число секунд от 1 до 120" in texts(answer.text)
        assert count_testid(answer.text, "plan-error") == 1
    plain = await _optimise(client, day, limit="abc", htmx=False)
    assert plain.status_code == 422 and "<header" in plain.text  # the whole page again, with the reason
    bad_day = await client.get(f"{URL}?day=2026-13-01")
    assert bad_day.status_code == 422 and "2026-13-01" in texts(bad_day.text)
    assert await DeliveryRoute.count() == 0


async def test_orders_that_cannot_be_placed_are_listed_with_their_reason(client):
    day = await delivery_day(orders=2, couriers=1)
    late = await packed_order(day, (55.73, 37.66), window=(3, 4))  # before every courier's shift
    await sign_in(client, "manager")
    answer = await _optimise(client, day)
    assert answer.status_code == 200
    assert count_testid(answer.text, "stop") == 2
    rows = re.findall(r'data-testid="unassigned-row" data-order-id="(\d+)" data-reason="(\w*)"', answer.text)
    assert rows and rows[0][0] == str(late) and rows[0][1]
    assert re.search(r'data-testid="unassigned-reason"><strong>[^<]+</strong>', answer.text)
    assert _map(answer.text)["unassigned"][0]["lat"] == 55.73


async def _planned(client, orders: int = 3, couriers: int = 2):
    day = await delivery_day(orders=orders, couriers=couriers)
    await sign_in(client, "manager")
    assert (await _optimise(client, day)).status_code == 200
    return day


async def test_lock_and_unlock_a_stop(client):
    day = await _planned(client)
    stop = await RouteStop.select(RouteStop.id).order_by(RouteStop.id).first()
    url = f"{URL}/stops/{stop['id']}/lock"
    fields = dict(day=day.day.isoformat(), warehouse=str(day.warehouse))
    locked = await client.post(url, data=form(client, locked="1", **fields), headers=HTMX)
    assert locked.status_code == 200 and "Остановка закреплена" in locked.text
    assert f'data-stop-id="{stop["id"]}"' in locked.text
    assert re.search(rf'data-stop-id="{stop["id"]}" data-order-id="\d+" data-locked="true"', locked.text)
    assert (await RouteStop.select(RouteStop.locked).where(RouteStop.id == stop["id"]).first())["locked"] is True
    unlocked = await client.post(url, data=form(client, locked="0", **fields), headers=HTMX)
    assert re.search(rf'data-stop-id="{stop["id"]}" data-order-id="\d+" data-locked="false"', unlocked.text)
    missing = await client.post(f"{URL}/stops/999999/lock", data=form(client, locked="1", **fields), headers=HTMX)
    assert missing.status_code in (404, 422) and count_testid(missing.text, "plan-error") == 1


async def test_move_an_order_to_another_courier(client):
    day = await _planned(client, orders=3, couriers=2)
    stop = await RouteStop.select(RouteStop.order, RouteStop.route.courier.as_alias("courier")).first()
    other = next(cid for cid in day.couriers.values() if cid != stop["courier"])
    moved = await client.post(f"{URL}/move", data=form(client, day=day.day.isoformat(), warehouse=str(day.warehouse),
                                                      order_id=str(stop["order"]), courier_id=str(other)), headers=HTMX)
    assert moved.status_code == 200, moved.text
    now = await RouteStop.select(RouteStop.route.courier.as_alias("courier")).where(RouteStop.order == stop["order"]).first()
    assert now["courier"] == other
    assert re.search(rf'data-courier-id="{other}"', moved.text)
    nobody = await client.post(f"{URL}/move", data=form(client, day=day.day.isoformat(), warehouse=str(day.warehouse),
                                                       order_id=str(stop["order"]), courier_id=""), headers=HTMX)
    assert nobody.status_code == 422 and "Выберите курьера" in texts(nobody.text)


async def test_an_urgent_order_joins_the_routes(client):
    day = await _planned(client, orders=2, couriers=1)
    urgent = await packed_order(day, (55.72, 37.69), window=(12, 20))
    number = (await Order.select(Order.number).where(Order.id == urgent).first())["number"]
    added = await client.post(f"{URL}/urgent", data=form(client, day=day.day.isoformat(), warehouse=str(day.warehouse),
                                                        order=number), headers=HTMX)
    assert added.status_code == 200, added.text
    assert count_testid(added.text, "stop") == 3 and f"Заказ {number} добавлен в маршруты" in added.text
    unknown = await client.post(f"{URL}/urgent", data=form(client, day=day.day.isoformat(), warehouse=str(day.warehouse),
                                                          order="З-999999"), headers=HTMX)
    assert unknown.status_code == 422 and "Заказа З-999999 нет" in texts(unknown.text)
    empty = await client.post(f"{URL}/urgent", data=form(client, day=day.day.isoformat(), order=""), headers=HTMX)
    assert empty.status_code == 422 and "Введите номер заказа" in texts(empty.text)


async def test_publish_sends_the_routes_to_the_couriers(client):
    day = await _planned(client, orders=3, couriers=2)
    routes = await DeliveryRoute.count()
    published = await client.post(f"{URL}/publish", data=form(client, day=day.day.isoformat(), warehouse=str(day.warehouse)),
                                  headers=HTMX)
    assert published.status_code == 200
    assert f"Маршрутов отправлено курьерам: {routes}" in texts(published.text)
    assert set(by_testid(published.text, "route-status")) == {"Отправлен курьеру"}
    assert await DeliveryRoute.count().where(DeliveryRoute.status == "published") == routes
    again = await client.post(f"{URL}/publish", data=form(client, day=day.day.isoformat(), warehouse=str(day.warehouse)),
                              headers=HTMX)
    assert again.status_code == 200 and "Новых маршрутов для отправки нет" in texts(again.text)


async def test_positions_of_couriers_for_the_map(client):
    from server.domain.delivery.courier_day import record_position

    day = await _planned(client, orders=2, couriers=1)
    await record_position("courier1", 55.71, 37.68, 15.0, None)
    answer = await client.get(f"{URL}/positions.json?day={day.day.isoformat()}&warehouse={day.warehouse}")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    positions = answer.json()["positions"]
    assert [(p["lat"], p["lon"]) for p in positions] == [(55.71, 37.68)] and positions[0]["courier"]
    page = await client.get(f"{URL}?day={day.day.isoformat()}&warehouse={day.warehouse}")
    assert _map(page.text)["positions"][0]["lat"] == 55.71


async def test_only_managers_and_the_owner_plan_deliveries(client):
    day = await delivery_day(orders=1, couriers=1)
    for role in ("cashier", "picker", "courier"):
        await sign_in(client, role, username=f"{role}-x")
        assert (await client.get(URL, follow_redirects=False)).status_code == 403
        if role == "cashier":  # the cashier's manager app has no way there
            assert 'href="/manager/delivery"' not in (await client.get("/manager/")).text
        refused = await client.post(f"{URL}/optimise", data=form(client, day=day.day.isoformat()), headers=HTMX)
        assert refused.status_code == 403
        await client.post("/logout", data=form(client))
    assert await DeliveryRoute.count() == 0


async def test_a_move_the_domain_refuses_shows_why_and_changes_nothing(client):
    day = await _planned(client, orders=2, couriers=1)
    before = await RouteStop.select(RouteStop.id, RouteStop.route).order_by(RouteStop.id)
    refused = await client.post(f"{URL}/move", data=form(client, day=day.day.isoformat(), warehouse=str(day.warehouse),
                                                        order_id=str(day.orders[0]), courier_id="999999"), headers=HTMX)
    assert refused.status_code == 422 and count_testid(refused.text, "plan-error") == 1
    assert "999999" in texts(refused.text)
    assert await RouteStop.select(RouteStop.id, RouteStop.route).order_by(RouteStop.id) == before


@pytest.mark.db_free  # renders a template: nothing of the database in it
def test_the_time_limit_notice_and_the_run_summary():
    from server.routes.manager import _delivery_view as view
    from server.web.templating import make_environment

    env = make_environment()
    env.globals["csrf_input"] = ""
    plan = view.shape_plan({})
    run = {"status": "time_limit", "timed_out": True, "vehicles_used": 3, "distance_m": 45600, "wall_s": 10.02,
           "orders": 61, "unassigned": [{"order_id": 1}], "message": "", "notes": []}
    html = env.get_template("manager/_delivery_plan.html").render(
        day=view.today(), warehouse={"id": 1}, plan=plan, result=run, errors=[], message="", map_json="{}",
        hhmm=view.hhmm, window_text=view.window_text, **view.labels())
    assert 'data-timed-out="true"' in html and count_testid(html, "run-timed-out") == 1
    assert "Лимит времени исчерпан, показан лучший найденный план" in html
    assert by_testid(html, "run-vehicles") == ["3"] and by_testid(html, "run-distance") == ["45.6 км"]
    assert by_testid(html, "run-orders") == ["61"] and by_testid(html, "run-unassigned") == ["1"]
    solved = env.get_template("manager/_delivery_plan.html").render(
        day=view.today(), warehouse={"id": 1}, plan=plan, result={**run, "status": "solved", "timed_out": False},
        errors=[], message="", map_json="{}", hhmm=view.hhmm, window_text=view.window_text, **view.labels())
    assert count_testid(solved, "run-timed-out") == 0 and by_testid(solved, "run-status") == ["Решено"]


async def test_move_an_unassigned_order_to_a_courier(client):
    """The «Give to a courier» form of the unassigned table: before any optimisation every order waits;
    moving one puts it on that courier's route of the day shown, and the row leaves the table."""
    day = await delivery_day(orders=3, couriers=2)
    await sign_in(client, "manager")
    page = await client.get(f"{URL}?day={day.day.isoformat()}&warehouse={day.warehouse}")
    assert count_testid(page.text, "move-unassigned") == 3
    assert page.text.count('<option value="" selected>— курьер —</option>') == 3  # nobody chosen for them
    order, target = day.orders[1], day.couriers["courier2"]
    moved = await client.post(f"{URL}/move", data=form(client, day=day.day.isoformat(), warehouse=str(day.warehouse),
                                                      order_id=str(order), courier_id=str(target)), headers=HTMX)
    assert moved.status_code == 200, texts(moved.text)
    stop = await RouteStop.select(RouteStop.route.courier.as_alias("courier"), RouteStop.route.day.as_alias("day"),
                                  RouteStop.pinned).where(RouteStop.order == order).first()
    assert stop is not None and stop["courier"] == target and stop["day"] == day.day and stop["pinned"]
    assert not re.search(rf'data-testid="unassigned-row" data-order-id="{order}"', moved.text)
    assert re.search(rf'data-testid="stop" data-stop-id="\d+" data-order-id="{order}"', moved.text)
    assert "Заказ передан" in texts(moved.text)


async def test_move_an_unassigned_order_without_a_window_on_another_day_goes_to_that_day(client):
    """An order with no window waits on every day's screen; moved from tomorrow's plan it goes on
    tomorrow's route — not today's, which the manager is not looking at."""
    from datetime import timedelta

    day = await delivery_day(orders=0, couriers=1)
    day.day = day.day + timedelta(days=1)
    order = await packed_order(day, (55.73, 37.66), window=None)
    await sign_in(client, "manager")
    page = await client.get(f"{URL}?day={day.day.isoformat()}&warehouse={day.warehouse}")
    assert re.search(rf'data-testid="unassigned-row" data-order-id="{order}"', page.text)
    moved = await client.post(f"{URL}/move", data=form(client, day=day.day.isoformat(), warehouse=str(day.warehouse),
                                                      order_id=str(order), courier_id=str(day.couriers["courier1"])),
                              headers=HTMX)
    assert moved.status_code == 200, texts(moved.text)
    stop = await RouteStop.select(RouteStop.route.day.as_alias("day")).where(RouteStop.order == order).first()
    assert stop is not None and stop["day"] == day.day
    assert re.search(rf'data-testid="stop" data-stop-id="\d+" data-order-id="{order}"', moved.text)


async def test_moving_an_order_the_courier_cannot_take_says_why_and_changes_nothing(client):
    """An order waiting because its window is before every shift: given to a courier, it is refused with
    the reason, and stays in the unassigned table."""
    day = await _planned(client, orders=2, couriers=1)
    early = await packed_order(day, (55.73, 37.66), window=(3, 4))
    before = await RouteStop.select(RouteStop.id, RouteStop.route, RouteStop.order).order_by(RouteStop.id)
    refused = await client.post(f"{URL}/move", data=form(client, day=day.day.isoformat(), warehouse=str(day.warehouse),
                                                        order_id=str(early), courier_id=str(day.couriers["courier1"])),
                                headers=HTMX)
    assert refused.status_code == 422 and count_testid(refused.text, "plan-error") == 1
    assert re.search(rf'data-testid="unassigned-row" data-order-id="{early}"', refused.text)
    assert await RouteStop.select(RouteStop.id, RouteStop.route, RouteStop.order).order_by(RouteStop.id) == before


async def test_each_route_shows_its_load_against_the_vehicle_capacity(client):
    """The route's load is the sum of its orders' demands as a plan run counts them (weight and volume of
    the lines), shown against the courier's vehicle: «load / capacity kg, load / capacity l»."""
    from datetime import UTC
    from datetime import datetime as _dt

    from server.domain.catalog.tables import Product
    from server.domain.delivery import planning
    from server.domain.delivery._plan_input import collect

    day = await delivery_day(orders=0, couriers=1)
    await Product.update({Product.length_mm: 200, Product.width_mm: 100, Product.height_mm: 150}, force=True)
    await packed_order(day, (55.73, 37.65), qty=3)
    await packed_order(day, (55.74, 37.62), qty=2)
    await sign_in(client, "manager")
    answer = await _optimise(client, day)
    assert answer.status_code == 200
    plan = await planning.day_plan(day.day, day.warehouse)
    (route,) = plan["routes"]
    demands = (await collect(day.day, day.warehouse, now=_dt.now(UTC))).orders
    assert route["load_weight_g"] == sum(demands[s["order_id"]]["weight_g"] for s in route["stops"]) == 5000
    assert route["load_volume_cm3"] == sum(demands[s["order_id"]]["volume_cm3"] for s in route["stops"]) == 15000
    assert by_testid(answer.text, "route-load") == ["5.0 / 100.0 кг"]
    assert "15 / 500 л" in texts(answer.text)
    assert count_testid(answer.text, "route-capacity") == 0


async def test_an_unassigned_order_without_a_point_asks_for_the_pin_instead_of_a_courier(client):
    """No courier can reach an address without a point: its row links to the order card (where the pin
    is placed) instead of offering couriers, and a move sent anyway says why and changes nothing."""
    day = await delivery_day(orders=1, couriers=1)
    lost = await packed_order(day, (55.73, 37.66))
    await Order.update({Order.delivery_lat: None, Order.delivery_lon: None}).where(Order.id == lost)
    await sign_in(client, "manager")
    page = await client.get(f"{URL}?day={day.day.isoformat()}&warehouse={day.warehouse}")
    row = re.search(rf'data-testid="unassigned-row" data-order-id="{lost}".*?</tr>', page.text, re.S).group(0)
    assert 'data-testid="place-pin"' in row and f'href="/manager/orders/{lost}"' in row
    assert 'data-testid="move-unassigned"' not in row
    assert count_testid(page.text, "move-unassigned") == 1  # the other order still has its courier choice
    refused = await client.post(f"{URL}/move", data=form(client, day=day.day.isoformat(), warehouse=str(day.warehouse),
                                                        order_id=str(lost), courier_id=str(day.couriers["courier1"])),
                                headers=HTMX)
    assert refused.status_code == 422 and "нет точки на карте" in texts(refused.text)
    assert await RouteStop.count() == 0 and await DeliveryRoute.count() == 0
