"""The notification screens (owner: templates with preview; managers: the log and "send again"), the
tracking page's push endpoints, and the outbox worker started by the server itself."""

from __future__ import annotations

import asyncio
import base64
import os
import re

from harness import csrf_headers
from litestar.testing import AsyncTestClient

from server.db import write_tx
from server.domain.notify.deliveries import record_attempt
from server.domain.notify.push import subscriptions_for
from server.domain.notify.templates import get_template
from server.domain.outbox.events import emit
from server.domain.outbox.tables import OutboxEvent
from server.domain.outbox.worker import register, unregister
from server.domain.users.accounts import create_user
from tests.routes.admin_helpers import post_form, sign_in

HX = {"HX-Request": "true"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


async def _order_with_token(token: str) -> None:
    from customer_helpers import stocked, take

    from server.domain.orders.tables import Order

    await stocked(("KEN-250", 1))
    taken = await take(("KEN-250", 1))
    await Order.update({Order.tracking_token: token}).where(Order.id == taken.order_id)


async def test_the_owner_edits_a_message_with_a_preview(client):
    await create_user("boss", "secret1", ["owner"])
    await sign_in(client, "boss", "secret1")
    listing = await client.get("/manager/notifications")
    assert listing.status_code == 200
    assert "Уведомления покупателям" in listing.text and 'data-status="out_for_delivery"' in listing.text
    form = await client.get("/manager/notifications/confirmed/sms")
    assert form.status_code == 200 and "Отправлять это сообщение" in form.text
    shown = await client.post("/manager/notifications/confirmed/sms/preview",
                              data={"body": "Заказ {{ number }} на {{ total }} подтверждён"},
                              headers={**HX, **csrf_headers(client)})
    assert shown.status_code == 200
    assert "Заказ 1024 на 2 450 ₽ подтверждён http://" in shown.text and "<html" not in shown.text
    broken = await post_form(client, "/manager/notifications/confirmed/sms", {"body": "{{ number", "enabled": "on"})
    assert broken.status_code == 422 and "Ошибка в шаблоне" in broken.text
    no_csrf = await client.post("/manager/notifications/confirmed/sms", data={"body": "x"}, follow_redirects=False)
    assert no_csrf.status_code == 403
    saved = await post_form(client, "/manager/notifications/confirmed/sms", {"body": "Заказ {{ number }} в пути"})
    assert saved.status_code == 303 and saved.headers["location"] == "/manager/notifications"
    template = await get_template("confirmed", "sms")
    assert (template.body, template.enabled, template.customized) == ("Заказ {{ number }} в пути", False, True)
    assert (await client.get("/manager/notifications/confirmed/fax")).status_code == 404


async def test_a_manager_reads_the_log_and_sends_a_failed_event_again(client):
    await create_user("olga", "secret1", ["manager"])
    async with write_tx():
        eid = await emit("order.status_changed", {"number": "1024", "to": "confirmed", "notify": True})
    await OutboxEvent.update({OutboxEvent.status: "failed", OutboxEvent.attempts: 8,
                              OutboxEvent.last_error: "NotificationFailed: sms: 220 Сервис недоступен"}).where(
        OutboxEvent.event_id == eid)
    await record_attempt(eid, "email", "anna@example.com", order_number="1024", order_status="confirmed")
    await record_attempt(eid, "sms", "79161234567", order_number="1024", order_status="confirmed",
                         error="SmsFailed: 220 Сервис недоступен")
    await sign_in(client, "olga", "secret1")
    assert (await client.get("/manager/notifications")).status_code == 403  # templates are the owner's
    page = await client.get("/manager/notifications/log")
    assert page.status_code == 200 and "220 Сервис недоступен" in page.text
    assert page.text.count('data-testid="delivery-row"') == 2 and 'data-testid="failed-event"' in page.text
    failed_only = await client.get("/manager/notifications/log?status=failed&q=8%20(916)%20123", headers=HX)
    assert failed_only.text.count('data-testid="delivery-row"') == 1 and "<html" not in failed_only.text
    again = await post_form(client, f"/manager/notifications/log/retry/{eid}", {})
    assert again.status_code == 303
    row = await OutboxEvent.select().where(OutboxEvent.event_id == eid).first()
    assert (row["status"], row["attempts"]) == ("pending", 0)


async def test_the_tracking_page_gets_the_push_key_and_subscribes(client):
    key = await client.get("/t/push/key")
    assert key.status_code == 200
    raw = base64.urlsafe_b64decode(key.json()["public_key"] + "==")
    assert len(raw) == 65 and raw[0] == 4
    assert (await client.get("/t/push/key")).json() == key.json()  # one key, kept
    subscription = {"endpoint": "https://push.example.net/send/xyz", "expirationTime": None,
                    "keys": {"p256dh": _b64(b"\x04" + os.urandom(64)), "auth": _b64(os.urandom(16))}}
    await _order_with_token("trk_AbCdEf0123456789")  # only a real order's token takes subscriptions
    created = await client.post("/t/trk_AbCdEf0123456789/push", json=subscription)  # no CSRF token: public JSON
    assert created.status_code == 201 and created.json() == {"subscribed": True}
    assert len(await subscriptions_for("trk_AbCdEf0123456789")) == 1
    refused = await client.post("/t/trk_AbCdEf0123456789/push", json={"endpoint": "http://127.0.0.1:6379/"})
    assert refused.status_code == 422 and refused.json()["subscribed"] is False
    assert any("https://" in m for m in refused.json()["errors"])
    unknown = await client.post("/t/bad/push", json=subscription)
    assert unknown.status_code == 404


async def test_the_server_runs_the_outbox_worker_when_asked(monkeypatch):
    from server.app import create_app

    seen: list[str] = []

    async def handler(event):
        seen.append(event.payload["word"])

    monkeypatch.setenv("KLADOVKA_WORKER", "inline")
    register("test.inline", handler)
    app = create_app()
    try:
        async with AsyncTestClient(app=app, base_url="http://127.0.0.1"):
            task = app.state.outbox_task
            assert task is not None and not task.done()
            async with write_tx():
                await emit("test.inline", {"word": "привет"})
            for _ in range(200):  # the worker polls every second
                if seen:
                    break
                await asyncio.sleep(0.05)
            assert seen == ["привет"]
        assert app.state.outbox_task is None and task.done()
    finally:
        unregister("test.inline")
    assert re.fullmatch(r"done", (await OutboxEvent.select(OutboxEvent.status).first())["status"])
