"""Manager PWA: price types — the list, adding one, the errors, and who may."""

from __future__ import annotations

from server.domain.audit.log import history
from server.domain.catalog.prices import list_price_types
from server.domain.catalog.tables import PriceType
from tests.routes.manager_helpers import count_testid, form_fields, make_shop, post_fields, sign_in, texts

URL = "/manager/price-types"


async def test_the_list_shows_the_default_types_in_russian(client):
    await sign_in(client, "manager")
    page = await client.get(URL)
    assert page.status_code == 200 and page.headers["vary"] == "HX-Request"
    rows = page.text.split('data-testid="price-types"')[1].split("</table>")[0]
    assert count_testid(rows, "price-type") == 3
    assert "Розничная" in texts(rows) and "Оптовая" in texts(rows) and "Закупочная" in texts(rows)
    listing = await client.get("/manager/catalog")
    assert 'href="/manager/price-types"' in listing.text


async def test_add_a_price_type_and_use_it_on_the_product_form(client):
    await sign_in(client, "manager")
    page = await client.get(URL)
    fields = [f for f in form_fields(page.text, None) if f[0] in ("code", "name")]
    assert fields == [("name", ""), ("code", "")]
    response = await post_fields(client, URL, [("code", "marketplace"), ("name", "Маркетплейс")])
    assert response.status_code == 303 and response.headers["location"] == URL
    after = await client.get(URL)
    assert "Тип цены «Маркетплейс» добавлен" in texts(after.text) and 'data-code="marketplace"' in after.text
    assert [t["code"] for t in await list_price_types()] == ["retail", "wholesale", "purchase", "marketplace"]
    assert [h["action"] for h in await history("price_type")] == ["price_type.create"]
    form = await client.get("/manager/catalog/new")
    assert 'name="v0.price.marketplace"' in form.text and "Маркетплейс" in form.text


async def test_bad_or_taken_codes_are_refused_with_the_form_kept(client):
    await sign_in(client, "manager")
    await client.get(URL)
    before = await PriceType.count()
    response = await post_fields(client, URL, [("code", "Маркет плейс"), ("name", "")])
    assert response.status_code == 422
    text = texts(response.text)
    assert "Код типа цены — от 1 до 32 строчных латинских букв" in text and 'aria-invalid="true"' in response.text
    assert 'value="Маркет плейс"' in response.text
    response = await post_fields(client, URL, [("code", "retail"), ("name", "Ещё одна розница")])
    assert response.status_code == 409 and "Тип цены retail уже есть" in texts(response.text)
    assert 'value="Ещё одна розница"' in response.text
    assert await PriceType.count() == before


async def test_price_types_are_for_managers_only(client):
    await make_shop()
    await sign_in(client, "cashier")
    assert (await client.get(URL)).status_code == 403
    assert (await post_fields(client, URL, [("code", "x"), ("name", "X")])).status_code == 403
    assert 'href="/manager/price-types"' not in (await client.get("/manager/catalog")).text
    assert not await PriceType.exists().where(PriceType.code == "x")
