"""Changing products and variants after creation: every change checked, audited with old → new,
search text kept in sync, nothing written when refused."""

from __future__ import annotations

import pytest
from catalog_helpers import coffee, counts, ean13

from server.domain.audit.log import history
from server.domain.catalog.categories import create_category
from server.domain.catalog.dto import BarcodeInput, VariantInput
from server.domain.catalog.products import (
    add_barcode,
    add_variant,
    archive_variant,
    create_product,
    get_product_card,
    remove_barcode,
    update_product,
    update_variant,
)
from server.domain.catalog.search import search_variants
from server.domain.catalog.tables import Barcode, Product, Variant
from server.errors import Conflict, NotFound, ValidationFailed


async def test_update_product_records_old_and_new_and_renames_the_search_text():
    created = await create_product(coffee())
    category = await create_category("Кофе")

    diff = await update_product(created.id, {"name": "Кения АБ", "vat": "10", "unit_code": "163"},
                                category_id=category, weight_g=1000, image_urls=["https://cdn.example/k.jpg"],
                                marking_required=True, actor="anna")

    assert diff == {"name": ["Кения АА", "Кения АБ"], "vat": ["22", "10"], "weight_g": [0, 1000],
                    "image_urls": [[], ["https://cdn.example/k.jpg"]], "marking_required": [False, True],
                    "unit_code": ["796", "163"], "category_id": [None, category]}
    card = await get_product_card(created.id)
    assert (card["product"]["name"], card["product"]["unit_name"], card["category_path"][0]["name"]) == (
        "Кения АБ", "г", "Кофе")
    rows, total = await search_variants("кения аб")
    assert total == 2
    assert (await search_variants("кения аа"))[1] == 0
    entry = (await history("product", created.id))[0]
    assert (entry["action"], entry["actor"], entry["changes"]["name"]) == ("product.update", "anna",
                                                                           ["Кения АА", "Кения АБ"])


async def test_an_update_that_changes_nothing_writes_nothing():
    created = await create_product(coffee())
    before = await counts()
    assert await update_product(created.id, name=" Кения  АА ", vat="22") == {}
    assert await counts() == before


async def test_bad_product_changes_are_all_reported_and_change_nothing():
    created = await create_product(coffee())
    before = await counts()
    with pytest.raises(ValidationFailed) as caught:
        await update_product(created.id, name="", vat="18", unit_code="999", category_id=77, length_mm=-5,
                             image_urls=["file:///etc/passwd"])
    assert {p.field for p in caught.value.problems} == {"name", "vat", "unit_code", "category_id", "length_mm",
                                                         "image_urls[0]"}
    with pytest.raises(ValidationFailed) as unknown:
        await update_product(created.id, price=100)
    assert unknown.value.field == "price"
    with pytest.raises(NotFound):
        await update_product(999, name="X")
    assert await counts() == before


async def test_archiving_a_product_hides_its_variants_and_restoring_brings_them_back():
    created = await create_product(coffee())
    await update_product(created.id, archived=True)
    assert (await search_variants("кения"))[1] == 0
    assert (await search_variants("кения", include_archived=True))[1] == 2
    await update_product(created.id, archived=False)
    assert (await search_variants("кения"))[1] == 2


async def test_add_variant_checks_like_create_and_is_audited():
    created = await create_product(coffee())
    new = await add_variant(created.id, VariantInput(characteristics={"Помол": "молотый", "Вес": "250 г"},
                                                     prices={"retail": 91000}, generate_barcode=True), actor="ivan")
    assert new.sku == "KENIYA-AA-1"
    card = await get_product_card(created.id)
    assert [v["name"] for v in card["variants"]] == ["зерно, 250 г", "зерно, 1 кг", "молотый, 250 г"]
    assert card["variants"][2]["prices"] == {"retail": 91000} and card["variants"][2]["barcodes"][0]["code"][:2] == "20"
    assert (await history("variant", new.id))[0]["action"] == "variant.create"

    before = await counts()
    with pytest.raises(ValidationFailed) as caught:
        await add_variant(created.id, VariantInput(sku="KEN-250", characteristics={"вес": "250 г", "помол": "ЗЕРНО"},
                                                   prices={"retail": -5}))
    assert [p.field for p in caught.value.problems] == ["sku", "characteristics", "prices.retail"]
    with pytest.raises(NotFound):
        await add_variant(999, VariantInput())
    assert await counts() == before


async def test_a_variant_cannot_be_added_to_an_archived_product():
    created = await create_product(coffee())
    await update_product(created.id, archived=True)
    with pytest.raises(ValidationFailed):
        await add_variant(created.id, VariantInput(sku="NEW-1"))


async def test_update_variant_keeps_search_text_and_a_following_name_in_sync():
    created = await create_product(coffee())
    vid = created.variants[0].id
    diff = await update_variant(vid, {"sku": "KEN-250-Z"}, characteristics={"Помол": "зерно", "Вес": "200 г"})
    assert diff["sku"] == ["KEN-250", "KEN-250-Z"] and diff["name"] == ["зерно, 250 г", "зерно, 200 г"]
    row = await Variant.select().where(Variant.id == vid).first()
    assert row["search_text"] == "кения аа зерно, 200 г ken-250-z"
    assert await update_variant(vid, sku="ken-250-z") == {"sku": ["KEN-250-Z", "ken-250-z"]}  # its own, other case

    before = await counts()
    with pytest.raises(Conflict) as caught:
        await update_variant(vid, sku="KEN-1000")
    assert caught.value.params == {"sku": "KEN-1000", "product": "Кения АА"}
    with pytest.raises(ValidationFailed) as same:
        await update_variant(vid, characteristics={"Помол": "зерно", "Вес": "1 кг"})
    assert same.value.field == "characteristics"
    with pytest.raises(ValidationFailed):
        await update_variant(vid, sku="ЗЕРНО")
    assert await counts() == before


async def test_archive_and_restore_a_variant():
    created = await create_product(coffee())
    vid = created.variants[1].id
    assert await archive_variant(vid, actor="anna") is True
    assert await archive_variant(vid) is False
    assert [r.sku for r in (await search_variants("кения"))[0]] == ["KEN-250"]
    assert (await find_sku_by_scan(ean13("460123400003"))) == "KEN-1000"  # scans still find archived goods
    await update_product(created.id, archived=True)
    assert await archive_variant(vid, archived=False) is True
    product = await Product.select(Product.archived).where(Product.id == created.id).first()
    assert product["archived"] is False
    actions = [e["action"] for e in await history("variant", vid)]
    assert actions == ["variant.restore", "variant.archive"]


async def find_sku_by_scan(code: str) -> str | None:
    from server.domain.catalog.barcodes import find_by_code

    found = await find_by_code(code)
    return found.sku if found else None


async def test_add_and_remove_barcodes():
    created = await create_product(coffee())
    vid = created.variants[1].id
    box = await add_barcode(vid, BarcodeInput(" 96385074 ", multiplier=12), actor="anna")
    assert box == {"code": "96385074", "kind": "ean8", "multiplier": 12}
    generated = await add_barcode(vid)
    assert generated["code"].startswith("20") and generated["kind"] == "ean13"
    assert await find_sku_by_scan("96385074") == "KEN-1000"

    before = await counts()
    with pytest.raises(Conflict) as taken:
        await add_barcode(created.variants[0].id, BarcodeInput("96385074"))
    assert taken.value.params == {"code": "96385074", "sku": "KEN-1000"}
    with pytest.raises(ValidationFailed) as bad:
        await add_barcode(vid, BarcodeInput("96385075", multiplier=0))
    assert [p.field for p in bad.value.problems] == ["code", "multiplier"]
    with pytest.raises(NotFound):
        await remove_barcode(created.variants[0].id, "96385074")
    assert await counts() == before

    await remove_barcode(vid, "96385074", actor="anna")
    assert not await Barcode.exists().where(Barcode.code == "96385074")
    actions = [e["action"] for e in await history("variant", vid)]
    assert actions == ["barcode.remove", "barcode.add", "barcode.add"]
