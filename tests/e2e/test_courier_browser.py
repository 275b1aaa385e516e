"""The courier app in a phone's browser (360×740, touch, Russian), against a server with its own outbox
worker, the loopback online-cash provider (tests/support/atol_server.py) and a loopback web push
service:

1. The courier opens today's route, starts it, opens the first stop, takes cash (the change shows as they
   type, and again from the server), marks it delivered: the provider receives a correct `sell` and the
   next customer's push receiver decrypts «Курьер приедет примерно через N минут». The phone's position
   reaches the server once the courier allows it.
2. Offline: the route and its stops open from the worker's cache; actions (a refused one, a card payment,
   delivered) wait in the phone's queue («Ожидают отправки: N»), survive a reload and replay once, in
   order, when the network returns; the refusal is shown on the phone; SBP says it needs the network.
3. Live: the manager moves an order to the courier while the route page is open — the page hears it on
   the courier's channel (SSE), swaps the new route in and says «Маршрут изменён». Then goods handed back
   after a cash payment, queued offline and replayed: the stop page says «Верните покупателю … наличными».
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Callable

import httpx
import pytest
from playwright.async_api import Page, expect

from server.domain.delivery import planning
from server.domain.delivery.courier_day import start_route
from server.domain.delivery.tables import Courier, CourierPosition, RouteStop, StopAction
from server.domain.orders.tables import Order
from server.domain.payments.tables import Payment
from tests.e2e.browser_settings import CONTEXT_ARGS, DEFAULT_TIMEOUT_MS
from tests.integrations.notify_peers import http_peers
from tests.routes.courier_helpers import PRICE, at_local, two_couriers_day

pytestmark = pytest.mark.e2e
WAIT_S = 20
PHONE = {**CONTEXT_ARGS, "viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "permissions": ["geolocation"], "geolocation": {"latitude": 55.7512, "longitude": 37.6184}}
KEPT = """async ([prefix, paths]) => {
    const names = (await caches.keys()).filter((n) => n.startsWith(prefix));
    for (const path of paths) {
      let found = false;
      for (const name of names) if (await (await caches.open(name)).match(path)) found = true;
      if (!found) return false;
    }
    return true;
  }"""


@pytest.fixture
async def phone_ctx(chromium, courier_url):
    context = await chromium.new_context(base_url=courier_url, **PHONE)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield context
    await context.close()


@pytest.fixture
async def phone(phone_ctx):
    page = await phone_ctx.new_page()
    page.set_default_timeout(DEFAULT_TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    assert errors == [], errors


async def eventually(found: Callable[[], object], what: str):
    """Polls `found()` (sync or async) until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while True:
        result = found()
        if inspect.isawaitable(result):  # a coroutine, or a Piccolo query
            result = await result
        if result:
            return result
        assert asyncio.get_running_loop().time() < deadline, f"no {what} after {WAIT_S} s"
        await asyncio.sleep(0.1)


async def sign_in(page: Page, username: str = "courier", password: str = "demo") -> None:
    await page.goto("/login")
    await page.locator('input[name="username"]').fill(username)
    await page.locator('input[name="password"]').fill(password)
    await page.locator('form[action="/login"] [type="submit"]').click()
    await expect(page).to_have_url(re.compile(r"/courier/?(\?.*)?$"))
    await ready(page)


async def ready(page: Page) -> None:
    """app.js has read the phone's queue (and sent what it could)."""
    await expect(page.locator("[data-route-page], [data-stop-page]")).to_have_attribute("data-ready", "1")


async def controlled(page: Page) -> None:
    await page.wait_for_function("navigator.serviceWorker.controller !== null"
                                 " && navigator.serviceWorker.controller.scriptURL.endsWith('/courier/sw.js')",
                                 timeout=30_000)


async def kept(page: Page, *paths: str) -> None:
    await eventually(lambda: page.evaluate(KEPT, ["kladovka-courier-pages-", list(paths)]),
                     f"pages kept for offline: {paths}")


async def queued(page: Page) -> int:
    return (await page.evaluate("() => window.KladovkaCourier.state()"))["pending"]


async def stop_status(stop_id: int) -> str:
    return (await RouteStop.select(RouteStop.status).where(RouteStop.id == stop_id).first())["status"]


async def test_a_courier_delivers_a_stop_with_cash_and_the_receipt_and_the_next_eta_go_out(phone, courier_url,
                                                                                             atol_server):
    day = await two_couriers_day()
    first, second = day.stops["courier"][0], day.stops["courier"][1]
    tracking = (await Order.select(Order.tracking_token).where(Order.id == second.order_id).first())["tracking_token"]
    async with httpx.AsyncClient(base_url=courier_url, timeout=10) as api, http_peers() as (_sms, push):
        subscribed = await api.post(f"/t/{tracking}/push", json=push.new_subscription("boris"))
        assert subscribed.status_code == 201, subscribed.text

        await sign_in(phone)
        stops = phone.get_by_test_id("stop")
        await expect(stops).to_have_count(3)
        await expect(stops.nth(0).get_by_test_id("stop-address")).to_have_text("Москва, ул. Лесная, д. 5")
        await expect(stops.nth(0).get_by_test_id("stop-eta")).to_have_text("10:30")
        await expect(stops.nth(2).get_by_test_id("stop-paid")).to_have_text("Оплачен")
        start = phone.get_by_test_id("start-route")
        box = await start.bounding_box()
        assert box and box["height"] >= 48 and box["width"] >= 300  # one thumb, the whole width

        await phone.get_by_test_id("geo-toggle").check()  # the courier allows the position
        await eventually(lambda: CourierPosition.count(), "position on the server")
        [where] = await CourierPosition.select(CourierPosition.lat, CourierPosition.lon)
        assert (round(where["lat"], 4), round(where["lon"], 4)) == (55.7512, 37.6184)

        await start.click()
        await expect(phone.get_by_test_id("route-status")).to_have_text("В пути")
        await ready(phone)
        await stops.nth(0).get_by_test_id("stop-link").click()
        await expect(phone.get_by_test_id("order-number")).to_have_text("З-000001")
        await ready(phone)
        assert (await phone.get_by_test_id("nav-geo").get_attribute("href")).startswith("geo:55.730000,37.650000?q=")
        assert await phone.get_by_test_id("call").get_attribute("href") == "tel:+79161234567"

        await phone.get_by_test_id("tendered").fill("1500")
        await expect(phone.get_by_test_id("change")).to_have_text("Сдача: 500,00\u00a0₽")  # as the courier types
        await phone.get_by_test_id("take-cash").click()
        await expect(phone.get_by_test_id("flash")).to_contain_text("сдача 500,00")  # the server's own change
        await expect(phone.get_by_test_id("payment").get_by_test_id("stop-paid")).to_have_text("Оплачен")
        await expect(phone.get_by_test_id("receipt-status")).to_have_text("Чек отправлен")
        await ready(phone)
        await phone.get_by_test_id("mark-delivered").click()
        await expect(phone).to_have_url(re.compile(r"/courier/$"))
        await expect(phone.get_by_test_id("flash")).to_contain_text("Остановка 1: доставлено")
        await expect(stops.nth(0).get_by_test_id("stop-status")).to_have_text("Доставлен")
        assert await stop_status(first.id) == "delivered"

        [sell] = await eventually(lambda: atol_server.sells(), "«sell» at the online-cash provider")
        receipt = sell["receipt"]
        assert receipt["total"] == 2 * PRICE / 100 and receipt["payments"] == [{"type": 0, "sum": 2 * PRICE / 100}]
        assert [(i["name"], i["quantity"], i["price"]) for i in receipt["items"]] == [("Кофе в зёрнах", 2, PRICE / 100)]
        assert receipt["client"].get("email") or receipt["client"].get("phone")
        assert atol_server.rejected == []

        [pushed] = await eventually(lambda: [p for p in push.received if p["path"] == "/push/boris"
                                             and "Курьер приедет примерно через" in str(p["message"])],
                                    "ETA push to the next customer")
        assert "З-000002" in str(pushed["message"])


async def test_offline_the_route_opens_and_actions_replay_once_in_order(phone, phone_ctx):
    day = await two_couriers_day()
    await start_route(day.routes["courier"], actor="courier")  # the courier left with the goods
    first, second = day.stops["courier"][0], day.stops["courier"][1]
    await sign_in(phone)
    await controlled(phone)
    cdp = await phone_ctx.new_cdp_session(phone)
    errors = (await cdp.send("Page.getInstallabilityErrors"))["installabilityErrors"]
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []  # installable
    await cdp.detach()
    await kept(phone, "/courier/", *(f"/courier/stop/{s.id}" for s in day.stops["courier"]))

    await phone_ctx.set_offline(True)
    await phone.reload()  # the route from the worker's cache
    await ready(phone)
    await expect(phone.get_by_test_id("offline-banner")).to_be_visible()
    await expect(phone.get_by_test_id("stop")).to_have_count(3)

    await phone.get_by_test_id("stop-link").nth(0).click()  # stop 1 from the cache
    await expect(phone.get_by_test_id("order-number")).to_have_text("З-000001")
    await ready(phone)
    await phone.get_by_test_id("mark-delivered").click()  # not paid: the server will refuse it
    await expect(phone.get_by_test_id("pending-count")).to_have_text("Ожидают отправки: 1")

    await phone.get_by_test_id("following-stop").click()  # stop 2, a card order
    await expect(phone.get_by_test_id("order-number")).to_have_text("З-000002")
    await ready(phone)
    sbp = phone.get_by_test_id("sbp-start")
    await phone.get_by_test_id("pay-sbp").locator("summary").click()
    await expect(sbp).to_be_disabled()
    await expect(sbp).to_have_text("СБП работает только при связи: сейчас сети нет")
    await phone.get_by_test_id("slip-ref").fill("RRN 778899")
    await phone.get_by_test_id("take-card").click()
    await phone.get_by_test_id("mark-delivered").dblclick()  # a double tap is one action
    await expect(phone.get_by_test_id("pending-count")).to_have_text("Ожидают отправки: 3")
    await expect(phone.get_by_test_id("stop-status")).to_have_text("Доставлен — ждёт отправки")  # queued, on the chip
    await expect(phone.get_by_test_id("pay-queued")).to_have_text(
        "Оплата картой: сохранено на телефоне, отправится при связи")

    await phone.reload()  # still offline: the page from the cache, the queue from IndexedDB
    await ready(phone)
    await expect(phone.get_by_test_id("pending-count")).to_have_text("Ожидают отправки: 3")
    assert await Payment.count() == 0 and await StopAction.count() == 0  # nothing reached the server
    items = await phone.evaluate("() => window.KladovkaCourier.items()")
    assert [(i["kind"], i["body"].get("action") or i["body"].get("method")) for i in items] == [
        ("status", "delivered"), ("pay", "card"), ("status", "delivered")]

    await phone_ctx.set_offline(False)
    await eventually(lambda: Payment.count(), "the queued card payment on the server")
    await eventually(lambda: StopAction.count(), "the queued «delivered» on the server")
    await expect(phone.get_by_test_id("refusal")).to_have_count(1)
    await expect(phone.get_by_test_id("pending-count")).to_be_hidden()
    assert await queued(phone) == 0
    [payment] = await Payment.select()
    assert (payment["method"], payment["slip_ref"], payment["order"]) == ("card", "RRN 778899", second.order_id)
    assert await StopAction.count() == 1  # stop 2 delivered once; stop 1's refused «delivered» left nothing
    assert await stop_status(second.id) == "delivered" and await stop_status(first.id) == "planned"
    refusal = await phone.get_by_test_id("refusal").inner_text()
    assert refusal.startswith("Доставлен: Сервер не принял:")

    # the same queue sent once more (a phone that lost the answers): nothing changes twice
    answers = await phone.evaluate("""async (items) => {
        const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
        const out = [];
        for (const item of items) {
          const r = await fetch(item.url, {method: 'POST', headers: {'Content-Type': 'application/json',
            Accept: 'application/json', 'X-CSRFToken': token}, body: JSON.stringify(item.body)});
          out.push([r.status, (await r.json()).replayed || false]);
        }
        return out;
    }""", items)
    assert answers[1:] == [[200, True], [200, True]] and answers[0][0] == 409
    assert await Payment.count() == 1 and await StopAction.count() == 1


async def test_a_route_the_manager_changes_refreshes_by_itself_and_cash_handed_back_is_said(phone, phone_ctx):
    day = await two_couriers_day()
    theirs = day.stops["courier2"][0]  # Pyotr's order З-000004 (cash on delivery)
    ivan = (await Courier.select(Courier.id).where(Courier.user.username == "courier").first())["id"]
    await sign_in(phone)
    await expect(phone.get_by_test_id("stop")).to_have_count(3)
    await eventually(lambda: phone.evaluate("() => window.KladovkaCourier.state().then((s) => s.live)"),
                     "the route page listening to its live channel")
    await expect(phone.get_by_test_id("route-changed")).to_be_hidden()

    await planning.move_order(theirs.order_id, ivan, actor="manager", time_limit_s=1,
                              now=at_local(day.day, 8))  # the manager, meanwhile (as at 8:00: windows 10-14)
    await expect(phone.get_by_test_id("route-changed")).to_have_text("Маршрут изменён")
    await expect(phone.get_by_test_id("stops")).to_contain_text("З-000004")  # swapped in without a reload
    stops = phone.get_by_test_id("stop")
    assert await stops.count() == await RouteStop.count().where(RouteStop.route == day.routes["courier"])

    await phone.get_by_test_id("start-route").click()
    await expect(phone.get_by_test_id("route-status")).to_have_text("В пути")
    await ready(phone)
    await stops.filter(has_text="З-000001").get_by_test_id("stop-link").click()
    await expect(phone.get_by_test_id("order-number")).to_have_text("З-000001")
    await ready(phone)
    await phone.get_by_test_id("tendered").fill("1000")
    await phone.get_by_test_id("take-cash").click()
    await expect(phone.get_by_test_id("payment").get_by_test_id("stop-paid")).to_have_text("Оплачен")
    await ready(phone)

    await phone_ctx.set_offline(True)  # one pack handed back, no network at the door
    await phone.get_by_test_id("partial-panel").locator("summary").click()
    await phone.get_by_test_id("return-qty").fill("1")
    await phone.get_by_test_id("mark-partial").click()
    await expect(phone.get_by_test_id("pending-count")).to_have_text("Ожидают отправки: 1")
    await phone_ctx.set_offline(False)
    cash_back = "Верните покупателю 500,00\u00a0₽ наличными"
    await expect(phone.get_by_test_id("refund")).to_have_text(cash_back)  # the stop page stays and says it
    await expect(phone.get_by_test_id("flash")).to_contain_text(cash_back)
    await expect(phone.get_by_test_id("order-number")).to_have_text("З-000001")
    assert await queued(phone) == 0
