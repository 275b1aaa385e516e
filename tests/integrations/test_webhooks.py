"""Shop webhooks: signatures on the raw body (good, bad, missing), the WooCommerce ping, the real
fixture payloads mapped to order intakes, and deliveries becoming orders exactly once."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from server.domain.audit.log import history
from server.domain.channels.channels import create_channel
from server.errors import ValidationFailed
from server.integrations.webhooks import shopify, woocommerce
from server.integrations.webhooks._money import kopecks, spread, unit_price
from server.integrations.webhooks.receive import parse_body
from server.integrations.webhooks.signature import sign, verify
from tests.domain.stock_helpers import make_variant, make_warehouse, receive
from tests.routes.api_helpers import assert_problem

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "webhooks"
WOO = (FIXTURES / "woocommerce_order_created.json").read_bytes()
SHOPIFY = (FIXTURES / "shopify_order_rest_fixture.json").read_bytes()
PING = (FIXTURES / "woocommerce_ping.urlencoded.txt").read_bytes()
SECRET = "kladovka-test-secret"  # the known-good signatures in fixtures/webhooks/SOURCES.md use it
WOO_SIG = "jjjVm1UUZgwME0nRqzhEp/sIvbQOqGg+5r7PzfRXCCU="
SHOPIFY_SIG = "YBibLUjIOU1mc9n7OpHf6F4ineortcgw3RDRusEVFTE="


def test_signatures_match_the_known_good_ones_and_money_is_exact():
    assert sign(SECRET, WOO) == WOO_SIG and sign(SECRET, SHOPIFY) == SHOPIFY_SIG
    assert verify(SECRET, WOO, WOO_SIG)
    assert not verify(SECRET, WOO + b" ", WOO_SIG)  # one byte more: re-serialised JSON never passes
    assert not verify(SECRET, WOO, SHOPIFY_SIG)
    assert not verify("", WOO, sign("", WOO))  # no secret configured: nothing passes
    assert not verify(SECRET, WOO, None) and not verify(SECRET, WOO, "жжж")
    assert [kopecks(v, "x") for v in ("12.00", "0.9", 3, Decimal("1.345"), None, "")] == [1200, 90, 300, 135, 0, 0]
    with pytest.raises(ValidationFailed):
        kopecks(0.1, "x")
    with pytest.raises(ValidationFailed):
        kopecks("12,50", "x")
    assert spread(1194, [19900, 19900, 19900]) == [398, 398, 398] and sum(spread(100, [1, 1, 1])) == 100
    assert unit_price(645, 645, 2) == (323, 1)  # 6.45 for two: 3.23 each, a kopeck of rounding off


def test_the_woocommerce_fixture_maps_to_an_intake():
    intake = woocommerce.map_order(parse_body(WOO), "woo")
    assert (intake.channel, intake.external_id) == ("woo", "727")
    assert (intake.customer.name, intake.customer.email, intake.customer.phone) == (
        "John Doe", "john.doe@example.com", "(555) 555-5555")
    first, second = intake.lines
    # prices include the tax WooCommerce keeps beside the line: (subtotal + subtotal_tax) / qty
    assert (first.sku, first.qty, first.price, first.discount, first.name) == ("", 2, 323, 1, "Woo Single #1")
    assert (second.sku, second.qty, second.price, second.discount) == ("Bar3", 1, 1290, 0)
    assert second.name == "Ship Your Idea – Color: Black, Size: M Test"
    assert (intake.delivery.method, intake.delivery.cost) == ("courier", 1000)
    assert intake.delivery.address == "969 Market, San Francisco, CA, 94103, US"
    assert (intake.payment.method, intake.payment.paid) == ("invoice", 2935)  # bacs, date_paid set
    lines_total = sum(x.price * x.qty - x.discount for x in intake.lines)
    assert lines_total + intake.delivery.cost == 2935  # "total": "29.35", to the kopeck
    assert intake.placed_at == datetime(2017, 3, 22, 19, 28, 2, tzinfo=UTC)
    assert "USD" in intake.comment


def test_the_shopify_fixture_maps_to_an_intake():
    intake = shopify.map_order(parse_body(SHOPIFY), "shop")  # the REST fixture's {"order": …} wrapper too
    assert intake.external_id == "450789469"
    assert (intake.customer.name, intake.customer.email, intake.customer.phone) == (
        "Bob Norman", "bob.norman@hostmail.com", "555-625-1199")
    assert [(x.sku, x.qty, x.price, x.discount) for x in intake.lines] == [
        ("IPOD2008GREEN", 1, 20298, 0), ("IPOD2008RED", 1, 20298, 0), ("IPOD2008BLACK", 1, 20298, 0)]
    assert sum(x.price for x in intake.lines) == 59700 + 1194  # 3 × 199.00 plus the 11.94 tax on top
    d = intake.delivery
    assert (d.cost, d.lat, d.lon, d.address) == (0, 45.41634, -75.6868,
                                                 "Chestnut Street 92, Louisville, Kentucky, 40202, United States")
    assert (intake.payment.method, intake.payment.paid) == ("prepaid_online", 0)  # only "authorized"
    assert "custom engraving: Happy Birthday" in intake.comment and "TENOFF" in intake.comment


def test_shopify_discounts_paid_status_and_included_taxes():
    order = json.loads(SHOPIFY, parse_float=Decimal)["order"]
    order.update(taxes_included=True, financial_status="paid", total_price="388.00", total_discounts="10.00")
    order["line_items"][0]["discount_allocations"] = [{"amount": "5.00"}]
    intake = shopify.map_order(order, "shop")
    assert [x.price for x in intake.lines] == [19900, 19900, 19900]
    assert sum(x.discount for x in intake.lines) == 1000  # 5.00 on the line, 5.00 more spread
    assert intake.lines[0].discount >= 500 and intake.payment.paid == 38800


def test_bodies_that_are_not_orders_are_refused_clearly():
    with pytest.raises(ValidationFailed):
        parse_body(b"{not json")
    with pytest.raises(ValidationFailed):
        woocommerce.map_order({"id": 1, "line_items": []}, "woo")
    with pytest.raises(ValidationFailed):
        shopify.map_order([1, 2], "shop")
    assert woocommerce.is_ping(PING) and not woocommerce.is_ping(WOO)


# --- over HTTP ------------------------------------------------------------------------------------

async def _orders() -> list[dict]:
    from server.domain.orders.tables import Order

    return await Order.select(Order.id, Order.number, Order.channel, Order.external_id, Order.total)


async def _channels() -> None:
    await create_channel("woo", "WooCommerce", "woocommerce", secret=SECRET)
    await create_channel("shop", "Shopify", "shopify", secret=SECRET)


def _woo_headers(signature: str | None, topic: str = "order.created") -> dict[str, str]:
    headers = {"Content-Type": "application/json", "X-WC-Webhook-Topic": topic, "X-WC-Webhook-Delivery-ID": "9"}
    if signature is not None:
        headers["X-WC-Webhook-Signature"] = signature
    return headers


def _shopify_headers(signature: str | None) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "X-Shopify-Topic": "orders/create"}
    if signature is not None:
        headers["X-Shopify-Hmac-Sha256"] = signature
    return headers


async def test_a_missing_or_wrong_signature_is_refused_logged_and_creates_nothing(client, caplog):
    await _channels()
    cases = 0
    for kind, body, good in (("woo", WOO, WOO_SIG), ("shop", SHOPIFY, SHOPIFY_SIG)):
        tampered = body.replace(b"John", b"Evil").replace(b"Bob", b"Evil")  # with the original's signature
        for sent, signature in ((body, None), (body, ""), (body, "bad"), (tampered, good)):
            headers = _woo_headers(signature) if kind == "woo" else _shopify_headers(signature)
            caplog.clear()
            with caplog.at_level(logging.WARNING, logger="kladovka.webhooks"):
                response = await client.post(f"/hooks/{kind}", content=sent, headers=headers)
            assert_problem(response, 401)
            assert any("rejected" in r.getMessage() for r in caplog.records), (kind, signature)
            cases += 1
    rejected = [h for h in await history("sales_channel") if h["action"] == "webhook.rejected"]
    assert len(rejected) == cases == 8
    assert {h["actor"] for h in rejected} == {"webhook:woo", "webhook:shop"}
    assert await _orders() == []


async def test_the_woocommerce_ping_is_answered_without_a_signature_and_creates_nothing(client):
    await _channels()
    response = await client.post("/hooks/woo", content=PING,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200 and response.json() == {"status": "ping"}
    assert await _orders() == []


async def test_unknown_and_inactive_channels_are_not_found(client):
    await create_channel("site", "Сайт", "commerceml_site", secret=SECRET)
    assert_problem(await client.post("/hooks/nowhere", content=WOO, headers=_woo_headers(WOO_SIG)), 404)
    assert_problem(await client.post("/hooks/site", content=WOO, headers=_woo_headers(WOO_SIG)), 404)


async def _stock(*skus: str) -> None:
    warehouse = await make_warehouse("MAIN")
    for sku in skus:
        await receive(warehouse, (await make_variant(sku), 5, 10_000))


async def test_a_shopify_order_arrives_once_however_often_it_is_delivered(client):
    pytest.importorskip("server.domain.orders.intake")
    await _channels()
    await _stock("IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK")
    first = await client.post("/hooks/shop", content=SHOPIFY, headers=_shopify_headers(SHOPIFY_SIG))
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "created" and first.json()["external_id"] == "450789469"
    again = await client.post("/hooks/shop", content=SHOPIFY, headers=_shopify_headers(SHOPIFY_SIG))
    assert again.json() | {"status": "created"} == first.json() and again.json()["status"] == "duplicate"
    orders = await _orders()
    assert [(o["channel"], o["external_id"], o["total"]) for o in orders] == [("shop", "450789469", 60894)]


async def test_a_woocommerce_order_with_an_unknown_line_is_refused_and_noted_then_taken_when_fixed(client):
    pytest.importorskip("server.domain.orders.intake")
    await _channels()
    await _stock("Bar3", "WOO-SINGLE")
    refused = await client.post("/hooks/woo", content=WOO, headers=_woo_headers(WOO_SIG))
    body = assert_problem(refused, 422)  # the first line has no SKU
    assert body["errors"][0]["field"] == "lines[0]"
    assert [h["changes"]["external_id"] for h in await history("sales_channel") if h["action"] == "webhook.failed"] \
        == ["727"]
    assert await _orders() == []
    payload = json.loads(WOO)
    payload["line_items"][0]["sku"] = "WOO-SINGLE"
    fixed = json.dumps(payload).encode()
    taken = await client.post("/hooks/woo", content=fixed, headers=_woo_headers(sign(SECRET, fixed)))
    assert taken.status_code == 200 and taken.json()["status"] == "created", taken.text
    updated = await client.post("/hooks/woo", content=fixed.replace(b'"customer_note": ""', b'"customer_note": "x"'),
                                headers=_woo_headers(sign(SECRET, fixed.replace(b'"customer_note": ""',
                                                                                b'"customer_note": "x"')),
                                                     topic="order.updated"))
    assert updated.status_code == 200 and updated.json()["status"] == "known"
    assert [(o["external_id"], o["total"]) for o in await _orders()] == [("727", 2935)]
