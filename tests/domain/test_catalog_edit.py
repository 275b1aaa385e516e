"""edit_product: a product's facts and typed properties changed together (the manager's edit form)."""

from __future__ import annotations

import pytest

from server.domain.audit.log import history
from server.domain.catalog.card import get_product_card
from server.domain.catalog.products import create_product, edit_product
from server.domain.catalog.properties import define_property
from server.errors import NotFound, ValidationFailed
from tests.domain.catalog_helpers import coffee, counts


async def test_facts_and_properties_change_together_with_their_audit_rows():
    await define_property("origin", "Страна происхождения")
    await define_property("cups", "Чашек", "number")
    created = await create_product(coffee(properties={"origin": "Кения"}))
    diff = await edit_product(created.id, {"name": "Кения АА Плюс", "vat": "10"}, {"origin": "", "cups": "2,5"},
                              actor="anna")
    assert diff == {"name": ["Кения АА", "Кения АА Плюс"], "vat": ["22", "10"],
                    "properties.origin": ["Кения", None], "properties.cups": [None, 2.5]}
    card = await get_product_card(created.id)
    assert card["product"]["name"] == "Кения АА Плюс" and [p["value"] for p in card["properties"]] == [2.5]
    actions = [(h["action"], h["actor"]) for h in await history("product", created.id)]
    assert actions[:2] == [("product.properties", "anna"), ("product.update", "anna")]


async def test_problems_of_both_parts_are_reported_at_once_and_nothing_is_written():
    await define_property("cups", "Чашек", "number")
    created = await create_product(coffee())
    before = await counts()
    with pytest.raises(ValidationFailed) as caught:
        await edit_product(created.id, {"name": "", "weight_g": -1}, {"cups": "много", "nope": "1"})
    assert sorted(p.field for p in caught.value.problems) == ["name", "properties.cups", "properties.nope",
                                                               "weight_g"]
    # A good fact change with a bad property: the fact is not written either.
    with pytest.raises(ValidationFailed):
        await edit_product(created.id, {"name": "Другое имя"}, {"cups": "много"})
    assert await counts() == before
    assert (await get_product_card(created.id))["product"]["name"] == "Кения АА"


async def test_an_unknown_product_is_not_found():
    with pytest.raises(NotFound):
        await edit_product(999, {"name": "X"}, {})
