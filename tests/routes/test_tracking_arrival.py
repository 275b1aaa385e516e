"""Where the delivery is on the customer's tracking page /t/<token> and its fragment /t/<token>/eta: the
exact Russian sentences once the courier started (window, addresses before theirs, the apology when late),
before (packed, waiting for a courier; a published route not started yet, with the plan's window) and
after (delivered, not delivered), in English too, and nothing about the courier or the other customers."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from courier_helpers import at_local, two_couriers_day
from customer_helpers import token_of
from manager_helpers import by_testid, count_testid, texts

from server.config import get_settings
from server.domain.delivery import tracking_eta
from server.domain.delivery.tables import DeliveryRoute, RouteStop
from server.domain.orders.tables import Order

TZ = ZoneInfo(get_settings().timezone)


@pytest.fixture
async def day(monkeypatch):
    """Ivan's started route of today (three stops, windows 10:00–14:00, ETAs 10:30, 11:30, 12:30),
    Pyotr's with one; the page's clock at 09:00 of that day."""
    d = await two_couriers_day(status="started")
    monkeypatch.setattr(tracking_eta, "now_utc", lambda: at_local(d.day, 9))
    return d


async def test_the_page_says_when_the_courier_comes_and_how_many_addresses_are_before(client, day):
    third = day.stops["courier"][2]
    token = await token_of(third.order_id)
    page = await client.get(f"/t/{token}")
    assert page.status_code == 200
    assert by_testid(page.text, "tracking-eta-window") == ["Курьер приедет примерно с 12:20 до 12:50"]
    assert by_testid(page.text, "tracking-eta-ahead") == ["Перед вами 2 адреса"]
    assert count_testid(page.text, "tracking-eta-late") == 0
    assert "Когда приедет курьер" in texts(page.text)
    assert "setInterval" in page.text and "/eta'" in page.text  # the block re-reads itself
    for private in ("Иван", "Курьеров", "Пётр", "Садовая", "Мира", "Чужая", "Лесная", "+7 916 000", "55.7"):
        assert private not in page.text, private
    assert "<script src=" not in page.text and 'rel="stylesheet"' not in page.text  # still one request
    assert len(page.content) < 14_000
    await RouteStop.update({RouteStop.status: "delivered"}).where(RouteStop.id == day.stops["courier"][0].id)
    page = await client.get(f"/t/{token}")
    assert by_testid(page.text, "tracking-eta-ahead") == ["Перед вами 1 адрес"]
    first_of_pyotr = await token_of(day.stops["courier2"][0].order_id)
    page = await client.get(f"/t/{first_of_pyotr}")
    assert by_testid(page.text, "tracking-eta-ahead") == ["Ваш адрес у курьера следующий"]
    assert by_testid(page.text, "tracking-eta-window") == ["Курьер приедет примерно с 10:20 до 10:50"]


async def test_a_late_courier_apologises_with_the_minutes(client, day):
    second = day.stops["courier"][1]
    await RouteStop.update({RouteStop.eta: at_local(day.day, 14, 25), RouteStop.late_by_s: 25 * 60}).where(
        RouteStop.id == second.id)
    page = await client.get(f"/t/{await token_of(second.order_id)}")
    assert by_testid(page.text, "tracking-eta-window") == ["Курьер приедет примерно с 14:10 до 14:40"]
    assert by_testid(page.text, "tracking-eta-late") == ["Курьер задерживается примерно на 25 минут, приносим извинения"]
    await RouteStop.update({RouteStop.eta: at_local(day.day, 14, 21), RouteStop.late_by_s: 21 * 60}).where(
        RouteStop.id == second.id)
    page = await client.get(f"/t/{await token_of(second.order_id)}")
    assert by_testid(page.text, "tracking-eta-late") == ["Курьер задерживается примерно на 20 минут, приносим извинения"]
    await RouteStop.update({RouteStop.eta: at_local(day.day, 14, 8), RouteStop.late_by_s: 8 * 60}).where(
        RouteStop.id == second.id)
    page = await client.get(f"/t/{await token_of(second.order_id)}")
    assert count_testid(page.text, "tracking-eta-late") == 0 and count_testid(page.text, "tracking-eta-window") == 1


async def test_packed_then_published_then_started_then_delivered_each_say_where_the_delivery_is(client, day):
    first = day.stops["courier"][0]
    token = await token_of(first.order_id)
    route = DeliveryRoute.id == day.routes["courier"]
    await DeliveryRoute.update({DeliveryRoute.status: "draft"}).where(route)  # planned, not published yet
    page = await client.get(f"/t/{token}")
    assert page.status_code == 200 and by_testid(page.text, "tracking-eta-assigning") == [
        "Заказ собран, курьер будет назначен"]
    assert count_testid(page.text, "tracking-eta-window") == 0 and "Курьер приедет" not in page.text
    assert "setInterval" in page.text  # the block re-reads itself: the route is coming

    await DeliveryRoute.update({DeliveryRoute.status: "published"}).where(route)
    page = await client.get(f"/t/{token}")
    assert by_testid(page.text, "tracking-eta-departs") == [
        "Курьер выедет к вам сегодня и по плану приедет примерно с 10:20 до 10:50"]
    assert count_testid(page.text, "tracking-eta-assigning") == 0
    assert by_testid(page.text, "tracking-eta-ahead") == ["Ваш адрес у курьера первый"]  # the route's first stop
    assert "Когда курьер выедет, время уточнится." in texts(page.text)

    await DeliveryRoute.update({DeliveryRoute.status: "started"}).where(route)
    page = await client.get(f"/t/{token}")
    assert by_testid(page.text, "tracking-eta-window") == ["Курьер приедет примерно с 10:20 до 10:50"]
    assert count_testid(page.text, "tracking-eta-departs") == 0

    done = at_local(day.day, 10, 41)
    await RouteStop.update({RouteStop.status: "delivered", RouteStop.done_at: done}).where(RouteStop.id == first.id)
    await Order.update({Order.status: "delivered"}).where(Order.id == first.order_id)
    page = await client.get(f"/t/{token}")
    assert by_testid(page.text, "tracking-eta-delivered") == [
        f"Курьер доставил заказ {done.astimezone(TZ).strftime('%d.%m.%Y')} в 10:41"]
    assert "Курьер приедет" not in page.text and count_testid(page.text, "tracking-eta-window") == 0
    assert by_testid(page.text, "tracking-status") == ["Доставлен"]  # the status steps stay
    assert count_testid(page.text, "tracking-step") >= 1
    assert "setInterval" not in page.text  # nothing to re-read any more

    second = day.stops["courier"][1]
    await RouteStop.update({RouteStop.status: "failed"}).where(RouteStop.id == second.id)
    await Order.update({Order.status: "returned"}).where(Order.id == second.order_id)
    page = await client.get(f"/t/{await token_of(second.order_id)}")
    assert by_testid(page.text, "tracking-eta-failed") == [
        "Курьеру не удалось доставить заказ. Магазин свяжется с вами, чтобы договориться о новой доставке."]
    for private in ("Иван", "Курьеров", "Пётр", "Лесная", "Садовая", "+7 916 000"):
        assert private not in page.text, private


async def test_the_phases_in_english(client, day):
    first = day.stops["courier"][0]
    token = await token_of(first.order_id)
    await DeliveryRoute.update({DeliveryRoute.status: "draft"}).where(DeliveryRoute.id == day.routes["courier"])
    page = await client.get(f"/t/{token}", params={"lang": "en"})
    assert by_testid(page.text, "tracking-eta-assigning") == ["The order is packed, a courier will be assigned"]
    await DeliveryRoute.update({DeliveryRoute.status: "published"}).where(DeliveryRoute.id == day.routes["courier"])
    fragment = await client.get(f"/t/{token}/eta", params={"lang": "en"})
    assert by_testid(fragment.text, "tracking-eta-departs") == [
        "The courier will set out to you today and, as planned, arrive between about 10:20 and 10:50"]
    assert fragment.headers["x-tracking-phase"] == "published"


async def test_the_fragment_is_the_same_block_with_the_orders_status(client, day):
    third = day.stops["courier"][2]
    token = await token_of(third.order_id)
    fragment = await client.get(f"/t/{token}/eta")
    assert fragment.status_code == 200 and fragment.headers["content-type"].startswith("text/html")
    assert fragment.headers["x-order-status"] == "packed" and "private" in fragment.headers["cache-control"]
    assert by_testid(fragment.text, "tracking-eta-window") == ["Курьер приедет примерно с 12:20 до 12:50"]
    assert by_testid(fragment.text, "tracking-eta-ahead") == ["Перед вами 2 адреса"]
    assert "<html" not in fragment.text and "Иван" not in fragment.text
    await RouteStop.update({RouteStop.eta: at_local(day.day, 12, 30) + timedelta(minutes=41)}).where(
        RouteStop.id == third.id)  # re-computed after a stop done: the next read follows
    fragment = await client.get(f"/t/{token}/eta")
    assert by_testid(fragment.text, "tracking-eta-window") == ["Курьер приедет примерно с 13:00 до 13:30"]
    assert fragment.headers["x-tracking-phase"] == "started"
    await RouteStop.update({RouteStop.status: "failed"}).where(RouteStop.id == third.id)
    fragment = await client.get(f"/t/{token}/eta")
    assert fragment.status_code == 200 and fragment.headers["x-order-status"] == "packed"
    assert count_testid(fragment.text, "tracking-eta-window") == 0  # the order is packed again: waits for a courier
    assert by_testid(fragment.text, "tracking-eta-assigning") == ["Заказ собран, курьер будет назначен"]
    for bad in ("no-such-token-123456", "x" * 200):
        missing = await client.get(f"/t/{bad}/eta")
        assert missing.status_code == 404 and missing.text == ""


def test_the_plural_forms_have_three_russian_forms():
    from server.web.i18n import ngettext

    forms = [ngettext("%(num)s address before yours", "%(num)s addresses before yours", n, "ru") % {"num": n}
             for n in (1, 3, 5, 21)]
    assert forms == ["Перед вами 1 адрес", "Перед вами 3 адреса", "Перед вами 5 адресов", "Перед вами 21 адрес"]
    late = [ngettext("The courier is running late by about %(num)s minute, we apologise",
                     "The courier is running late by about %(num)s minutes, we apologise", n, "ru") % {"num": n}
            for n in (1, 2, 25)]
    assert late == ["Курьер задерживается примерно на 1 минуту, приносим извинения",
                    "Курьер задерживается примерно на 2 минуты, приносим извинения",
                    "Курьер задерживается примерно на 25 минут, приносим извинения"]
    assert ngettext("%(num)s address before yours", "%(num)s addresses before yours", 2, "en") == (
        "%(num)s addresses before yours")
