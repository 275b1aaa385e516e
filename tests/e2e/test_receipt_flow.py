"""The flow issue #2 asks for, end to end in the browser: a manager finds a product by scanning its
barcode in the catalog, receives it with a receipt filled by scanning, posts it, and sees the stock grow."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from server.domain.catalog.barcodes import gs1_check_digit
from server.domain.catalog.dto import BarcodeInput, ProductInput, VariantInput
from server.domain.catalog.products import create_product
from server.domain.stock.documents import create_document
from server.domain.stock.dto import DocumentInput, LineInput
from server.domain.stock.warehouses import create_warehouse
from tests.e2e.pages import CatalogPage, DocumentEditor, LoginPage, ProductCard, manager_account

pytestmark = pytest.mark.e2e

SKU = "KEN-250"
BARCODE = "460123400001" + gs1_check_digit("460123400001")


async def test_a_scanned_receipt_raises_the_stock_on_the_product_card(tab):
    username, password = await manager_account()
    warehouse = await create_warehouse("MAIN", "Основной склад")
    created = await create_product(ProductInput(name="Кения АА", variants=[
        VariantInput(sku=SKU, characteristics={"Помол": "зерно", "Вес": "250 г"},
                     barcodes=[BarcodeInput(code=BARCODE)])]))
    variant = created.variants[0].id
    await create_document(DocumentInput(kind="receipt", warehouse_id=warehouse, supplier="ООО Зерно",
                                        lines=[LineInput(variant_id=variant, qty=5, price=40_000)]), post=True)

    await (await LoginPage(tab).open()).sign_in(username, password)

    catalog = await CatalogPage(tab).open()
    card = await catalog.scan_into_search(BARCODE)
    await expect(tab).to_have_url(re.compile(rf"/manager/catalog/{created.id}(\?.*)?$"))
    await expect(card.title).to_contain_text("Кения АА")
    await expect(card.on_hand(SKU, warehouse)).to_have_text("5")

    editor = await DocumentEditor(tab).open_new("receipt")
    await editor.supplier.fill("ООО Кофе-Импорт")
    await editor.scan(BARCODE, SKU)
    await editor.set_line(SKU, qty=12, price="449,90")
    await editor.post()
    await expect(editor.status).to_have_text("Проведён")

    card = await ProductCard(tab).open(created.id)
    await expect(card.on_hand(SKU, warehouse)).to_have_text("17")
