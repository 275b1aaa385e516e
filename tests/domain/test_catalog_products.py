"""Creating products: everything checked first, every problem reported at once, nothing written on
error, one audit row on success; SKUs generated; the product card."""

from __future__ import annotations

import pytest
from catalog_helpers import coffee, counts, ean13
from stock_helpers import make_warehouse, receive

from server.domain.audit.log import history
from server.domain.catalog._sku import sku_base, transliterate
from server.domain.catalog.barcodes import find_by_code, validate_barcode
from server.domain.catalog.categories import create_category
from server.domain.catalog.dto import BarcodeInput, ProductInput, VariantInput
from server.domain.catalog.products import create_product, get_product_card
from server.domain.catalog.properties import define_property
from server.domain.catalog.search import search_variants
from server.domain.catalog.tables import Barcode, Price, Product, ProductProperty, Variant
from server.domain.stock.warehouses import create_bin
from server.errors import Conflict, NotFound, ValidationFailed


async def test_create_writes_product_variants_barcodes_prices_and_one_audit_row():
    created = await create_product(coffee(description="Светлая обжарка", weight_g=250), actor="anna")

    assert [v.sku for v in created.variants] == ["KEN-250", "KEN-1000"]
    product = await Product.select().where(Product.id == created.id).first()
    assert (product["name"], product["vat"], product["weight_g"], product["description"]) == (
        "Кения АА", "22", 250, "Светлая обжарка")
    variants = await Variant.select().where(Variant.product == created.id).order_by(Variant.id).output(load_json=True)
    assert [v["name"] for v in variants] == ["зерно, 250 г", "зерно, 1 кг"]
    assert variants[0]["characteristics"] == {"Помол": "зерно", "Вес": "250 г"}
    assert variants[0]["search_text"] == "кения аа зерно, 250 г ken-250"
    six = await Barcode.select().where(Barcode.code == ean13("460123400002")).first()
    assert (six["variant"], six["kind"], six["multiplier"]) == (created.variants[0].id, "ean13", 6)
    assert await Price.count().where(Price.variant == created.variants[0].id) == 2
    audit = await history("product", created.id)
    assert len(audit) == 1 and audit[0]["actor"] == "anna" and audit[0]["action"] == "product.create"
    assert [v["sku"] for v in audit[0]["changes"]["variants"]] == ["KEN-250", "KEN-1000"]
    scanned = await find_by_code(ean13("460123400002"))
    assert (scanned.variant_id, scanned.multiplier) == (created.variants[0].id, 6)
    rows, total = await search_variants("кения 1 КГ")
    assert total == 1 and rows[0].sku == "KEN-1000" and rows[0].retail_price == 299000


async def test_an_explicit_variant_name_wins_over_the_characteristics():
    created = await create_product(ProductInput(name="Чай", variants=[
        VariantInput(sku="TEA-1", name="  Пачка   100 г ", characteristics={"Вес": "100 г"})]))
    row = await Variant.select(Variant.name).where(Variant.id == created.variants[0].id).first()
    assert row["name"] == "Пачка 100 г"


def test_sku_base_is_transliterated_ascii():
    assert transliterate("Щётка Ёжик") == "shchetka ezhik"
    assert sku_base("Кения АА, 250 г") == "KENIYA-AA-250-G"
    assert sku_base("咖啡 ☕") == "SKU"
    base = sku_base("Эфиопия Иргачефф Коке Хану натуральная обработка")
    assert base.isascii() and len(base) <= 24 and not base.endswith("-")


async def test_missing_skus_are_generated_unique_and_numbered_on():
    first = await create_product(ProductInput(name="Кения АА", variants=[
        VariantInput(characteristics={"Вес": "250 г"}), VariantInput(characteristics={"Вес": "1 кг"})]))
    second = await create_product(ProductInput(name="кения аа", variants=[VariantInput(sku="KENIYA-AA-7"),
                                                                          VariantInput()]))
    assert [v.sku for v in first.variants] == ["KENIYA-AA-1", "KENIYA-AA-2"]
    assert [v.sku for v in second.variants] == ["KENIYA-AA-7", "KENIYA-AA-8"]


async def test_generate_barcode_gives_each_variant_a_new_in_store_ean13():
    created = await create_product(ProductInput(name="Развесной чай", unit_code="166", variants=[
        VariantInput(sku="TEA-A", generate_barcode=True), VariantInput(sku="TEA-B", generate_barcode=True)]))
    codes = [r["code"] for r in await Barcode.select(Barcode.code).order_by(Barcode.id)]
    assert len(set(codes)) == 2
    assert all(c.startswith("20") and validate_barcode(c) == "ean13" for c in codes)
    card = await get_product_card(created.id)
    assert card["product"]["unit_code"] == "166" and card["product"]["unit_name"] == "кг"


async def test_every_problem_is_reported_at_once_with_its_field_and_nothing_is_written():
    await create_product(coffee())
    before = await counts()
    bad = ProductInput(
        name="   ", vat="18", unit_code="999", category_id=12345, weight_g=-1, image_urls=["ftp://x/y.png"],
        properties={"nope": "x"},
        variants=[
            VariantInput(sku="DUP-1", barcodes=[BarcodeInput("4006381333932")], prices={"retail": -1}),
            VariantInput(sku="dup-1", prices={"vip": 100}, characteristics={"Вес": " "}),
            VariantInput(sku="Артикул", barcodes=[BarcodeInput("96385074", multiplier=0)]),
            VariantInput(sku="ken-250", barcodes=[BarcodeInput(ean13("460123400001"))]),
        ])
    with pytest.raises(ValidationFailed) as caught:
        await create_product(bad)

    fields = [p.field for p in caught.value.problems]
    assert set(fields) == {
        "name", "vat", "unit_code", "category_id", "weight_g", "image_urls[0]", "properties.nope",
        "variants[0].barcodes[0].code", "variants[0].prices.retail", "variants[1].sku", "variants[1].prices.vip",
        "variants[1].characteristics.Вес", "variants[2].sku", "variants[2].barcodes[0].multiplier",
        "variants[3].sku", "variants[3].barcodes[0].code"}
    assert len(fields) == len(set(fields))
    assert fields.index("name") < fields.index("variants[0].prices.retail") < fields.index("variants[3].sku")
    assert caught.value.params == {"count": 16}
    by_field = {p.field: p for p in caught.value.problems}
    assert isinstance(by_field["variants[3].sku"], Conflict)
    assert by_field["variants[3].sku"].params == {"sku": "KEN-250", "product": "Кения АА"}
    assert by_field["variants[3].barcodes[0].code"].params["sku"] == "KEN-250"
    assert by_field["variants[0].barcodes[0].code"].params["expected"] == "1"
    assert await counts() == before


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"name": "x" * 301}, "name", "The product name must be 1 to 300 characters long"),
    ({"variants": []}, "variants", "Add at least one variant"),
    ({"vat": "18"}, "vat", "Unknown VAT rate %(vat)s: use %(rates)s"),
    ({"unit_code": "000"}, "unit_code", "Unknown unit %(code)s"),
    ({"category_id": 999}, "category_id", "Unknown category %(id)s"),
    ({"height_mm": 2**31}, "height_mm", "Weight and dimensions must be whole numbers from 0 to %(max)s"),
    ({"image_urls": ["javascript:alert(1)"]}, "image_urls[0]", "Image %(url)s: use an http:// or https:// address"),
    ({"image_urls": ["https://"]}, "image_urls[0]", "Image %(url)s: use an http:// or https:// address"),
    ({"description": "я" * 20_001}, "description", "The description must be at most 20000 characters long"),
    ({"properties": {"roast": "очень тёмная"}}, "properties.roast", "%(name)s: choose one of %(choices)s"),
    ({"properties": {"caffeine": "много"}}, "properties.caffeine", "%(name)s: enter a number with at most 3 decimals"),
    ({"properties": {"decaf": "может быть"}}, "properties.decaf", "%(name)s: enter yes or no"),
])
async def test_each_bad_product_field_is_refused_with_a_clear_message(changes, field, message):
    await define_property("roast", "Обжарка", "choice", choices=["светлая", "тёмная"])
    await define_property("caffeine", "Кофеин", "number", unit="мг")
    await define_property("decaf", "Без кофеина", "bool")
    before = await counts()
    with pytest.raises(ValidationFailed) as caught:
        await create_product(coffee(**changes))
    assert (caught.value.field, caught.value.message) == (field, message)
    assert await counts() == before


@pytest.mark.parametrize(("variant", "field", "message"), [
    (VariantInput(sku="KEN\t1"), "variants[0].sku", None),
    (VariantInput(sku="x" * 65), "variants[0].sku", None),
    (VariantInput(sku="КЕН-1"), "variants[0].sku", None),
    (VariantInput(characteristics={"": "зерно"}), "variants[0].characteristics",
     "A characteristic name must be 1 to 100 characters long"),
    (VariantInput(characteristics={"Вес": 250}), "variants[0].characteristics",
     "Characteristics must be names and values as text"),
    (VariantInput(barcodes=[BarcodeInput("12345", kind="ean13")]), "variants[0].barcodes[0].code", None),
    (VariantInput(barcodes=[BarcodeInput("96385074", kind="qr")]), "variants[0].barcodes[0].kind", None),
    (VariantInput(prices={"retail": 10.5}), "variants[0].prices.retail", "A price must be a whole number of kopecks"),
    (VariantInput(prices={"retail": True}), "variants[0].prices.retail", "A price must be a whole number of kopecks"),
    (VariantInput(prices={"retail": 10**13}), "variants[0].prices.retail", "A price must be at most %(max)s kopecks"),
    (VariantInput(prices={"opt": 100}), "variants[0].prices.opt", "Unknown price type %(code)s"),
    (VariantInput(name="я" * 301), "variants[0].name", "The variant name must be at most 300 characters long"),
])
async def test_each_bad_variant_field_is_refused(variant, field, message):
    before = await counts()
    with pytest.raises(ValidationFailed) as caught:
        await create_product(ProductInput(name="Чай", variants=[variant]))
    assert caught.value.field == field
    assert message is None or caught.value.message == message
    assert await counts() == before


async def test_repeats_inside_one_request_are_refused():
    code = ean13("460000000001")
    with pytest.raises(ValidationFailed) as caught:
        await create_product(ProductInput(name="Чай", variants=[
            VariantInput(sku="T-1", characteristics={"Вес": "100 г"}, barcodes=[BarcodeInput(code)]),
            VariantInput(sku="t-1", characteristics={"вес": "100 Г"}, barcodes=[BarcodeInput(" " + code + "\n")]),
        ]))
    assert [(p.field, p.message) for p in caught.value.problems] == [
        ("variants[1].sku", "SKU %(sku)s is given twice"),
        ("variants[1].characteristics", "Two variants have the same characteristics: %(name)s"),
        ("variants[1].barcodes[0].code", "Barcode %(code)s is given twice"),
    ]
    assert await Product.count() == 0


async def test_taken_sku_and_barcode_are_conflicts_naming_who_has_them():
    await create_product(coffee())
    before = await counts()
    with pytest.raises(Conflict) as caught:
        await create_product(ProductInput(name="Другой кофе", variants=[
            VariantInput(sku="ken-1000", barcodes=[BarcodeInput(ean13("460123400003"))])]))
    assert caught.value.status_code == 409
    assert [(p.field, p.params) for p in caught.value.problems] == [
        ("variants[0].sku", {"sku": "KEN-1000", "product": "Кения АА"}),
        ("variants[0].barcodes[0].code", {"code": ean13("460123400003"), "sku": "KEN-1000"}),
    ]
    assert await counts() == before


async def test_a_single_problem_is_raised_as_itself():
    with pytest.raises(ValidationFailed) as caught:
        await create_product(coffee(vat="13"))
    assert caught.value.problems == [] and caught.value.field == "vat"
    assert caught.value.params["rates"].startswith("22, 20")


async def test_properties_are_stored_typed_and_shown_on_the_card():
    await define_property("roast", "Обжарка", "choice", choices=["светлая", "тёмная"])
    await define_property("caffeine", "Кофеин", "number", unit="мг")
    await define_property("decaf", "Без кофеина", "bool")
    await define_property("origin", "Страна", "text")
    await define_property("note", "Заметка", "text")
    created = await create_product(coffee(properties={"roast": "СВЕТЛАЯ", "caffeine": "12,5", "decaf": "нет",
                                                      "origin": " Кения ", "note": None}))
    stored = {r["value_number"] for r in await ProductProperty.select(ProductProperty.value_number)}
    assert stored == {None, 12500, 0}
    card = await get_product_card(created.id)
    assert card["properties"] == [
        {"code": "decaf", "name": "Без кофеина", "kind": "bool", "unit": "", "value": False},
        {"code": "caffeine", "name": "Кофеин", "kind": "number", "unit": "мг", "value": 12.5},
        {"code": "roast", "name": "Обжарка", "kind": "choice", "unit": "", "value": "светлая"},
        {"code": "origin", "name": "Страна", "kind": "text", "unit": "", "value": "Кения"},
    ]


async def test_the_card_has_prices_barcodes_stock_with_bins_avg_cost_and_category_path():
    coffee_id = await create_category("Кофе")
    beans = await create_category("Зерно", coffee_id)
    created = await create_product(coffee(category_id=beans))
    main = await make_warehouse("MAIN")
    await make_warehouse("SHOP")
    shelf_b = await create_bin(main, "A", "02", pick_seq=20)
    shelf_a = await create_bin(main, "A", "01", pick_seq=10)
    small = created.variants[0].id
    await receive(main, (small, 3, 45000, shelf_b), (small, 1, 41000, shelf_a))

    card = await get_product_card(created.id)

    assert card["category_path"] == [{"id": coffee_id, "name": "Кофе"}, {"id": beans, "name": "Зерно"}]
    assert card["price_types"][:3] == [{"code": "retail", "name": "Розничная"},
                                       {"code": "wholesale", "name": "Оптовая"},
                                       {"code": "purchase", "name": "Закупочная"}]
    first = card["variants"][0]
    assert first["prices"] == {"retail": 89000, "purchase": 41250}
    assert first["barcodes"] == [{"code": ean13("460123400001"), "kind": "ean13", "multiplier": 1},
                                 {"code": ean13("460123400002"), "kind": "ean13", "multiplier": 6}]
    main_stock, shop_stock = first["stock"]
    assert (main_stock["warehouse_id"], main_stock["on_hand"], main_stock["reserved"], main_stock["available"]) == (
        main, 4, 0, 4)
    assert main_stock["avg_cost"] == (3 * 45000 + 41000) // 4
    assert [b["address"] for b in main_stock["bins"]] == ["A-01", "A-02"]
    assert [b["on_hand"] for b in main_stock["bins"]] == [1, 3]
    assert (shop_stock["on_hand"], shop_stock["avg_cost"], shop_stock["bins"]) == (0, None, [])
    assert card["variants"][1]["stock"][0]["on_hand"] == 0


async def test_an_unknown_product_card_is_not_found():
    with pytest.raises(NotFound):
        await get_product_card(404)


async def test_barcode_problems_keep_their_own_index_after_a_refused_barcode():
    await create_product(coffee())
    taken = ean13("460123400001")
    with pytest.raises(ValidationFailed) as caught:
        await create_product(ProductInput(name="Смесь", variants=[VariantInput(sku="MIX-1", barcodes=[
            BarcodeInput("4006381333932"), BarcodeInput(taken), BarcodeInput("96385074"), BarcodeInput("96385074")])]))
    assert [(p.field, p.message) for p in caught.value.problems] == [
        ("variants[0].barcodes[0].code", "Barcode %(code)s: wrong check digit, expected %(expected)s"),
        ("variants[0].barcodes[1].code", "Barcode %(code)s already belongs to %(sku)s"),
        ("variants[0].barcodes[3].code", "Barcode %(code)s is given twice"),
    ]
