"""Manager PWA: the category tree — add, add a sub-category, rename, move, delete an empty one."""

from __future__ import annotations

from server.domain.audit.log import history
from server.domain.catalog.categories import create_category, list_categories
from server.domain.catalog.tables import Category
from tests.routes.manager_helpers import count_testid, make_shop, post_fields, sign_in, texts

TREE = "/manager/categories"


async def _paths() -> list[str]:
    return [c["path"] for c in await list_categories()]


async def test_add_categories_and_sub_categories(client):
    await sign_in(client, "manager")
    page = await client.get(TREE)
    assert page.status_code == 200 and page.headers["vary"] == "HX-Request"
    assert count_testid(page.text, "categories-empty") == 1
    response = await post_fields(client, TREE, [("name", "  Кофе  "), ("parent_id", "")])
    assert response.status_code == 303
    coffee = (await list_categories())[0]["id"]
    assert response.headers["location"] == f"{TREE}#category-{coffee}"
    # From the category's own page.
    response = await post_fields(client, TREE, [("name", "Зерновой"), ("parent_id", str(coffee)), ("back", "category")])
    assert response.status_code == 303
    # From the tree, with the parent chosen by the "+ sub-category" link.
    form = await client.get(TREE, params={"parent": coffee})
    assert f'<option value="{coffee}" selected>Кофе</option>' in form.text
    await post_fields(client, TREE, [("name", "Молотый"), ("parent_id", str(coffee))])
    assert await _paths() == ["Кофе", "Кофе / Зерновой", "Кофе / Молотый"]
    tree = await client.get(TREE)
    assert count_testid(tree.text, "category") == 3 and 'data-path="Кофе / Молотый"' in tree.text
    assert "Категория «Молотый» добавлена" in texts(tree.text)
    assert len(await history("category")) == 3


async def test_bad_names_are_refused_and_nothing_is_added(client):
    coffee = await create_category("Кофе")
    await sign_in(client, "manager")
    await client.get(TREE)
    before = await Category.count()
    response = await post_fields(client, TREE, [("name", "кофе"), ("parent_id", "")])
    assert response.status_code == 409 and "Категория «Кофе» здесь уже есть" in texts(response.text)
    assert 'value="кофе"' in response.text and 'aria-invalid="true"' in response.text
    response = await post_fields(client, TREE, [("name", " "), ("parent_id", str(coffee)), ("back", "category")])
    assert response.status_code == 422 and "Название категории — от 1 до 200 символов" in texts(response.text)
    assert 'data-testid="category-title"' in response.text  # the category's page, not the tree
    assert await Category.count() == before


async def test_rename_move_and_delete(client):
    coffee = await create_category("Кофе")
    tea = await create_category("Чай")
    beans = await create_category("Зерновой", coffee)
    await sign_in(client, "manager")
    page = await client.get(f"{TREE}/{coffee}")
    assert page.status_code == 200
    move_options = page.text.split('data-testid="category-move-parent"')[1].split("</select>")[0]
    assert f'value="{beans}"' not in move_options and f'value="{coffee}"' not in move_options  # never inside itself
    response = await post_fields(client, f"{TREE}/{beans}/rename", [("name", "В зёрнах")])
    assert response.status_code == 303
    response = await post_fields(client, f"{TREE}/{beans}/move", [("parent_id", str(tea))])
    assert response.status_code == 303 and response.headers["location"] == f"{TREE}/{beans}"
    assert "Чай / В зёрнах" in await _paths()
    # Refused: inside itself, a taken name, a category that is not empty.
    response = await post_fields(client, f"{TREE}/{tea}/move", [("parent_id", str(beans))])
    assert response.status_code == 422 and "нельзя перенести в неё саму" in texts(response.text)
    response = await post_fields(client, f"{TREE}/{coffee}/rename", [("name", "чай")])
    assert response.status_code == 409 and "Категория «Чай» здесь уже есть" in texts(response.text)
    response = await post_fields(client, f"{TREE}/{tea}/delete", [])
    assert response.status_code == 409 and "есть подкатегории" in texts(response.text)
    assert await _paths() == ["Кофе", "Чай", "Чай / В зёрнах"]
    response = await post_fields(client, f"{TREE}/{beans}/move", [("parent_id", "")])  # to the top
    assert response.status_code == 303 and await _paths() == ["В зёрнах", "Кофе", "Чай"]
    response = await post_fields(client, f"{TREE}/{tea}/delete", [])
    assert response.status_code == 303 and response.headers["location"] == TREE
    assert await _paths() == ["В зёрнах", "Кофе"]
    actions = {h["action"] for h in await history("category") if h["actor"] == "manager"}
    assert actions == {"category.rename", "category.move", "category.delete"}
    assert (await client.get(f"{TREE}/{tea}")).status_code == 404


async def test_a_category_with_products_is_not_deleted(client):
    await make_shop()  # «Кофе Кения АА» lies in Кофе / Зерновой
    await sign_in(client, "manager")
    beans = next(c["id"] for c in await list_categories() if c["name"] == "Зерновой")
    response = await post_fields(client, f"{TREE}/{beans}/delete", [])
    assert response.status_code == 409 and "есть товары" in texts(response.text)
    assert await Category.exists().where(Category.id == beans)


async def test_categories_are_for_managers_only(client):
    coffee = await create_category("Кофе")
    await sign_in(client, "cashier")
    for url in (TREE, f"{TREE}/{coffee}"):
        assert (await client.get(url)).status_code == 403, url
    for url in (TREE, f"{TREE}/{coffee}/rename", f"{TREE}/{coffee}/delete"):
        assert (await post_fields(client, url, [("name", "X")])).status_code == 403, url
    assert await _paths() == ["Кофе"]
