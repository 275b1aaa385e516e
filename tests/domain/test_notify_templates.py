"""Notification templates and messages: the built-in Russian texts, the owner's edits (checked, audited,
reset), the variables (money, delivery window in the shop's zone, tracking link), the sandbox, and push
subscriptions as the tracking page sends them."""

from __future__ import annotations

import base64
import os

import pytest

from server.domain.audit.log import history
from server.domain.notify.defaults import OTHER
from server.domain.notify.handler import normalise_phone
from server.domain.notify.message import delivery_window, render, roubles, variables
from server.domain.notify.providers import Providers, configure
from server.domain.notify.push import MAX_PER_TOKEN, parse_subscription, subscribe, subscriptions_for
from server.domain.notify.templates import (
    get_template,
    list_templates,
    preview,
    reset_template,
    save_template,
    template_for,
)
from server.errors import NotFound, ValidationFailed
from server.integrations.message_templates import SandboxedTextRenderer


@pytest.fixture(autouse=True)
def providers():
    configure(Providers(renderer=SandboxedTextRenderer(), base_url="https://shop.example/", timezone="Asia/Yekaterinburg"))
    yield
    configure(Providers())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _subscription(endpoint: str = "https://push.example.net/send/abc") -> dict:
    return {"endpoint": endpoint, "keys": {"p256dh": _b64(b"\x04" + os.urandom(64)), "auth": _b64(os.urandom(16))}}


def test_money_windows_and_phones_read_the_russian_way():
    assert [roubles(v) for v in (245000, 12345, 99, 0, 123456789)] == [
        "2 450 ₽", "123,45 ₽", "0,99 ₽", "0 ₽", "1 234 567,89 ₽"]
    zone = "Europe/Moscow"
    assert delivery_window("2026-11-26T07:00:00Z", "2026-11-26T11:00:00+00:00", zone) == "26.11 с 10:00 до 14:00"
    assert delivery_window("2026-11-26T19:00:00Z", "2026-11-27T09:00:00Z", zone) == "26.11 22:00 — 27.11 12:00"
    assert delivery_window("2026-11-26T07:00:00Z", None, zone) == "26.11 с 10:00"
    assert delivery_window(None, "garbage", zone) == ""
    assert [normalise_phone(p) for p in ("+7 (916) 123-45-67", "8 916 123 45 67", "9161234567", "12", None)] == [
        "79161234567", "79161234567", "79161234567", "", ""]


def test_the_variables_come_from_the_payload_alone():
    values = variables({"number": "A-7", "to": "out_for_delivery", "status_label": "Везём", "total": 150050,
                        "tracking_token": "tok_1234567890", "customer": {"name": "Иван"},
                        "delivery": {"window_start": "2026-11-26T05:00:00Z", "window_end": "2026-11-26T07:00:00Z"}})
    assert values["tracking_url"] == "https://shop.example/t/tok_1234567890"
    assert values["delivery_window"] == "26.11 с 10:00 до 12:00"  # the shop's zone: Yekaterinburg, UTC+5
    assert (values["total"], values["status_label"], values["customer_name"]) == ("1 500,50 ₽", "Везём", "Иван")


async def test_every_status_has_russian_messages_on_three_channels():
    rows = await list_templates()
    assert [r["status"] for r in rows][:3] == ["new", "confirmed", "picking"] and rows[-1]["status"] == OTHER
    for row in rows:
        assert set(row["channels"]) == {"email", "sms", "push"}
        for template in row["channels"].values():
            assert template.enabled and not template.customized
            assert "аказ" in template.subject + template.body
    assert (await template_for("some_new_status", "sms")).status == OTHER


async def test_the_owner_edits_a_message_and_gets_the_built_in_one_back():
    saved = await save_template("delivered", "sms", subject="ignored", body="Заказ {{ number }} у вас! Оцените нас",
                                enabled=False, actor="owner")
    assert (saved.subject, saved.body, saved.enabled, saved.customized) == (
        "", "Заказ {{ number }} у вас! Оцените нас", False, True)
    values = variables({"number": "42", "tracking_token": "tok_1234567890"})
    message = render("sms", saved.subject, saved.body, values)
    assert message.body == "Заказ 42 у вас! Оцените нас https://shop.example/t/tok_1234567890"  # link appended
    [entry] = await history("notification_template", "delivered:sms")
    assert entry["changes"]["enabled"] == {"old": True, "new": False}
    back = await reset_template("delivered", "sms", actor="owner")
    assert not back.customized and back.enabled is False
    assert (await get_template("delivered", "sms")).body == back.body


async def test_a_broken_or_empty_template_is_refused_with_every_problem():
    with pytest.raises(ValidationFailed) as caught:
        await save_template("confirmed", "email", subject="", body="Заказ {{ number ", enabled=True, actor="owner")
    fields = {p.field for p in caught.value.problems}
    assert fields == {"subject", "body"}
    assert any("The template has an error" in p.message for p in caught.value.problems)
    with pytest.raises(ValidationFailed):
        await save_template("confirmed", "push", subject="x" * 101, body="ok", enabled=True, actor="owner")
    with pytest.raises(NotFound):
        await save_template("confirmed", "fax", subject="a", body="b", enabled=True, actor="owner")
    with pytest.raises(NotFound):
        await get_template("Robert'); DROP", "email")
    assert not (await get_template("confirmed", "email")).customized


def test_the_preview_renders_a_sample_order_and_the_sandbox_holds():
    message = preview("confirmed", "email", "Заказ {{ number }}", "{{ customer_name }}, ждём вас {{ delivery_date }}")
    assert message.subject == "Заказ 1024"
    assert message.body.startswith("Анна Петрова, ждём вас 26.11.2026")
    assert message.body.endswith("https://shop.example/t/sample-tracking-token")
    for sneaky in ("{{ number.__class__.__mro__ }}", "{{ [].append(1) }}", "{{ cycler.__init__.__globals__ }}"):
        with pytest.raises(ValidationFailed) as caught:
            preview("confirmed", "sms", "", sneaky)
        assert caught.value.field == "body" and "not allowed" in caught.value.params["error"]


async def test_a_push_subscription_is_checked_kept_once_and_capped():
    sub = _subscription()
    await subscribe("trk_AbCdEf0123456789", sub)
    await subscribe("trk_AbCdEf0123456789", sub)  # the browser subscribes again: still one
    assert await subscriptions_for("trk_AbCdEf0123456789") == [{"endpoint": sub["endpoint"], "keys": sub["keys"]}]
    for n in range(MAX_PER_TOKEN + 2):
        await subscribe("trk_AbCdEf0123456789", _subscription(f"https://push.example.net/send/{n}"))
    assert len(await subscriptions_for("trk_AbCdEf0123456789")) == MAX_PER_TOKEN
    with pytest.raises(NotFound):
        await subscribe("short", sub)
    with pytest.raises(ValidationFailed) as caught:
        parse_subscription({"endpoint": "http://10.0.0.1/", "keys": {"p256dh": "AAAA", "auth": "!"}})
    assert {p.field for p in caught.value.problems} == {"endpoint", "keys.p256dh", "keys.auth"}
    for bad in ("not json", b"[1]", {"endpoint": 5}):
        with pytest.raises(ValidationFailed):
            parse_subscription(bad)


async def test_the_orders_side_can_plug_in_its_own_token_check():
    async def only_known(token: str) -> bool:
        return token == "trk_Known000000000"

    configure(token_exists=only_known)
    await subscribe("trk_Known000000000", _subscription())
    with pytest.raises(NotFound):
        await subscribe("trk_Unknown00000000", _subscription())
