"""Customer notifications delivered to real peers on loopback through the outbox worker: the mail
arrives at an SMTP server, the SMS at an SMS.ru-style gateway (errors → backoff → one SMS), the web
push at an endpoint that decrypts it with the subscriber's keys."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from notify_peers import http_peers, smtp_server, status_changed

from server.db import write_tx
from server.domain.notify.deliveries import DeliveryFilter, search_deliveries
from server.domain.notify.handler import register_handlers
from server.domain.notify.providers import Providers, configure
from server.domain.notify.push import subscribe, subscriptions_for
from server.domain.notify.tables import PushSubscription
from server.domain.notify.templates import set_enabled
from server.domain.outbox.events import emit
from server.domain.outbox.tables import OutboxEvent
from server.domain.outbox.worker import RetryPolicy, Worker
from server.integrations.email import SmtpSender, parse_smtp_url
from server.integrations.message_templates import SandboxedTextRenderer
from server.integrations.sms import SmsRuGateway, SmsSettings
from server.integrations.webpush import WebPushSender, public_key_b64

BASE_URL = "https://shop.example"
TOPIC = "order.status_changed"
TRACKING = f"{BASE_URL}/t/trk_AbCdEf0123456789"


@pytest.fixture
async def peers(tmp_path):
    """SMTP + SMS gateway + push service on loopback, registered as the notification providers."""
    async with smtp_server() as (smtp_port, inbox), http_peers() as (gateway, push):
        url = f"smtp://127.0.0.1:{smtp_port}?from=shop@example.com&from_name=Кофейная%20лавка"
        sender = WebPushSender(tmp_path, subject="mailto:owner@example.com")
        configure(Providers(email=SmtpSender(parse_smtp_url(url)),
                            sms=SmsRuGateway(SmsSettings(url=gateway.url, api_key="test-key", timeout=5)),
                            push=sender, renderer=SandboxedTextRenderer(), base_url=BASE_URL,
                            timezone="Europe/Moscow", push_allow_http=True))
        register_handlers()
        yield {"inbox": inbox, "gateway": gateway, "push": push, "vapid": sender}
    configure(Providers())


async def _emit(payload: dict) -> uuid.UUID:
    async with write_tx():
        return await emit(TOPIC, payload)


async def _event(eid: uuid.UUID) -> dict:
    return await OutboxEvent.select().where(OutboxEvent.event_id == eid).first()


async def _make_due(eid: uuid.UUID) -> None:
    await OutboxEvent.update({OutboxEvent.available_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        OutboxEvent.event_id == eid)


async def _replay(eid: uuid.UUID) -> None:
    """What at-least-once delivery may do: the same event handled again (e.g. a worker died after
    sending, before marking it done)."""
    await OutboxEvent.update({OutboxEvent.status: "pending", OutboxEvent.locked_by: "",
                              OutboxEvent.available_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        OutboxEvent.event_id == eid)


async def test_the_customer_gets_a_russian_email_with_the_tracking_link(peers):
    await set_enabled("confirmed", "sms", False, actor="owner")  # only the e-mail here
    eid = await _emit(status_changed("confirmed", phone=""))
    assert (await Worker().run_once()).done == 1
    [mail] = peers["inbox"]
    assert mail.rcpt_tos == ["anna@example.com"] and mail.mail_from == "shop@example.com"
    message = mail.message
    assert message["Subject"] == "Заказ № 1024 подтверждён"
    assert b"Subject: =?utf-8?" in mail.raw  # non-ASCII headers travel RFC 2047-encoded
    assert message["From"].addresses[0].display_name == "Кофейная лавка"
    body = message.get_content()
    assert body.startswith("Здравствуйте, Анна Петрова!")
    assert "на сумму 2 450 ₽ подтверждён" in body
    assert "Доставка: 26.11 с 10:00 до 14:00, Москва, ул. Лесная, 5." in body  # 07:00 UTC in Moscow
    assert TRACKING in body
    [row], _n = await search_deliveries(DeliveryFilter(event_id=eid))
    assert (row["channel"], row["recipient"], row["status"], row["order_number"]) == (
        "email", "anna@example.com", "sent", "1024")
    await _replay(eid)
    assert (await Worker().run_once()).done == 1
    assert len(peers["inbox"]) == 1  # a replayed event does not mail twice


async def test_sms_gateway_errors_are_retried_with_backoff_and_the_sms_goes_out_once(peers):
    gateway = peers["gateway"]
    gateway.answers = [(503, "busy"), (200, {"status": "ERROR", "status_code": 220,
                                             "status_text": "Сервис временно недоступен"})]
    worker = Worker(RetryPolicy(max_attempts=5, base_delay=10))
    eid = await _emit(status_changed("out_for_delivery"))
    for attempt, error in ((1, "HTTP 503"), (2, "220 Сервис временно недоступен")):
        before = datetime.now(UTC)
        assert (await worker.run_once()).retried == 1
        event = await _event(eid)
        assert (event["status"], event["attempts"]) == ("pending", attempt)
        assert error in event["last_error"]
        assert event["available_at"] >= before + timedelta(seconds=10 * 2 ** (attempt - 1))
        await _make_due(eid)
    assert (await worker.run_once()).done == 1
    assert (await _event(eid))["status"] == "done"
    assert len(gateway.requests) == 3
    sms = gateway.requests[-1]
    assert (sms["api_id"], sms["to"], sms["json"]) == ("test-key", "79161234567", "1")
    assert sms["msg"].startswith("Заказ № 1024 передан курьеру. Доставка: 26.11 с 10:00 до 14:00.")
    assert sms["msg"].endswith(TRACKING)
    assert len(peers["inbox"]) == 1  # the e-mail went out at the first attempt and was not re-sent
    rows, _n = await search_deliveries(DeliveryFilter(event_id=eid, channel="sms"))
    assert [(r["status"], r["attempts"], r["error"]) for r in rows] == [("sent", 3, "")]
    await _replay(eid)
    await worker.run_once()
    assert len(gateway.requests) == 3 and len(peers["inbox"]) == 1  # no duplicate SMS, no second mail


async def test_the_push_endpoint_decrypts_the_message_with_the_subscribers_keys(peers):
    push = peers["push"]
    await subscribe("trk_AbCdEf0123456789", push.new_subscription("anna-phone"))
    await subscribe("trk_AbCdEf0123456789", push.new_subscription("anna-laptop"))
    await subscribe("trk_SomeoneElse000000", push.new_subscription("stranger"))
    eid = await _emit(status_changed("confirmed", email="", phone=""))
    assert (await Worker().run_once()).done == 1
    assert sorted(r["path"] for r in push.received) == ["/push/anna-laptop", "/push/anna-phone"]
    first = push.received[0]
    assert first["message"] == {"title": "Заказ № 1024 подтверждён",
                                "body": "Ваш заказ на сумму 2 450 ₽ подтверждён, мы начинаем его собирать.",
                                "url": TRACKING, "tag": "order-1024"}
    assert first["encoding"] == "aes128gcm"
    assert first["vapid"]["sub"] == "mailto:owner@example.com"
    assert first["vapid"]["k"] == public_key_b64(peers["vapid"].vapid)
    rows, _n = await search_deliveries(DeliveryFilter(event_id=eid))
    assert {(r["channel"], r["status"]) for r in rows} == {("push", "sent")} and len(rows) == 2


async def test_a_push_subscription_the_service_forgot_is_dropped_not_retried(peers):
    push = peers["push"]
    push.answer_status = 410
    await subscribe("trk_AbCdEf0123456789", push.new_subscription("old-browser"))
    eid = await _emit(status_changed("confirmed", email="", phone=""))
    assert (await Worker().run_once()).done == 1
    assert await subscriptions_for("trk_AbCdEf0123456789") == []
    assert await PushSubscription.count() == 0
    [row], _n = await search_deliveries(DeliveryFilter(event_id=eid))
    assert (row["status"], row["error"]) == ("failed", "the subscription has expired")


async def test_nothing_is_sent_when_the_status_does_not_notify_or_the_channel_is_off(peers):
    await _emit(status_changed("picking", notify=False))
    await set_enabled("confirmed", "email", False, actor="owner")
    await _emit(status_changed("confirmed"))
    assert (await Worker().run_once()).done == 2
    assert peers["inbox"] == []
    assert len(peers["gateway"].requests) == 1  # only the SMS of "confirmed"


async def test_kladovka_worker_once_mails_what_is_due_from_its_own_process():
    """`kladovka worker --once` as a real process, configured only by the environment."""
    import asyncio
    import os
    import subprocess
    import sys

    from server.config import PROJECT_ROOT

    async with smtp_server() as (port, inbox):
        eid = await _emit(status_changed("delivered", phone=""))
        env = {**os.environ, "SMTP_URL": f"smtp://127.0.0.1:{port}?from=shop@example.com",
               "BASE_URL": "https://coffee.example", "SMS_API_KEY": ""}
        result = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "server.cli", "worker", "--once"],
                                         capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=120)
        assert result.returncode == 0, result.stderr
        assert "worker: 1 events handled" in result.stdout
    [mail] = inbox
    assert mail.message["Subject"] == "Заказ № 1024 доставлен"
    assert "https://coffee.example/t/trk_AbCdEf0123456789" in mail.message.get_content()
    assert (await _event(eid))["status"] == "done"
