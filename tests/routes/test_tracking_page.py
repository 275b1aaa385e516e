"""The customer's tracking page /t/<token>: status, timeline, delivery window in the shop's time zone,
nothing personal beyond the first name; a Russian 404 for an unknown token; the push worker and the
subscription accepted only for a real order."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime

from customer_helpers import stocked, take, token_of
from manager_helpers import by_testid, count_testid, texts

from server.domain.notify.push import subscriptions_for
from server.domain.orders.dto import DeliveryInput
from server.domain.orders.status import change_status


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _subscription() -> dict:
    return {"endpoint": "https://push.example.net/send/abc", "expirationTime": None,
            "keys": {"p256dh": _b64(b"\x04" + os.urandom(64)), "auth": _b64(os.urandom(16))}}


async def _order():
    await stocked(("KEN-250", 5))
    window = DeliveryInput(method="courier", address="Москва, ул. Тверская, д. 7, кв. 12",
                           window_start=datetime(2026, 12, 1, 7, 0, tzinfo=UTC),
                           window_end=datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    order = await take(("KEN-250", 1), delivery=window,
                       customer={"name": "Анна Петрова", "email": "anna@example.ru", "phone": "+7 916 123-45-67",
                                 "inn": "7707083893", "company": "ООО Ромашка"})
    await change_status(order.order_id, "confirmed")
    return order, await token_of(order.order_id)


async def test_the_page_shows_the_status_timeline_and_window_and_nothing_personal(client):
    order, token = await _order()
    page = await client.get(f"/t/{token}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["referrer-policy"] == "no-referrer" and "private" in page.headers["cache-control"]
    text = texts(page.text)
    assert by_testid(page.text, "tracking-number") == [f"Заказ {order.number}"]
    assert "Здравствуйте, Анна!" in text
    assert by_testid(page.text, "tracking-status") == ["Подтверждён"]
    steps = [s.split("<")[0] for s in by_testid(page.text, "tracking-step")]
    assert steps == ["Новый", "Подтверждён"] and count_testid(page.text, "tracking-ahead") == 4
    assert "01.12.2026, 10:00–13:00" in text  # 07:00–10:00 UTC shown in Moscow time
    assert "Доставка курьером" in text
    for personal in ("Петрова", "anna@example.ru", "9161234567", "7707083893", "Ромашка", "Тверская"):
        assert personal not in page.text, personal
    assert 'data-testid="tracking-subscribe"' in page.text and 'id="push" hidden' in page.text  # shown by script
    assert "<script src=" not in page.text and 'rel="stylesheet"' not in page.text  # one request
    assert len(page.content) < 12_000


async def test_an_unknown_token_gets_a_russian_404(client):
    for token in ("no-such-token-123456", "x" * 200):
        page = await client.get(f"/t/{token}")
        assert page.status_code == 404 and "Заказ не найден" in page.text
        assert 'data-testid="tracking-missing"' in page.text


async def test_the_worker_is_served_and_only_a_real_order_takes_a_subscription(client):
    order, token = await _order()
    worker = await client.get("/t/sw.js")
    assert worker.status_code == 200 and worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["service-worker-allowed"] == "/t/"
    assert "showNotification" in worker.text and "notificationclick" in worker.text
    created = await client.post(f"/t/{token}/push", json=_subscription())  # public JSON: no CSRF token
    assert created.status_code == 201 and created.json() == {"subscribed": True}
    assert len(await subscriptions_for(token)) == 1
    unknown = await client.post("/t/AbCdEfGhIjKlMnOpQrSt/push", json=_subscription())  # well-formed, no order
    assert unknown.status_code == 404 and unknown.json()["subscribed"] is False
    assert await subscriptions_for("AbCdEfGhIjKlMnOpQrSt") == []
    assert order.number
