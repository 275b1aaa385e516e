"""Analogs for missing goods: the same product's other variants first, then the category's goods ranked by
equal characteristics and properties and a close price; only what is available in the warehouse."""

from __future__ import annotations

import pytest
from stock_helpers import receive

from server.domain.catalog.analogs import suggest_analogs
from server.domain.catalog.categories import create_category
from server.domain.catalog.dto import ProductInput, VariantInput
from server.domain.catalog.products import create_product
from server.domain.catalog.properties import define_property
from server.domain.catalog.tables import Product, Variant
from server.domain.stock.dto import ReserveRequest
from server.domain.stock.reservations import reserve
from server.domain.stock.warehouses import create_warehouse
from server.errors import NotFound, ValidationFailed


async def _product(name: str, category: int | None, props: dict, *variants: tuple[str, dict, int]) -> dict[str, int]:
    made = await create_product(ProductInput(name=name, category_id=category, properties=props, variants=[
        VariantInput(sku=sku, characteristics=chars, prices={"retail": price}) for sku, chars, price in variants]))
    return {v.sku: v.id for v in made.variants}


async def _shop() -> tuple[int, int, dict[str, int]]:
    beans = await create_category("Кофе в зёрнах")
    tea = await create_category("Чай")
    await define_property("weight", "Вес нетто", "number", unit="г")
    await define_property("roast", "Обжарка", "choice", choices=["светлая", "тёмная"])
    await define_property("origin", "Страна", "text")
    sku: dict[str, int] = {}
    sku |= await _product("Кения АА", beans, {"weight": 250, "roast": "светлая", "origin": "Кения"},
                          ("KEN-B", {"Помол": "зерно", "Вес": "250 г"}, 89000),
                          ("KEN-M", {"Помол": "молотый", "Вес": "250 г"}, 89000))
    sku |= await _product("Эфиопия Иргачиф", beans, {"weight": 250, "roast": "светлая", "origin": "Эфиопия"},
                          ("ETH-B", {"Помол": "зерно", "Вес": "250 г"}, 92000))
    sku |= await _product("Бразилия Сантос", beans, {"weight": 1000, "roast": "тёмная", "origin": "Бразилия"},
                          ("BRA-B", {"Помол": "зерно", "Вес": "1 кг"}, 250000))
    sku |= await _product("Колумбия Супремо", beans, {"weight": 300, "roast": "светлая"},
                          ("COL-B", {"Помол": "зерно", "Вес": "300 г"}, 95000))
    sku |= await _product("Гватемала", beans, {"weight": 250}, ("GUA-B", {"Помол": "зерно"}, 90000))
    sku |= await _product("Чай Ассам", tea, {"weight": 250}, ("TEA", {"Вес": "250 г"}, 89000))
    sku |= await _product("Перу (архив)", beans, {"weight": 250, "roast": "светлая"},
                          ("PER-B", {"Помол": "зерно", "Вес": "250 г"}, 89000))
    await Product.update({Product.archived: True}).where(Product.id == (await Variant.select(Variant.product).where(
        Variant.id == sku["PER-B"]).first())["product"])
    wh = await create_warehouse("MAIN", "Основной склад")
    other = await create_warehouse("SHOP", "Магазин")
    await receive(wh, *[(sku[s], 5, 40000) for s in ("KEN-B", "KEN-M", "ETH-B", "BRA-B", "COL-B", "TEA", "PER-B")])
    await receive(other, (sku["GUA-B"], 5, 40000))  # in the other warehouse only
    return wh, other, sku


async def test_the_same_products_variants_come_first_then_the_closest_goods_of_the_category():
    wh, _other, sku = await _shop()
    found = await suggest_analogs(sku["KEN-B"], wh, 2)
    assert [a.sku for a in found] == ["KEN-M", "ETH-B", "COL-B", "BRA-B"]
    first, ethiopia = found[0], found[1]
    assert first.same_product and first.reasons[0]["code"] == "same_product" and first.available == 5
    assert first.price == 89000 and first.name == "Кения АА, молотый, 250 г"
    reasons = {(r["code"], r["name"]) for r in ethiopia.reasons}
    assert {("same", "Помол"), ("same", "Вес"), ("same", "Вес нетто"), ("same", "Обжарка"), ("price", "")} <= reasons
    assert ("same", "Страна") not in reasons
    assert ethiopia.score > found[2].score > found[3].score
    close = next(r for r in found[2].reasons if r["name"] == "Вес нетто")
    assert close == {"code": "close", "name": "Вес нетто", "value": "300 г"}


async def test_only_goods_available_in_that_warehouse_and_that_many():
    wh, other, sku = await _shop()
    await reserve("order:1", wh, [ReserveRequest(sku["ETH-B"], 4)])
    found = [a.sku for a in await suggest_analogs(sku["KEN-B"], wh, 2)]
    assert "ETH-B" not in found and "TEA" not in found and "PER-B" not in found and "GUA-B" not in found
    assert [a.sku for a in await suggest_analogs(sku["KEN-B"], wh, 6)] == []
    assert [a.sku for a in await suggest_analogs(sku["KEN-B"], other, 1)] == ["GUA-B"]
    assert len(await suggest_analogs(sku["KEN-B"], wh, 1, limit=2)) == 2


async def test_bad_questions_are_answered_clearly():
    wh, _other, sku = await _shop()
    with pytest.raises(NotFound):
        await suggest_analogs(999999, wh, 1)
    for qty in (0, -1, "2", True):
        with pytest.raises(ValidationFailed):
            await suggest_analogs(sku["KEN-B"], wh, qty)
