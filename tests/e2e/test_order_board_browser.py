"""Issue #3's browser flow: a manager has the order board open; a site posts an order through the API
and its row appears without a reload; the manager opens it and confirms it; the customer's mailbox (an
SMTP peer) gets the "confirmed" mail and a web push receiver (subscribed to the order's tracking page)
decrypts the "confirmed" message."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import httpx
import pytest
from playwright.async_api import expect

from server.domain.catalog.dto import ProductInput, VariantInput
from server.domain.catalog.products import create_product
from server.domain.stock.documents import create_document
from server.domain.stock.dto import DocumentInput, LineInput
from server.domain.stock.warehouses import create_warehouse
from server.domain.users.tokens import create_token
from tests.e2e.pages import LoginPage, manager_account
from tests.integrations.notify_peers import http_peers

pytestmark = pytest.mark.e2e
WAIT_S = 15  # how long the peers are watched for a delivery before the test gives up


async def _eventually(found: Callable[[], object], what: str) -> object:
    """Polls `found()` until it returns something truthy (the server delivers in the background)."""
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not (result := found()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no {what} after {WAIT_S} s")
        await asyncio.sleep(0.05)
    return result


async def test_an_api_order_appears_on_the_open_board_and_confirming_it_tells_the_customer(notifying_tab,
                                                                                          notifying_url, smtp_inbox):
    """The server of `notifying_url` delivers the outbox itself (as in production) and mails `smtp_inbox`."""
    tab, live_url, (_port, mails) = notifying_tab, notifying_url, smtp_inbox
    username, password = await manager_account()
    warehouse = await create_warehouse("MAIN", "Основной склад")
    created = await create_product(ProductInput(name="Кения АА", variants=[VariantInput(sku="KEN-250")]))
    await create_document(DocumentInput(kind="receipt", warehouse_id=warehouse, lines=[
        LineInput(variant_id=created.variants[0].id, qty=5, price=40_000)]), post=True)
    token = (await create_token("shop-site", ["manager"])).token

    await (await LoginPage(tab).open()).sign_in(username, password)
    await tab.goto("/manager/orders")
    await expect(tab.get_by_test_id("orders-empty")).to_be_visible()
    await expect(tab.get_by_test_id("live-state")).to_have_attribute("data-live-state", "on")
    await tab.evaluate("window.kladovkaBoardMark = 'still the same page'")

    async with httpx.AsyncClient(base_url=live_url, timeout=10) as api, http_peers() as (_sms, push):
        answer = await api.post("/api/v1/orders", headers={"Authorization": f"Bearer {token}",
                                                           "Idempotency-Key": "e2e-board-1"}, json={
            "channel": "site", "external_id": "WEB-1001",
            "customer": {"name": "Анна Петрова", "email": "anna@example.com", "phone": "+7 916 123-45-67"},
            "lines": [{"sku": "KEN-250", "qty": 2, "price": "890.00"}],
            "delivery": {"method": "courier", "address": "Москва, ул. Лесная, 5"}})
        assert answer.status_code == 201, answer.text
        number, tracking = answer.json()["number"], answer.json()["tracking_token"]

        row = tab.locator(f'[data-testid="order-row"][data-number="{number}"]')
        await expect(row).to_be_visible()
        await expect(row).to_have_class(re.compile(r"\blive-new\b"))
        await expect(row.get_by_test_id("order-status")).to_have_text("Новый")
        assert await tab.evaluate("window.kladovkaBoardMark") == "still the same page"  # no reload

        subscribed = await api.post(f"/t/{tracking}/push", json=push.new_subscription("anna"))
        assert subscribed.status_code == 201, subscribed.text

        await row.get_by_test_id("order-link").click()
        await expect(tab.get_by_test_id("order-title")).to_contain_text(number)
        await tab.get_by_test_id("to-confirmed").click()
        await expect(tab.get_by_test_id("order-title").get_by_test_id("order-status")).to_have_text("Подтверждён")
        await expect(tab.get_by_test_id("flash")).to_contain_text("Статус заказа: «Подтверждён»")

        def confirmed_mail():
            return [m for m in mails if "подтверждён" in str(m.message["subject"]) and number in str(m.message["subject"])]

        [mail] = await _eventually(confirmed_mail, "«confirmed» mail")
        assert mail.rcpt_tos == ["anna@example.com"]
        assert f"{live_url}/t/{tracking}" in mail.message.get_body(("plain",)).get_content()

        def confirmed_push():
            return [p for p in push.received if "подтверждён" in p["message"]["title"]]

        [pushed] = await _eventually(confirmed_push, "«confirmed» push message")
        assert number in pushed["message"]["title"] and pushed["message"]["url"].endswith(f"/t/{tracking}")
