"""Manager PWA, catalog: instant search, the product card, prices, labels."""

from __future__ import annotations

from server.domain.audit.log import history
from server.domain.catalog.prices import get_prices
from server.domain.stock.documents import create_document
from server.domain.stock.dto import DocumentInput, LineInput
from tests.routes.manager_helpers import (
    HTMX,
    KEN_EAN,
    KEN_PACK_EAN,
    by_testid,
    count_testid,
    form,
    make_shop,
    sign_in,
    texts,
)


async def test_search_by_cyrillic_name_in_any_case(client):
    await make_shop()
    await sign_in(client, "manager")
    for query in ("кения", "КЕНИЯ", "КеНиЯ аа"):
        response = await client.get("/manager/catalog", params={"q": query})
        assert response.status_code == 200
        assert 'data-sku="KEN-250"' in response.text and 'data-sku="KEN-1000"' in response.text, query
        assert 'data-sku="TEA-ASSAM"' not in response.text, query
    response = await client.get("/manager/catalog", params={"q": "ассам"})
    assert 'data-sku="TEA-ASSAM"' in response.text and 'data-sku="KEN-250"' not in response.text


async def test_search_by_sku_and_by_barcode(client):
    await make_shop()
    await sign_in(client, "manager")
    response = await client.get("/manager/catalog", params={"q": "ken-1000"})
    assert count_testid(response.text, "catalog-row") == 1 and 'data-sku="KEN-1000"' in response.text
    response = await client.get("/manager/catalog", params={"q": KEN_PACK_EAN})
    assert count_testid(response.text, "catalog-row") == 1 and 'data-sku="KEN-250"' in response.text
    response = await client.get("/manager/catalog", params={"q": "нет-такого"})
    assert count_testid(response.text, "catalog-row") == 0
    assert "Ничего не найдено" in response.text


async def test_htmx_gets_the_rows_a_plain_get_the_page_both_vary(client):
    await make_shop()
    await sign_in(client, "manager")
    full = await client.get("/manager/catalog", params={"q": "кения"})
    part = await client.get("/manager/catalog", params={"q": "кения"}, headers=HTMX)
    assert full.headers["vary"] == part.headers["vary"] == "HX-Request"
    assert "<html" in full.text and 'id="catalog-results"' in full.text and 'data-testid="catalog-search"' in full.text
    assert "<html" not in part.text and 'data-testid="catalog-search"' not in part.text
    assert count_testid(part.text, "catalog-row") == 2
    boosted = await client.get("/manager/catalog", params={"q": "кения"}, headers={**HTMX, "HX-Boosted": "true"})
    assert "<html" in boosted.text


async def test_enter_with_an_exact_code_opens_the_card(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    for code in (KEN_EAN, "KEN-1000", "ken-1000"):
        response = await client.get("/manager/catalog", params={"q": code, "go": "1"}, follow_redirects=False)
        assert response.status_code == 303, code
        assert response.headers["location"].startswith(f"/manager/catalog/{shop.product_id}?variant=")
        assert response.headers["vary"] == "HX-Request"
    wanted = shop.variants["KEN-1000"]
    response = await client.get("/manager/catalog", params={"q": "KEN-1000", "go": "1"}, follow_redirects=False)
    assert f"variant={wanted}" in response.headers["location"]
    # Several matches: no jump, the list is shown.
    response = await client.get("/manager/catalog", params={"q": "кения", "go": "1"}, follow_redirects=False)
    assert response.status_code == 200 and count_testid(response.text, "catalog-row") == 2


async def test_catalog_pages(client):
    await make_shop()
    await sign_in(client, "manager")
    from server.domain.catalog.dto import ProductInput, VariantInput
    from server.domain.catalog.products import create_product

    for n in range(52):
        await create_product(ProductInput(name=f"Сироп {n:02d}", variants=[VariantInput(sku=f"SYR-{n:02d}")]))
    first = await client.get("/manager/catalog", params={"q": "сироп"})
    assert count_testid(first.text, "catalog-row") == 50 and "Страница 1 из 2" in first.text
    assert 'rel="next"' in first.text and 'rel="prev"' not in first.text
    second = await client.get("/manager/catalog", params={"q": "сироп", "page": "2"}, headers=HTMX)
    assert count_testid(second.text, "catalog-row") == 2 and 'rel="prev"' in second.text
    for junk in ("999999999999", "abc", "-3"):
        response = await client.get("/manager/catalog", params={"page": junk})
        assert response.status_code == 200, junk


async def _stock_up(shop) -> None:
    """10 × KEN-250 at 400 ₽ into MAIN A-01 and 5 more at 430 ₽ into A-02; 3 into SHOP."""
    main, a1, a2 = shop.warehouses["MAIN"], shop.bins["MAIN:A-01"], shop.bins["MAIN:A-02"]
    ken = shop.variants["KEN-250"]
    await create_document(DocumentInput(kind="receipt", warehouse_id=main, supplier="ООО Зерно", lines=[
        LineInput(variant_id=ken, qty=10, price=40000, bin_id=a1),
        LineInput(variant_id=ken, qty=5, price=43000, bin_id=a2)]), post=True)
    await create_document(DocumentInput(kind="receipt", warehouse_id=shop.warehouses["SHOP"], lines=[
        LineInput(variant_id=ken, qty=3, price=41000)]), post=True)


async def test_product_card_shows_facts_variants_barcodes_prices_and_stock(client):
    shop = await make_shop()
    await _stock_up(shop)
    await sign_in(client, "manager")
    response = await client.get(f"/manager/catalog/{shop.product_id}", params={"variant": shop.variants["KEN-250"]})
    assert response.status_code == 200, response.text
    html, text = response.text, texts(response.text)
    assert "Кофе Кения АА" in text and "Кофе › Зерновой" in text
    assert "10 %" in text and "250 г" in text and "80 × 60 × 200 мм" in text
    assert 'data-testid="fact-marking">Обязательна' in html and 'data-testid="fact-serial">Не ведётся' in html
    assert "Страна происхождения" in text and "Кения" in text
    assert 'src="https://img.example.com/kenya.jpg"' in html and 'alt="Кофе Кения АА, изображение 1"' in html
    assert count_testid(html, "variant") == 2 and "Помол" in text and "1 кг" in text
    assert f'data-code="{KEN_PACK_EAN}"' in html and 'data-testid="barcode-multiplier">6<' in html
    assert 'class="card variant selected"' in html
    assert "890,00" in text and "412,50" in text and "Закупочная" in text
    # Stock per warehouse (on hand, reserved, available, average cost) and per bin.
    main_row = html.split(f'data-warehouse-id="{shop.warehouses["MAIN"]}"')[1].split("</tr>")[0]
    assert by_testid(main_row, "stock-on-hand") == ["15"] and by_testid(main_row, "stock-available") == ["15"]
    assert by_testid(main_row, "stock-reserved") == ["0"]
    assert "410,00" in main_row  # (10 × 400 + 5 × 430) / 15
    assert 'data-address="A-01"' in main_row and "A-01</span>: 10" in main_row and "A-02</span>: 5" in main_row
    shop_row = html.split(f'data-warehouse-id="{shop.warehouses["SHOP"]}"')[1].split("</tr>")[0]
    assert by_testid(shop_row, "stock-on-hand") == ["3"]


async def test_unknown_product_is_a_russian_404(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    assert (await client.get(f"/manager/catalog/{shop.product_id}", params={"variant": "abc"})).status_code == 200
    response = await client.get("/manager/catalog/999999")
    assert response.status_code == 404 and "не найден" in response.text.lower()


async def test_price_edit_saves_writes_audit_and_swaps_the_block(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    ken = shop.variants["KEN-250"]
    response = await client.post(f"/manager/catalog/{shop.product_id}/prices", headers=HTMX,
                                  data=form(client, variant_id=ken, price_type="wholesale", amount="1 234,50"))
    assert response.status_code == 200, response.text
    assert response.headers["vary"] == "HX-Request"
    assert f'id="prices-{ken}"' in response.text and "<html" not in response.text
    assert 'data-testid="price-saved"' in response.text and "1 234,50" in texts(response.text).replace("\u202f", " ")
    assert (await get_prices([ken]))[ken]["wholesale"] == 123450
    entries = [e for e in await history("variant", ken) if e["action"] == "price.set"]
    assert entries and entries[0]["actor"] == "manager" and entries[0]["changes"]["amount"] == [None, 123450]
    # Without HTMX: a redirect back to the card.
    response = await client.post(f"/manager/catalog/{shop.product_id}/prices", follow_redirects=False,
                                 data=form(client, variant_id=ken, price_type="retail", amount="900"))
    assert response.status_code == 303 and (await get_prices([ken]))[ken]["retail"] == 90000


async def test_a_bad_price_is_refused_in_russian_and_changes_nothing(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    ken = shop.variants["KEN-250"]
    before = await get_prices([ken])
    cases = {"abc": "Цена — это сумма в рублях", "-5": "отрицательной", "1,234": "Цена — это сумма в рублях",
             "": "Цена — это сумма в рублях"}
    for typed, message in cases.items():
        response = await client.post(f"/manager/catalog/{shop.product_id}/prices", headers=HTMX,
                                     data=form(client, variant_id=ken, price_type="retail", amount=typed))
        assert response.status_code == 422, (typed, response.text)
        assert message in response.text and 'aria-invalid="true"' in response.text, typed
        assert f'id="prices-{ken}"' in response.text
    response = await client.post(f"/manager/catalog/{shop.product_id}/prices", headers=HTMX,
                                 data=form(client, variant_id=ken, price_type="nope", amount="10"))
    assert response.status_code == 422 and "nope" in response.text
    # A variant of another product cannot be priced through this card.
    response = await client.post(f"/manager/catalog/{shop.product_id}/prices",
                                 data=form(client, variant_id=shop.variants["TEA-ASSAM"], price_type="retail",
                                           amount="1"))
    assert response.status_code == 404
    # Plain POST with a bad price: the whole card with the message.
    response = await client.post(f"/manager/catalog/{shop.product_id}/prices",
                                 data=form(client, variant_id=ken, price_type="retail", amount="x"))
    assert response.status_code == 422 and "<html" in response.text and "Цена — это сумма в рублях" in response.text
    assert await get_prices([ken]) == before
    assert not [e for e in await history("variant", ken) if e["action"] == "price.set"]


async def test_cashier_sees_the_card_without_costs_and_cannot_change_prices(client):
    shop = await make_shop()
    await _stock_up(shop)
    await sign_in(client, "cashier")
    response = await client.get(f"/manager/catalog/{shop.product_id}")
    assert response.status_code == 200
    assert "890,00" in texts(response.text) and "Закупочная" not in response.text and "412,50" not in response.text
    assert 'data-testid="price-form"' not in response.text and "stock-avg-cost" not in response.text
    response = await client.post(f"/manager/catalog/{shop.product_id}/prices",
                                 data=form(client, variant_id=shop.variants["KEN-250"], price_type="retail",
                                           amount="1"))
    assert response.status_code == 403
    assert (await get_prices([shop.variants["KEN-250"]]))[shop.variants["KEN-250"]]["retail"] == 89000


async def test_labels_svg_and_pdf(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    ken = shop.variants["KEN-250"]
    card = await client.get(f"/manager/catalog/{shop.product_id}")
    assert f'href="/manager/catalog/labels/{ken}.svg"' in card.text and 'action="/manager/catalog/labels.pdf"' in card.text
    svg = await client.get(f"/manager/catalog/labels/{ken}.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.content.lstrip().startswith(b"<") and b"<svg" in svg.content and b"KEN-250" in svg.content
    pdf = await client.get("/manager/catalog/labels.pdf", params={"variant": ken, "copies": "3"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and pdf.content.count(b"/Type /Page\n") + pdf.content.count(
        b"/Type /Page ") + pdf.content.count(b"/Type/Page") >= 1
    bad = await client.get("/manager/catalog/labels.pdf", params={"variant": ken, "copies": "0"})
    assert bad.status_code == 422 and "от 1 до" in bad.text
    missing = await client.get("/manager/catalog/labels/999999.svg")
    assert missing.status_code == 404
    nonsense = await client.get("/manager/catalog/labels/abc.png")
    assert nonsense.status_code == 404
