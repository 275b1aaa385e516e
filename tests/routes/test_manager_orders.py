"""Manager PWA, orders over HTTP: the board with its filters, the card, status changes (and their
refusals, in Russian), payments, re-reservation, the manager in charge, an order taken by phone (happy
path, bad input, a double submit) and the live stream of the board."""

from __future__ import annotations

import asyncio
import json
import re

import httpx
from harness import login

from server import live
from server.config import get_settings
from server.domain.crm.customers import find_or_create_customer
from server.domain.orders.dto import CustomerInput, IntakeLine, OrderIntake, PaymentInput
from server.domain.orders.intake import intake_order
from server.domain.orders.queries import get_order
from server.domain.orders.status import change_status
from server.domain.orders.tables import Order
from server.domain.outbox.worker import run_once
from server.domain.users.accounts import create_user
from server.live import orders_channel
from tests.domain.stock_helpers import receive
from tests.routes.manager_helpers import (
    HTMX,
    KEN_PACK_EAN,
    by_testid,
    count_testid,
    form,
    form_fields,
    make_shop,
    post_fields,
    replace,
    sign_in,
    texts,
)


def _intake(*lines: tuple[str, int], channel: str = "api", name: str = "Анна Петрова",
            phone: str = "+7 916 123-45-67", email: str = "anna@example.ru", **extra) -> OrderIntake:
    return OrderIntake(channel=channel, lines=[IntakeLine(sku=sku, qty=qty, price=89000) for sku, qty in lines],
                       customer=CustomerInput(name=name, phone=phone, email=email), **extra)


async def _orders(shop) -> tuple:
    """Three orders: A (api, reserved), B (site, confirmed, 2 units short), C (phone, prepaid, unpaid)."""
    await receive(shop.warehouses["MAIN"], (shop.variants["KEN-250"], 5, 40000), (shop.variants["TEA-ASSAM"], 2, 20000))
    a = await intake_order(_intake(("KEN-250", 2)))
    b = await intake_order(_intake(("KEN-250", 5), channel="site", name="Борис Ёлкин", phone="8 903 000-00-01",
                                   email="boris@example.ru"))
    await change_status(b.order_id, "confirmed", actor="manager")
    c = await intake_order(_intake(("TEA-ASSAM", 1), channel="phone", name="Вера Сидорова", phone="+7 999 111-22-33",
                                   email="vera@example.ru", payment=PaymentInput(method="prepaid_online")))
    return a, b, c


async def test_the_board_filters_pages_in_place_and_the_card_shows_everything(client):
    shop = await make_shop()
    a, b, c = await _orders(shop)
    await sign_in(client, "cashier")  # cashiers read the board and the cards

    board = await client.get("/manager/orders")
    assert board.status_code == 200 and by_testid(board.text, "order-link") == [c.number, b.number, a.number]
    assert "Заказы" in board.text and 'data-live-orders="/manager/orders/live"' in board.text
    assert 'data-testid="new-order"' not in board.text  # phone orders are for managers
    assert "Подтверждён" in texts(board.text) and "не хватает: 2" in texts(board.text)  # shop's label, shortage
    assert "1\u202f780,00\u00a0₽" in board.text  # 2 × 890 ₽, formatted as the catalog does

    async def numbers(**params) -> list[str]:
        response = await client.get("/manager/orders", params=params, headers=HTMX)
        assert response.status_code == 200 and "<html" not in response.text
        assert response.headers["vary"] == "HX-Request"
        return by_testid(response.text, "order-link")

    assert await numbers(status="confirmed") == [b.number]
    assert await numbers(channel="phone") == [c.number]
    assert await numbers(q="8 (903) 000 00 01") == [b.number]  # a phone in any format
    assert await numbers(q="vera@example") == [c.number]
    assert await numbers(q=a.number) == [a.number]
    assert await numbers(q="ёлкин") == [b.number]
    assert await numbers(**{"from": "2000-01-01", "to": "2999-12-31"}) == [c.number, b.number, a.number]
    assert await numbers(**{"to": "2000-01-01"}) == []
    bad = await client.get("/manager/orders", params={"from": "вчера"}, headers=HTMX)
    assert bad.status_code == 200 and "вчера — не дата" in texts(bad.text)

    card = await client.get(f"/manager/orders/{b.order_id}")
    assert card.status_code == 200
    page = texts(card.text)
    assert f"Заказ {b.number}" in page and "Борис Ёлкин" in page
    assert by_testid(card.text, "line-reserved") == ["3"] and "short-qty" in card.text
    customer = (await get_order(b.order_id))["customer"]["id"]
    assert f'href="/manager/customers/{customer}"' in card.text
    assert count_testid(card.text, "history-entry") == 2
    assert 'data-testid="status-actions"' not in card.text and 'data-testid="payment-form"' not in card.text
    refused = await client.post(f"/manager/orders/{b.order_id}/status", data=form(client, to="picking"))
    assert refused.status_code == 403
    assert (await client.get("/manager/orders/99999")).status_code == 404


async def test_status_changes_refusals_payments_rereserve_and_the_manager(client):
    shop = await make_shop()
    a, b, c = await _orders(shop)
    await create_user("olga", "demo", ["manager"], full_name="Ольга Петрова")
    await sign_in(client, "manager")

    card = await client.get(f"/manager/orders/{a.order_id}")
    buttons = re.findall(r'data-testid="to-(\w+)"', card.text)
    assert buttons == ["confirmed"] and 'data-testid="cancel-form"' in card.text  # cancel: behind a confirmation
    assert "/manager/notifications/log?q=%D0%97-" in card.text

    done = await client.post(f"/manager/orders/{a.order_id}/status", data=form(client, to="confirmed", comment="ок"),
                             follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/manager/orders/{a.order_id}"
    shown = await client.get(f"/manager/orders/{a.order_id}")
    assert "Статус заказа: «Подтверждён»" in texts(shown.text) and by_testid(shown.text, "history-comment") == ["ок"]

    jump = await client.post(f"/manager/orders/{a.order_id}/status", data=form(client, to="delivered"))
    assert jump.status_code == 409 and f"Заказ {a.number} нельзя перевести" in texts(jump.text)
    junk = await client.post(f"/manager/orders/{a.order_id}/status", data=form(client, to="lost"))
    assert junk.status_code == 422 and "Неизвестный статус заказа lost" in texts(junk.text)
    assert (await get_order(a.order_id))["status"] == "confirmed"

    for step in ("confirmed", "picking", "packed"):  # the prepaid order cannot leave unpaid
        await change_status(c.order_id, step)
    card = await client.get(f"/manager/orders/{c.order_id}")
    assert 'data-testid="to-out_for_delivery"' not in card.text and 'data-testid="blocked-out_for_delivery"' in card.text
    forced = await client.post(f"/manager/orders/{c.order_id}/status", data=form(client, to="out_for_delivery"))
    assert forced.status_code == 409 and "не оплачен полностью" in texts(forced.text)
    bad = await client.post(f"/manager/orders/{c.order_id}/payments", data=form(client, amount="сто", method="sbp"))
    assert bad.status_code == 422 and 'id="err-amount"' in bad.text and 'value="сто"' in bad.text
    paid = await client.post(f"/manager/orders/{c.order_id}/payments",
                             data=form(client, amount="890,00", method="prepaid_online"), follow_redirects=True)
    assert paid.status_code == 200 and "Оплата 890,00" in texts(paid.text)
    assert 'data-testid="to-out_for_delivery"' in paid.text

    await receive(shop.warehouses["MAIN"], (shop.variants["KEN-250"], 10, 40000))
    again = await client.post(f"/manager/orders/{b.order_id}/rereserve", data=form(client), follow_redirects=True)
    assert "Зарезервировано ещё 2 шт." in texts(again.text) and 'data-testid="rereserve"' not in again.text

    chosen = await client.post(f"/manager/orders/{b.order_id}/manager", data=form(client, manager="olga"),
                               follow_redirects=True)
    assert by_testid(chosen.text, "order-manager-name") == ["olga"]
    assert by_testid((await client.get("/manager/orders", params={"manager": "olga"}, headers=HTMX)).text,
                     "order-link") == [b.number]

    cancel = await client.post(f"/manager/orders/{b.order_id}/status",
                               data=form(client, to="cancelled", comment="клиент передумал"), follow_redirects=True)
    assert "Статус заказа: «Отменён»" in texts(cancel.text)
    assert (await get_order(b.order_id))["lines"][0]["reserved"] == 0


async def _scan(client, fields, code: str) -> list[tuple[str, str]]:
    response = await post_fields(client, "/manager/orders/new/lines", replace(fields, "code", code), headers=HTMX,
                                 action="scan")
    assert response.status_code == 200 and "<html" not in response.text, response.text
    return [f for f in fields if not f[0].startswith("line_") and f[0] != "code"] + form_fields(response.text)


async def test_an_order_by_phone_finds_the_customer_scans_lines_and_a_double_submit_makes_one(client):
    shop = await make_shop()
    await receive(shop.warehouses["MAIN"], (shop.variants["KEN-250"], 3, 40000))
    known = await find_or_create_customer(CustomerInput(name="Анна Петрова", phone="+7 916 123-45-67",
                                                        email="anna@example.ru"))
    await sign_in(client, "manager")
    page = await client.get("/manager/orders/new")
    assert page.status_code == 200 and "Заказ по телефону" in page.text
    fields = form_fields(page.text, "order-form")
    assert re.fullmatch(r"[0-9a-f]{32}", dict(fields)["form_id"])

    found = await client.get("/manager/orders/new/customers", params={"cq": "8 916 123 45 67"}, headers=HTMX)
    assert [int(x) for x in re.findall(r'data-customer-id="(\d+)"', found.text)] == [known]
    picked = await post_fields(client, "/manager/orders/new/customer", fields, headers=HTMX, pick_customer=known)
    assert 'hx-swap-oob="innerHTML"' in picked.text and 'value="+79161234567"' in picked.text
    fields = [f for f in fields if not f[0].startswith("customer_")] + form_fields(picked.text)

    fields = await _scan(client, fields, KEN_PACK_EAN)  # a box of 6: 6 units at the retail price
    assert ("line_qty", "6") in fields and ("line_price", "890,00") in fields
    fields = replace(fields, "delivery_date", "2030-05-06")
    fields = replace(replace(fields, "time_from", "10:00"), "time_to", "14:00")
    fields = replace(replace(fields, "address", "Москва, ул. Лесная, 5"), "delivery_cost", "300")

    first = await post_fields(client, "/manager/orders/new", fields, action="create")
    second = await post_fields(client, "/manager/orders/new", fields, action="create")  # the same form again
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert await Order.count() == 1
    order = await get_order(int(first.headers["location"].rsplit("/", 1)[1]))
    assert (order["channel"], order["customer"]["id"], order["total"]) == ("phone", known, 6 * 89000 + 30000)
    assert [(x["qty"], x["reserved"], x["shortage"]) for x in order["lines"]] == [(6, 3, 3)]
    assert order["delivery"]["window_start"].isoformat() == "2030-05-06T07:00:00+00:00"  # 10:00 in Moscow
    card = await client.get(first.headers["location"])
    page = texts(card.text)
    assert f"Заказ {order['number']} уже создан из этой формы" in page  # the flash of the second submit
    assert "Не хватает 3 шт." in page and "06.05.2030 10:00–14:00" in page


async def test_bad_phone_order_input_is_shown_next_to_the_fields_and_creates_nothing(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    fields = form_fields((await client.get("/manager/orders/new")).text, "order-form")
    empty = await post_fields(client, "/manager/orders/new", fields, action="create")
    assert empty.status_code == 422
    assert "Укажите телефон или e-mail покупателя" in texts(empty.text) and 'id="err-customer-phone"' in empty.text

    fields = await _scan(client, fields, "KEN-1000")
    fields = replace(fields, "line_qty", "два")
    fields = replace(replace(fields, "customer_phone", "12"), "customer_email", "not-an-email")
    fields = replace(replace(fields, "delivery_cost", "3,005"), "delivery_date", "завтра")
    bad = await post_fields(client, "/manager/orders/new", fields, action="create")
    assert bad.status_code == 422
    page = texts(bad.text)
    assert "Строка 1: количество должно быть целым числом" in page and 'id="line-0-err"' in bad.text
    assert 'id="err-dcost"' in bad.text and 'id="err-window"' in bad.text
    assert ("customer_email", "not-an-email") in form_fields(bad.text, "order-form")  # what was typed stays

    fields = replace(replace(replace(fields, "line_qty", "1"), "delivery_cost", ""), "delivery_date", "")
    still = await post_fields(client, "/manager/orders/new", fields, action="create")  # now intake refuses
    assert still.status_code == 422 and "12 — не номер телефона" in texts(still.text)
    assert 'id="err-customer-email"' in still.text
    assert await Order.count() == 0
    assert shop.variants  # the catalog was there all along


async def test_the_live_stream_sends_an_event_for_a_new_order_and_ends_when_the_client_goes(app):
    """The SSE endpoint on the test's own event loop: sign in, open the stream (raw ASGI, so the test
    decides when the client disconnects), take an order, run the outbox handler, read the event."""
    shop = await make_shop()
    await receive(shop.warehouses["MAIN"], (shop.variants["KEN-250"], 1, 40000))
    await create_user("manager", "demo", ["manager"])
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", follow_redirects=True) as web:
            await login(web, "manager")
            plain = await web.get("/manager/orders/live", follow_redirects=False)
            assert plain.status_code == 303 and plain.headers["location"] == "/manager/orders"
            cookie = "; ".join(f"{k}={v}" for k, v in web.cookies.items())
        chunks: list[bytes] = []
        got, gone = asyncio.Event(), asyncio.Event()
        started = {}

        async def receive_() -> dict:
            if not started:
                started["request"] = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                started["status"] = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                got.set()

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
                 "path": "/manager/orders/live", "raw_path": b"/manager/orders/live", "root_path": "",
                 "query_string": b"", "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80),
                 "headers": [(b"host", b"127.0.0.1"), (b"accept", b"text/event-stream"),
                             (b"cookie", cookie.encode())]}
        stream = asyncio.create_task(app(scope, receive_, send))

        async def until(predicate) -> None:
            while not predicate(b"".join(chunks).decode()):
                got.clear()
                await asyncio.wait_for(got.wait(), timeout=10)

        await until(lambda text: "event: ready" in text)
        assert started["status"] == 200
        result = await intake_order(_intake(("KEN-250", 1)))
        await change_status(result.order_id, "confirmed", actor="manager")
        while (await run_once()).claimed:
            pass
        await until(lambda text: text.count("event: order") >= 2)
        events = [json.loads(line[6:]) for line in b"".join(chunks).decode().splitlines()
                  if line.startswith("data: {\"")]
        mine = [e for e in events if e["number"] == result.number]  # Redis may carry other runs' news
        assert [(e["kind"], e["status"], e["from"]) for e in mine] == [("created", "new", None),
                                                                       ("status", "confirmed", "new")]
        gone.set()
        await asyncio.wait_for(stream, timeout=10)
        from litestar.channels import ChannelsPlugin

        assert not app.plugins.get(ChannelsPlugin)._channels.get(orders_channel())  # unsubscribed


async def test_without_an_app_on_its_loop_the_news_goes_straight_to_redis_or_nowhere(monkeypatch):
    """`kladovka worker` has no app: with REDIS_URL it publishes to Redis, where the servers' channels
    listen; with the memory backend nobody could hear it, so it does not try."""
    monkeypatch.setattr(live, "_bound", None)
    message = {"kind": "status", "order_id": 7, "number": "З-000007", "status": "confirmed", "from": "new"}
    url = get_settings().redis_url
    if not url:
        assert orders_channel() == "manager.orders" and await live.publish(orders_channel(), message) is False
        return
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe(orders_channel())
        assert await live.publish(orders_channel(), message) is True
        heard = []
        for _ in range(50):
            got = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.2)
            if got and json.loads(got["data"]).get("number") == "З-000007":
                heard.append(json.loads(got["data"]))
                break
        assert heard == [message] and orders_channel().startswith("manager.orders.db")
    finally:
        await pubsub.aclose()
        await client.aclose()
