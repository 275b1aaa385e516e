"""A manager creates a product with two variants through the form (rows added with HTMX), lands on
its card, and gives a variant an in-store barcode there."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from server.domain.catalog.barcodes import gs1_check_digit
from tests.e2e.pages import LoginPage, ProductForm, manager_account

pytestmark = pytest.mark.e2e

EAN = "460555000001" + gs1_check_digit("460555000001")


async def test_a_manager_creates_a_product_through_the_form(tab):
    username, password = await manager_account()
    await (await LoginPage(tab).open()).sign_in(username, password)

    form = await ProductForm(tab).open_new()
    await form.name.fill("Кофе Колумбия Супремо")
    await form.add_characteristic(0)
    await form.set_characteristic(0, 0, "Помол", "зерно")
    await form.set_characteristic(0, 1, "Вес", "250 г")
    first = form.variant(0)
    await first.get_by_test_id("variant-sku").fill("COL-250")
    await first.get_by_test_id("barcode-code").fill(EAN)
    await first.get_by_test_id("variant-price-retail").fill("1 190,50")
    await form.add_variant()
    await expect(first.get_by_test_id("variant-sku")).to_have_value("COL-250")  # the swap kept what was typed
    await form.set_characteristic(1, 0, "Помол", "молотый")
    await form.variant(1).get_by_test_id("variant-generate").check()

    card = await form.save()
    await expect(tab).to_have_url(re.compile(r"/manager/catalog/\d+$"))
    await expect(card.title).to_have_text("Кофе Колумбия Супремо")
    kept = card.variant("COL-250")
    await expect(kept.get_by_test_id("barcode")).to_have_attribute("data-code", EAN)
    await expect(kept.get_by_test_id("price-retail")).to_contain_text("1 190,50")
    await expect(tab.get_by_test_id("variant")).to_have_count(2)

    await kept.get_by_test_id("barcode-generate").click()
    await expect(kept.get_by_test_id("barcode-saved")).to_be_visible()
    await expect(kept.get_by_test_id("barcode")).to_have_count(2)
