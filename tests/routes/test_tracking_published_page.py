"""The tracking page /t/<token> and its fragment before the courier sets out (a route the manager published
through publish_routes, not started): besides the plan's window, how many addresses are before this one,
in Russian with its three plural forms and in English; an order cancelled meanwhile is not counted."""

from __future__ import annotations

import pytest
from courier_helpers import at_local, packed_order, route_for, two_couriers_day
from customer_helpers import token_of
from manager_helpers import by_testid

from server.domain.delivery import tracking_eta
from server.domain.delivery.planning import publish_routes
from server.domain.orders.status import change_status

POINT = (55.7300, 37.6500)


@pytest.fixture
async def day(monkeypatch):
    """Ivan's route (three stops, ETAs 10:30, 11:30, 12:30) and Pyotr's (one), both published by the
    manager and not started; the page's clock at 09:00 of that day."""
    d = await two_couriers_day(status="draft")
    assert await publish_routes(d.day, d.warehouse, actor="manager") == 2
    monkeypatch.setattr(tracking_eta, "now_utc", lambda: at_local(d.day, 9))
    return d


async def test_the_published_route_says_how_many_addresses_are_before_yours(client, day):
    ivan = day.stops["courier"]
    said = []
    for stop in ivan:
        page = await client.get(f"/t/{await token_of(stop.order_id)}")
        assert page.status_code == 200 and len(by_testid(page.text, "tracking-eta-departs")) == 1
        said += by_testid(page.text, "tracking-eta-ahead")
    assert said == ["Ваш адрес у курьера первый", "Перед вами 1 адрес", "Перед вами 2 адреса"]
    page = await client.get(f"/t/{await token_of(ivan[2].order_id)}")
    assert by_testid(page.text, "tracking-eta-departs") == [
        "Курьер выедет к вам сегодня и по плану приедет примерно с 12:20 до 12:50"]
    pyotr = await client.get(f"/t/{await token_of(day.stops['courier2'][0].order_id)}")
    assert by_testid(pyotr.text, "tracking-eta-ahead") == ["Ваш адрес у курьера первый"]  # other routes: no

    fragment = await client.get(f"/t/{await token_of(ivan[2].order_id)}/eta")
    assert fragment.headers["x-tracking-phase"] == "published"
    assert by_testid(fragment.text, "tracking-eta-ahead") == ["Перед вами 2 адреса"]
    await change_status(ivan[0].order_id, "cancelled", actor="manager")  # the courier will not go there
    fragment = await client.get(f"/t/{await token_of(ivan[2].order_id)}/eta")
    assert by_testid(fragment.text, "tracking-eta-ahead") == ["Перед вами 1 адрес"]


async def test_five_addresses_before_and_the_words_in_english(client, day):
    orders = [await packed_order(day, POINT) for _ in range(6)]
    route_for_id = await route_for(day, "courier3", orders, status="draft", name="Семён Третьяков")
    assert await publish_routes(day.day, day.warehouse, actor="manager") == 1
    assert route_for_id == day.routes["courier3"]
    last = await token_of(orders[5])
    page = await client.get(f"/t/{last}")
    assert by_testid(page.text, "tracking-eta-ahead") == ["Перед вами 5 адресов"]
    english = await client.get(f"/t/{last}", params={"lang": "en"})
    assert by_testid(english.text, "tracking-eta-ahead") == ["5 addresses before yours"]
    second = await client.get(f"/t/{await token_of(orders[1])}/eta", params={"lang": "en"})
    assert by_testid(second.text, "tracking-eta-ahead") == ["1 address before yours"]
    first = await client.get(f"/t/{await token_of(orders[0])}/eta", params={"lang": "en"})
    assert by_testid(first.text, "tracking-eta-ahead") == ["Yours is the first address on the courier's route"]
    assert by_testid(first.text, "tracking-eta-departs")[0].startswith("The courier will set out to you today")
