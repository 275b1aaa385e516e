"""Manager PWA: who sees what, the start page, navigation and the language switch."""

from __future__ import annotations

from tests.domain.stock_helpers import receive
from tests.routes.manager_helpers import (
    HTMX,
    by_testid,
    form_fields,
    make_shop,
    post_fields,
    sign_in,
    texts,
)


async def test_cashier_sees_the_catalog_but_not_the_documents(client):
    shop = await make_shop()
    await sign_in(client, "cashier")
    home = await client.get("/manager/")
    assert home.status_code == 200
    assert 'data-testid="nav-catalog"' in home.text and 'data-testid="nav-documents"' not in home.text
    assert 'data-testid="tile-documents"' not in home.text and 'data-testid="nav-admin"' not in home.text
    assert (await client.get("/manager/catalog")).status_code == 200
    assert (await client.get(f"/manager/catalog/{shop.product_id}")).status_code == 200
    for url in ("/manager/documents", "/manager/documents/new?kind=receipt"):
        response = await client.get(url)
        assert response.status_code == 403 and "Ваша роль не даёт доступа" in response.text, url
    response = await post_fields(client, "/manager/documents/lines", [("kind", "receipt")], headers=HTMX)
    assert response.status_code == 403


async def test_picker_gets_403_everywhere_in_the_manager_app(client):
    shop = await make_shop()
    await sign_in(client, "picker")
    for url in ("/manager/", "/manager/catalog", f"/manager/catalog/{shop.product_id}", "/manager/documents",
                f"/manager/catalog/labels/{shop.variants['KEN-250']}.svg"):
        response = await client.get(url)
        assert response.status_code == 403, url
        assert "Ваша роль не даёт доступа" in response.text
    response = await post_fields(client, f"/manager/catalog/{shop.product_id}/prices",
                                 [("variant_id", str(shop.variants["KEN-250"])), ("price_type", "retail"),
                                  ("amount", "1")])
    assert response.status_code == 403


async def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in ("/manager/catalog", "/manager/documents/new", "/manager/catalog/labels.pdf?variant=1"):
        response = await client.get(url, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next="), url
    response = await client.get("/manager/catalog", headers=HTMX, follow_redirects=False)
    assert response.status_code == 401 and response.headers["hx-redirect"].startswith("/login?next=")


async def test_owner_sees_the_administration_link_and_everything_else(client):
    await make_shop()
    await sign_in(client, "owner")
    home = await client.get("/manager/")
    assert 'href="/manager/admin"' in home.text and "Администрирование" in home.text
    assert 'data-testid="nav-documents"' in home.text
    assert (await client.get("/manager/documents")).status_code == 200


async def test_manager_home_counts_and_links(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    await receive(shop.warehouses["MAIN"], (shop.variants["KEN-250"], 3, 100))
    page = await client.get("/manager/documents/new", params={"kind": "inventory"})
    fields = form_fields(page.text, "doc-form") + [("line_variant", str(shop.variants["KEN-250"])),
                                                   ("line_qty", "3"), ("line_bin", ""), ("line_dest_bin", ""),
                                                   ("line_price", "")]
    saved = await post_fields(client, "/manager/documents/new?kind=inventory", fields, action="save")
    assert saved.status_code == 303
    home = await client.get("/manager/")
    assert home.status_code == 200 and 'aria-current="page"' in home.text
    assert by_testid(home.text, "variant-count") == ["Вариантов: 3"]
    assert by_testid(home.text, "draft-count") == ["Черновиков к проведению: 1"]
    drafts = home.text.split('data-testid="home-drafts"')[1].split("</section>")[0]
    recent = home.text.split('data-testid="home-recent"')[1].split("</section>")[0]
    assert "ИН-" in drafts and "ПР-" in recent and "ИН-" not in recent
    assert 'href="/manager/documents/new?kind=receipt"' in home.text and 'data-testid="nav-admin"' not in home.text
    assert 'data-testid="sign-out"' in home.text and 'action="/logout"' in home.text


async def test_language_switch_keeps_the_page_and_its_query(client):
    await make_shop()
    await sign_in(client, "manager")
    page = await client.get("/manager/catalog", params={"q": "кения"})
    assert 'href="/manager/catalog?q=%D0%BA%D0%B5%D0%BD%D0%B8%D1%8F&amp;lang=en"' in page.text
    english = await client.get("/manager/catalog", params={"q": "кения", "lang": "en"})
    assert '<html lang="en">' in english.text and "Catalog" in texts(english.text) and "Found: 2" in english.text
    assert 'href="/manager/catalog?q=%D0%BA%D0%B5%D0%BD%D0%B8%D1%8F&amp;lang=ru"' in english.text
    again = await client.get("/manager/documents")  # the choice is remembered in a cookie
    assert '<html lang="en">' in again.text and "Documents found" in again.text
    russian = await client.get("/manager/", params={"lang": "ru"})
    assert '<html lang="ru">' in russian.text and "Бэк-офис" in russian.text
