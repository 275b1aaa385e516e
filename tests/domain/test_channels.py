"""Sales channels: create with validation, change, deactivate, audit without secrets, default channels."""

from __future__ import annotations

import json

import pytest

from server.domain.audit.log import history
from server.domain.channels.channels import (
    create_channel,
    deactivate_channel,
    find_channel,
    get_channel,
    list_channels,
    rotate_feed_token,
    update_channel,
)
from server.domain.channels.tables import SalesChannel
from server.errors import Conflict, NotFound, ValidationFailed


async def test_create_and_read_a_webhook_channel():
    made = await create_channel("woo-main", "Сайт на WooCommerce", "woocommerce", secret="s3cret-value-123",
                                settings={"schedule_seconds": 120, "warehouses": ["MAIN"]}, actor="owner")
    got = await get_channel("woo-main")
    assert got == made
    assert (got.kind, got.active, got.secret, got.schedule_seconds, got.warehouse_codes, got.price_type) == (
        "woocommerce", True, "s3cret-value-123", 120, ["MAIN"], "retail")
    assert got.secret_hint == "••••-123"
    assert "s3cret" not in repr(got)


async def test_every_problem_is_reported_at_once_and_nothing_is_written():
    with pytest.raises(ValidationFailed) as caught:
        await create_channel("Bad Code!", "", "fax", settings={"exchange_url": "ftp://x", "schedule_seconds": 5,
                                                               "warehouses": "MAIN"})
    fields = sorted(p.field for p in caught.value.problems)
    assert fields == ["code", "kind", "name", "settings.exchange_url", "settings.schedule_seconds",
                      "settings.warehouses"]
    assert await SalesChannel.count() == 0


async def test_codes_are_unique():
    await create_channel("site", "Сайт", "commerceml_site")
    with pytest.raises(Conflict):
        await create_channel("site", "Другой сайт", "commerceml_site")


async def test_the_audit_log_never_holds_the_secret_or_the_feed_token():
    ch = await create_channel("market", "Маркет", "yml", secret="very-secret-password")
    assert len(ch.feed_token) >= 16  # feeds get a token when none is given
    await update_channel("market", secret="another-secret-value", name="Яндекс Маркет", actor="owner")
    text = json.dumps(await history("sales_channel", ch.id), ensure_ascii=False, default=str)
    assert "very-secret" not in text and "another-secret" not in text and ch.feed_token not in text
    assert "channel.create" in text and "channel.update" in text and "Яндекс Маркет" in text


async def test_update_returns_what_changed_and_keeps_the_feed_token():
    ch = await create_channel("market", "Маркет", "yml")
    diff = await update_channel("market", settings={"price_type": "wholesale"})
    assert diff["settings"][1] == {"price_type": "wholesale", "feed_token": ch.feed_token}
    assert await update_channel("market", settings={"price_type": "wholesale"}) == {}
    token = await rotate_feed_token("market")
    assert token != ch.feed_token and (await get_channel("market")).feed_token == token


async def test_deactivate():
    await create_channel("woo", "Woo", "woocommerce", secret="x" * 20)
    assert await deactivate_channel("woo") is True
    assert (await get_channel("woo")).active is False
    assert await deactivate_channel("woo") is False


async def test_api_and_phone_always_exist():
    assert await SalesChannel.count() == 0
    api = await get_channel("api")
    assert (api.kind, (await get_channel("phone")).kind) == ("api", "phone")
    assert [c.code for c in await list_channels()] == ["api", "phone"]
    with pytest.raises(NotFound):
        await get_channel("nowhere")
    assert await find_channel("nowhere") is None
