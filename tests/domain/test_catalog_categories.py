"""The category tree, typed properties and units of measure."""

from __future__ import annotations

from decimal import Decimal

import pytest
from catalog_helpers import coffee, counts

from server.domain.audit.log import history
from server.domain.catalog.categories import (
    category_path,
    create_category,
    delete_category,
    list_categories,
    move_category,
    rename_category,
)
from server.domain.catalog.products import create_product, get_product_card
from server.domain.catalog.properties import (
    decode_value,
    define_property,
    encode_value,
    list_properties,
    set_product_properties,
    update_property,
)
from server.domain.catalog.tables import Category, Unit
from server.domain.catalog.units import DEFAULT_UNITS, ensure_units, list_units
from server.errors import Conflict, NotFound, ValidationFailed


async def _tree() -> dict[str, int]:
    coffee_id = await create_category("Кофе")
    tea = await create_category("Чай", sort=-1)
    beans = await create_category("Зерно", coffee_id)
    ground = await create_category("Молотый", coffee_id)
    return {"coffee": coffee_id, "tea": tea, "beans": beans, "ground": ground}


async def test_the_tree_lists_depth_first_with_paths():
    ids = await _tree()
    listed = [(c["path"], c["depth"]) for c in await list_categories()]
    assert listed == [("Чай", 0), ("Кофе", 0), ("Кофе / Зерно", 1), ("Кофе / Молотый", 1)]
    assert await category_path(ids["beans"]) == [{"id": ids["coffee"], "name": "Кофе"},
                                                 {"id": ids["beans"], "name": "Зерно"}]
    assert await category_path(None) == []


async def test_names_are_unique_among_siblings_only():
    ids = await _tree()
    with pytest.raises(Conflict):
        await create_category(" зерно ", ids["coffee"])
    assert await create_category("Зерно", ids["tea"])  # another parent: fine
    with pytest.raises(ValidationFailed):
        await create_category("   ")
    with pytest.raises(ValidationFailed):
        await create_category("Сорта", parent_id=999)


async def test_rename_and_move_are_audited_and_a_cycle_is_refused():
    ids = await _tree()
    await rename_category(ids["beans"], "В зёрнах", actor="anna")
    await move_category(ids["ground"], ids["beans"], actor="anna")
    assert (await list_categories())[-1]["path"] == "Кофе / В зёрнах / Молотый"
    assert [e["action"] for e in await history("category", ids["ground"])] == ["category.move", "category.create"]

    before = await counts()
    with pytest.raises(ValidationFailed) as caught:
        await move_category(ids["coffee"], ids["ground"])
    assert caught.value.message == "A category cannot be moved inside itself or its subcategories"
    with pytest.raises(ValidationFailed):
        await move_category(ids["coffee"], ids["coffee"])
    with pytest.raises(Conflict):
        await rename_category(ids["tea"], "кофе")
    with pytest.raises(NotFound):
        await rename_category(999, "Нет")
    assert await counts() == before

    await move_category(ids["ground"], None)
    assert [c["path"] for c in await list_categories() if c["depth"] == 0] == ["Чай", "Кофе", "Молотый"]


async def test_only_an_empty_category_can_be_deleted():
    ids = await _tree()
    await create_product(coffee(category_id=ids["beans"]))
    with pytest.raises(Conflict):
        await delete_category(ids["coffee"])
    with pytest.raises(Conflict):
        await delete_category(ids["beans"])
    await delete_category(ids["ground"])
    assert not await Category.exists().where(Category.id == ids["ground"])


async def test_units_are_seeded_idempotently():
    await ensure_units()
    await ensure_units()
    units = {u["code"]: u["name"] for u in await list_units()}
    assert units == DEFAULT_UNITS
    assert {"796": "шт", "166": "кг", "163": "г", "112": "л", "778": "упак"}.items() <= units.items()
    assert await Unit.count() == len(DEFAULT_UNITS)


@pytest.mark.parametrize(("value", "stored"), [
    (12, 12000), (12.5, 12500), ("12,5", 12500), (" 1 000 ", 1_000_000), (Decimal("0.001"), 1), (-3, -3000),
])
def test_numbers_are_stored_exactly_scaled_by_1000(value, stored):
    prop = {"kind": "number", "name": "Вес", "choices": []}
    assert encode_value(prop, value, "v") == ("", stored)
    assert decode_value("number", "", stored) == (float(Decimal(stored) / 1000) if stored % 1000 else stored // 1000)


@pytest.mark.parametrize("value", ["0.0001", "много", float("nan"), float("inf"), True, None, "1e20"])
def test_bad_numbers_are_refused(value):
    with pytest.raises(ValidationFailed) as caught:
        encode_value({"kind": "number", "name": "Вес", "choices": []}, value, "properties.weight")
    assert caught.value.params == {"name": "Вес"} and caught.value.field == "properties.weight"


def test_yes_no_and_choices():
    flag = {"kind": "bool", "name": "Без кофеина", "choices": []}
    assert [encode_value(flag, v, "f")[1] for v in (True, False, "да", "Нет", "yes", "0")] == [1, 0, 1, 0, 1, 0]
    with pytest.raises(ValidationFailed):
        encode_value(flag, "может быть", "f")
    roast = {"kind": "choice", "name": "Обжарка", "choices": ["светлая", "тёмная"]}
    assert encode_value(roast, "ТЁМНАЯ", "r") == ("тёмная", None)
    with pytest.raises(ValidationFailed) as caught:
        encode_value(roast, "средняя", "r")
    assert caught.value.params["choices"] == "светлая, тёмная"


async def test_define_property_checks_everything():
    await define_property("roast", "Обжарка", "choice", choices=["светлая", "тёмная"])
    with pytest.raises(Conflict):
        await define_property("roast", "Ещё раз")
    with pytest.raises(ValidationFailed) as caught:
        await define_property("Bad Code", "", "colour", unit="x" * 17)
    assert {p.field for p in caught.value.problems} == {"code", "name", "kind", "unit"}
    for kind, choices in (("choice", []), ("text", ["a"]), ("choice", ["a", "A"])):
        with pytest.raises(ValidationFailed):
            await define_property("p", "P", kind, choices=choices)
    assert [p["code"] for p in await list_properties()] == ["roast"]


async def test_set_product_properties_changes_removes_and_audits():
    await define_property("roast", "Обжарка", "choice", choices=["светлая", "тёмная"])
    await define_property("weight", "Вес нетто", "number", unit="г")
    created = await create_product(coffee(properties={"roast": "светлая"}))

    changes = await set_product_properties(created.id, {"weight": "250", "roast": None}, actor="anna")

    assert changes == {"weight": [None, 250], "roast": ["светлая", None]}
    card = await get_product_card(created.id)
    assert card["properties"] == [{"code": "weight", "name": "Вес нетто", "kind": "number", "unit": "г", "value": 250}]
    assert (await history("product", created.id))[0]["action"] == "product.properties"
    with pytest.raises(ValidationFailed):
        await set_product_properties(created.id, {"weight": "тяжёлый"})
    with pytest.raises(NotFound):
        await set_product_properties(999, {"weight": 1})


async def test_a_choice_in_use_cannot_be_removed():
    await define_property("roast", "Обжарка", "choice", choices=["светлая", "тёмная"])
    await create_product(coffee(properties={"roast": "тёмная"}))
    with pytest.raises(Conflict):
        await update_property("roast", choices=["светлая"])
    await update_property("roast", name="Степень обжарки", choices=["светлая", "тёмная", "средняя"])
    assert (await list_properties())[0]["choices"] == ["светлая", "тёмная", "средняя"]
