"""Manager PWA: creating a product through the form (variants, characteristics, barcodes, prices),
every kind of bad input shown next to its field with nothing saved, editing facts and variants,
barcodes on the card, archiving, and who may do it."""

from __future__ import annotations

import re

from server.domain.audit.log import history
from server.domain.audit.tables import AuditEntry
from server.domain.catalog.categories import create_category
from server.domain.catalog.products import get_product_card
from server.domain.catalog.properties import define_property
from server.domain.catalog.tables import Barcode, Price, Product, ProductProperty, Variant
from tests.routes.api_helpers import ean13
from tests.routes.manager_helpers import (
    HTMX,
    KEN_EAN,
    by_testid,
    count_testid,
    form_fields,
    make_shop,
    post_fields,
    replace,
    sign_in,
    texts,
)

NEW = "/manager/catalog/new"
BR_EAN = ean13("460777000001")
BR_PACK_EAN = ean13("460777000002")


def field_messages(html: str, key: str) -> str:
    """The messages shown next to one input (by its form key, e.g. "name", "v0.bc1")."""
    found = re.findall(rf'data-field="{re.escape(key)}">(.*?)</div>', html, flags=re.S)
    return " ".join(texts(f) for f in found)


async def counts() -> dict[str, int]:
    return {t.__name__: await t.count() for t in (Product, Variant, Barcode, Price, ProductProperty, AuditEntry)}


async def _form(client, url: str = NEW) -> list[tuple[str, str]]:
    page = await client.get(url)
    assert page.status_code == 200, page.text
    return form_fields(page.text, "product-form")


async def _edit(client, fields, action: str, url: str = NEW, htmx: bool = False):
    """A row edit (add/remove a row): returns the re-rendered form's fields and the response."""
    response = await post_fields(client, url, fields, headers=HTMX if htmx else None, edit=action)
    assert response.status_code == 200, response.text
    return form_fields(response.text, "product-form"), response


async def two_variant_fields(client, category_id: int) -> list[tuple[str, str]]:
    """The new-product form filled in as a person would: rows added with the form's own buttons."""
    fields = await _form(client)
    fields, _r = await _edit(client, fields, "add_char:0")  # without JavaScript: the page comes back
    fields, _r = await _edit(client, fields, "add_barcode:0", htmx=True)
    fields, _r = await _edit(client, fields, "add_variant", htmx=True)
    fields = replace(fields, "name", "Кофе Бразилия Сантос")
    fields = replace(fields, "category_id", str(category_id))
    fields = replace(fields, "vat", "10")
    fields = replace(fields, "weight_g", "250")
    fields = replace(fields, "description", "Шоколад и орехи.")
    fields = replace(fields, "image_urls", "https://img.example.com/br.jpg\n\nhttps://img.example.com/br2.jpg")
    fields = replace(fields, "marking_required", "1")
    fields = replace(fields, "prop.origin", "Бразилия")
    fields = replace(fields, "v0.sku", "BR-250")
    fields = replace(fields, "v0.char_name", "Помол", "Вес")
    fields = replace(fields, "v0.char_value", "зерно", "250 г")
    fields = replace(fields, "v0.bc_code", BR_EAN, BR_PACK_EAN)
    fields = replace(fields, "v0.bc_mult", "1", "6")
    fields = replace(fields, "v0.price.retail", "1 234,50")
    fields = replace(fields, "v0.price.purchase", "600")
    fields = replace(fields, "v1.char_name", "Помол")
    fields = replace(fields, "v1.char_value", "молотый")
    fields = replace(fields, "v1.generate", "1")
    fields = replace(fields, "v1.price.retail", "990")
    return fields


async def test_create_a_product_with_two_variants_barcodes_and_prices(client):
    beans = await create_category("Зерновой", await create_category("Кофе"))
    await define_property("origin", "Страна происхождения")
    await sign_in(client, "manager")
    fields = await two_variant_fields(client, beans)
    response = await post_fields(client, NEW, fields, action="save")
    assert response.status_code == 303, texts(response.text)
    product_id = int(response.headers["location"].rsplit("/", 1)[1])
    card = await get_product_card(product_id)
    p = card["product"]
    assert (p["name"], p["vat"], p["weight_g"], p["marking_required"], p["category_id"]) == (
        "Кофе Бразилия Сантос", "10", 250, True, beans)
    assert p["image_urls"] == ["https://img.example.com/br.jpg", "https://img.example.com/br2.jpg"]
    assert [prop["value"] for prop in card["properties"]] == ["Бразилия"]
    first, second = card["variants"]
    assert first["sku"] == "BR-250" and first["characteristics"] == {"Помол": "зерно", "Вес": "250 г"}
    assert first["name"] == "зерно, 250 г"
    assert [(b["code"], b["multiplier"]) for b in first["barcodes"]] == [(BR_EAN, 1), (BR_PACK_EAN, 6)]
    assert first["prices"] == {"retail": 123450, "purchase": 60000}
    assert second["sku"].startswith("KOFE-BRAZILIYA") and second["characteristics"] == {"Помол": "молотый"}
    generated = second["barcodes"][0]["code"]
    assert len(generated) == 13 and generated.startswith("20") and second["prices"] == {"retail": 99000}
    assert [h["action"] for h in await history("product", product_id)] == ["product.create"]
    page = await client.get(response.headers["location"])
    assert "Товар создан" in page.text and by_testid(page.text, "product-name") == ["Кофе Бразилия Сантос"]


async def test_row_edits_rerender_the_form_and_save_nothing(client):
    await sign_in(client, "manager")
    before = await counts()
    page = await client.get(NEW)
    assert count_testid(page.text, "variant-form") == 1
    fields = form_fields(page.text, "product-form")
    fields, part = await _edit(client, fields, "add_variant", htmx=True)
    assert "<html" not in part.text and part.headers["vary"] == "HX-Request"
    assert count_testid(part.text, "variant-form") == 2 and 'autofocus' in part.text
    fields = replace(fields, "v1.sku", "KEEP-ME")
    fields, full = await _edit(client, fields, "add_char:1")
    assert "<html" in full.text and full.headers["vary"] == "HX-Request"
    assert dict(form_fields(full.text, "product-form"))["v1.sku"] == "KEEP-ME"
    assert [f for f in fields if f[0] == "v1.char_name"] == [("v1.char_name", ""), ("v1.char_name", "")]
    fields = replace(fields, "v1.char_name", "Помол", "Вес")
    fields, _r = await _edit(client, fields, "remove_char:1:0", htmx=True)
    assert [v for k, v in fields if k == "v1.char_name"] == ["Вес"]
    fields, part = await _edit(client, fields, "remove_variant:0", htmx=True)
    assert count_testid(part.text, "variant-form") == 1 and dict(fields)["v0.sku"] == "KEEP-ME"
    fields, _r = await _edit(client, fields, "refresh", htmx=True)  # Enter in a field: nothing is saved
    assert await counts() == before


async def test_every_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(client):
    await make_shop()  # defines the property "origin"
    await define_property("cups", "Чашек", "number")
    await sign_in(client, "manager")
    fields = await _form(client)
    fields, _r = await _edit(client, fields, "add_variant", htmx=True)
    fields, _r = await _edit(client, fields, "add_barcode:1", htmx=True)
    wrong_digit = BR_EAN[:-1] + str((int(BR_EAN[-1]) + 1) % 10)
    fields = replace(fields, "name", "   ")
    fields = replace(fields, "weight_g", "много")
    fields = replace(fields, "prop.cups", "два")
    fields = replace(fields, "v0.sku", "KEN-250")  # another product has it
    fields = replace(fields, "v0.bc_code", wrong_digit)
    fields = replace(fields, "v0.price.retail", "-5")
    fields = replace(fields, "v1.sku", "NEW-1")
    fields = replace(fields, "v1.bc_code", "", KEN_EAN)  # a blank row, then a barcode another product has
    fields = replace(fields, "v1.bc_mult", "1", "1")
    fields = replace(fields, "v1.price.wholesale", "12,345")
    before = await counts()
    response = await post_fields(client, NEW, fields, action="save")
    assert response.status_code == 422
    html = response.text
    assert field_messages(html, "name") == "Название товара — от 1 до 300 символов"
    assert "целые числа" in field_messages(html, "weight_g")
    assert "Чашек" in field_messages(html, "prop.cups")
    assert field_messages(html, "v0.sku") == "Артикул KEN-250 уже занят товаром «Кофе Кения АА»"
    assert "неверная контрольная цифра" in field_messages(html, "v0.bc0")
    assert field_messages(html, "v0.price.retail") == "Цена не может быть отрицательной"
    assert field_messages(html, "v1.bc1") == f"Штрихкод {KEN_EAN} уже есть у товара с артикулом KEN-250"
    assert field_messages(html, "v1.price.wholesale") == "Цена — это сумма в рублях, например 149,90"
    assert "Ошибок в карточке товара: 8" in texts(html) and 'data-testid="flash"' in html
    assert 'aria-invalid="true"' in html and "A price" not in html  # every message in Russian
    form = dict(form_fields(html, "product-form"))  # what was typed stays in the form
    assert (form["v0.sku"], form["v1.price.wholesale"], form["weight_g"]) == ("KEN-250", "12,345", "много")
    assert await counts() == before


async def test_repeats_in_one_form_and_a_lone_conflict_are_refused(client):
    await make_shop()
    await sign_in(client, "manager")
    fields = await _form(client)
    fields, _r = await _edit(client, fields, "add_variant", htmx=True)
    fields, _r = await _edit(client, fields, "add_char:0", htmx=True)
    fields = replace(fields, "name", "Дубли")
    fields = replace(fields, "v0.sku", "DUP-1")
    fields = replace(fields, "v1.sku", "dup-1")
    fields = replace(fields, "v0.char_name", "Вес", "Вес")
    fields = replace(fields, "v0.char_value", "250 г", "1 кг")
    fields = replace(fields, "v0.bc_code", BR_EAN)
    fields = replace(fields, "v1.bc_code", BR_EAN)
    before = await counts()
    response = await post_fields(client, NEW, fields, action="save")
    assert response.status_code == 422
    assert field_messages(response.text, "v1.sku") == "Артикул dup-1 указан дважды"
    assert field_messages(response.text, "v0.chars") == "Характеристика «Вес» указана дважды"
    assert f"Штрихкод {BR_EAN}" in field_messages(response.text, "v1.bc0")
    # Only a SKU another product has (a conflict): the same form, 422, nothing saved.
    fields = replace(fields, "v1.sku", "")
    fields = replace(fields, "v0.char_name", "Вес", "")
    fields = replace(fields, "v0.char_value", "250 г", "")
    fields = replace(fields, "v1.bc_code", "")
    fields = replace(fields, "v0.sku", "TEA-ASSAM")
    response = await post_fields(client, NEW, fields, action="save", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert response.status_code == 422 and "<html" in response.text
    assert "Артикул TEA-ASSAM уже занят" in field_messages(response.text, "v0.sku")
    assert await counts() == before


async def test_edit_the_facts_and_properties_writes_audit_rows(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    url = f"/manager/catalog/{shop.product_id}/edit"
    fields = await _form(client, url)
    assert dict(fields)["name"] == "Кофе Кения АА" and dict(fields)["prop.origin"] == "Кения"
    fields = replace(fields, "name", "Кофе Кения АА Плюс")
    fields = replace(fields, "vat", "22")
    fields = replace(fields, "height_mm", "210")
    fields = replace(fields, "prop.origin", "Кения, Ньери")
    response = await post_fields(client, url, fields)
    assert response.status_code == 303 and response.headers["location"] == f"/manager/catalog/{shop.product_id}"
    p = (await get_product_card(shop.product_id))["product"]
    assert (p["name"], p["vat"], p["height_mm"], p["weight_g"]) == ("Кофе Кения АА Плюс", "22", 210, 250)
    rows = await history("product", shop.product_id)
    update = next(h for h in rows if h["action"] == "product.update")
    assert update["actor"] == "manager" and update["changes"]["name"] == ["Кофе Кения АА", "Кофе Кения АА Плюс"]
    assert set(update["changes"]) == {"name", "vat", "height_mm"}
    assert any(h["action"] == "product.properties" for h in rows)
    # Bad facts: every problem at its field, nothing changed.
    before = await counts()
    fields = replace(fields, "name", "")
    fields = replace(fields, "image_urls", "ftp://nope")
    fields = replace(fields, "prop.origin", "x" * 301)
    response = await post_fields(client, url, fields)
    assert response.status_code == 422
    assert field_messages(response.text, "name") and "https://" in field_messages(response.text, "image_urls")
    assert "Страна происхождения" in field_messages(response.text, "prop.origin")
    assert await counts() == before
    assert (await get_product_card(shop.product_id))["product"]["name"] == "Кофе Кения АА Плюс"


async def test_add_a_variant_and_edit_its_sku_and_characteristics(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    url = f"/manager/catalog/{shop.product_id}/variants/new"
    fields = await _form(client, url)
    assert [v for k, v in fields if k == "v0.char_name"] == ["Помол", "Вес"]  # the names the others use
    fields = replace(fields, "v0.char_value", "молотый", "250 г")
    fields = replace(fields, "v0.sku", "KEN-250-M")
    fields = replace(fields, "v0.bc_code", BR_EAN)
    fields = replace(fields, "v0.price.retail", "899")
    response = await post_fields(client, url, fields, action="save")
    assert response.status_code == 303, texts(response.text)
    card = await get_product_card(shop.product_id)
    added = card["variants"][-1]
    assert (added["sku"], added["name"], added["prices"]) == ("KEN-250-M", "молотый, 250 г", {"retail": 89900})
    # The same characteristics again: refused at the characteristics, nothing added.
    fields = replace(fields, "v0.sku", "KEN-OTHER")
    fields = replace(fields, "v0.bc_code", "")
    response = await post_fields(client, url, fields, action="save")
    assert response.status_code == 422 and "одинаковые характеристики" in field_messages(response.text, "v0.chars")
    edit = f"/manager/catalog/{shop.product_id}/variants/{added['id']}/edit"
    fields = await _form(client, edit)
    fields = replace(fields, "v0.sku", "KEN-1000")  # taken by a sibling
    response = await post_fields(client, edit, fields, action="save")
    assert response.status_code == 422 and "Артикул KEN-1000 уже занят" in field_messages(response.text, "v0.sku")
    fields = replace(fields, "v0.sku", "KEN-250-G")
    fields = replace(fields, "v0.char_value", "молотый мелко", "250 г")
    response = await post_fields(client, edit, fields, action="save")
    assert response.status_code == 303
    changed = (await get_product_card(shop.product_id))["variants"][-1]
    assert (changed["sku"], changed["name"]) == ("KEN-250-G", "молотый мелко, 250 г")
    assert [h["action"] for h in await history("variant", added["id"])] == ["variant.update", "variant.create"]


async def test_add_and_remove_barcodes_on_the_card(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    variant = shop.variants["KEN-1000"]
    url = f"/manager/catalog/{shop.product_id}/variants/{variant}/barcodes"
    card = await client.get(f"/manager/catalog/{shop.product_id}")
    assert count_testid(card.text, "barcode-add-form") == 2 and count_testid(card.text, "edit-product") == 1
    part = await post_fields(client, url, [("code", BR_PACK_EAN), ("multiplier", "12")], headers=HTMX)
    assert part.status_code == 200 and "<html" not in part.text and part.headers["vary"] == "HX-Request"
    assert f'data-code="{BR_PACK_EAN}"' in part.text and "Штрихкод" in by_testid(part.text, "barcode-saved")[0]
    part = await post_fields(client, url, [("code", ""), ("multiplier", "1"), ("generate", "1")], headers=HTMX)
    assert part.status_code == 200
    codes = [b["code"] for b in (await get_product_card(shop.product_id))["variants"][1]["barcodes"]]
    generated = next(c for c in codes if c.startswith("20"))
    before = await counts()
    bad = await post_fields(client, url, [("code", BR_EAN[:-1] + "0" if BR_EAN[-1] != "0" else BR_EAN[:-1] + "1"),
                                          ("multiplier", "1")], headers=HTMX)
    assert bad.status_code == 422 and "неверная контрольная цифра" in texts(bad.text)
    taken = await post_fields(client, url, [("code", KEN_EAN), ("multiplier", "1")])  # without JavaScript
    assert taken.status_code == 409 and "<html" in taken.text and "уже есть у товара с артикулом KEN-250" in texts(taken.text)
    assert await counts() == before
    removed = await post_fields(client, f"{url}/remove", [("code", generated)])
    assert removed.status_code == 303 and removed.headers["location"].endswith(f"#variant-{variant}")
    codes = [b["code"] for b in (await get_product_card(shop.product_id))["variants"][1]["barcodes"]]
    assert generated not in codes and BR_PACK_EAN in codes
    actions = [h["action"] for h in await history("variant", variant)]
    assert actions.count("barcode.add") == 2 and actions.count("barcode.remove") == 1
    gone = await post_fields(client, f"{url}/remove", [("code", generated)], headers=HTMX)
    assert gone.status_code == 404 and "<html" not in gone.text


async def test_archive_and_restore_a_variant_and_the_product(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    variant = shop.variants["KEN-1000"]
    response = await post_fields(client, f"/manager/catalog/{shop.product_id}/variants/{variant}/archive",
                                 [("archived", "1")])
    assert response.status_code == 303
    card = await client.get(response.headers["location"])
    assert count_testid(card.text, "restore-variant") == 1 and "Вариант перенесён в архив" in card.text
    found = await client.get("/manager/catalog", params={"q": "кения"})
    assert 'data-sku="KEN-1000"' not in found.text and 'data-sku="KEN-250"' in found.text
    await post_fields(client, f"/manager/catalog/{shop.product_id}/archive", [("archived", "1")])
    found = await client.get("/manager/catalog", params={"q": "кения"})
    assert count_testid(found.text, "catalog-row") == 0
    response = await post_fields(client, f"/manager/catalog/{shop.product_id}/archive", [("archived", "0")])
    assert response.status_code == 303
    assert count_testid((await client.get("/manager/catalog", params={"q": "кения"})).text, "catalog-row") == 2
    actions = [h["action"] for h in await history("product", shop.product_id)]
    assert actions.count("product.update") == 2


async def test_cashier_sees_the_catalog_but_cannot_create_or_change(client):
    shop = await make_shop()
    await sign_in(client, "cashier")
    listing = await client.get("/manager/catalog")
    assert listing.status_code == 200 and 'data-testid="new-product"' not in listing.text
    card = await client.get(f"/manager/catalog/{shop.product_id}")
    assert card.status_code == 200 and count_testid(card.text, "barcode") == 3
    assert 'data-testid="edit-product"' not in card.text and 'data-testid="barcode-add-form"' not in card.text
    variant = shop.variants["KEN-250"]
    for url in (NEW, f"/manager/catalog/{shop.product_id}/edit", f"/manager/catalog/{shop.product_id}/variants/new",
                f"/manager/catalog/{shop.product_id}/variants/{variant}/edit"):
        response = await client.get(url)
        assert response.status_code == 403 and "Ваша роль не даёт доступа" in response.text, url
    before = await counts()
    for url, fields in ((NEW, [("name", "X"), ("variant_count", "1")]),
                        (f"/manager/catalog/{shop.product_id}/archive", [("archived", "1")]),
                        (f"/manager/catalog/{shop.product_id}/variants/{variant}/barcodes", [("generate", "1")]),
                        (f"/manager/catalog/{shop.product_id}/variants/{variant}/barcodes/remove", [("code", KEN_EAN)])):
        assert (await post_fields(client, url, fields)).status_code == 403, url
    assert await counts() == before


async def test_the_new_product_button_is_for_managers(client):
    await sign_in(client, "manager")
    listing = await client.get("/manager/catalog")
    assert by_testid(listing.text, "new-product") == ["+ Новый товар"]
    form = await client.get(NEW)
    assert form.status_code == 200 and by_testid(form.text, "form-title") == ["Новый товар"]
    assert '<option value="22" selected>22 %</option>' in form.text  # the general rate since 2026
    assert 'name="_csrf_token"' in form.text and form.headers["vary"] == "HX-Request"
