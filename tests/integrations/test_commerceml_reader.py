"""Reading and writing CommerceML: what the parsed dataclasses hold for the real fixtures (versions
2.03–2.07 and 3.1, windows-1251 and UTF-8 with and without BOM), and the writer's output."""

from __future__ import annotations

import io
from decimal import Decimal

from commerceml_helpers import fixture

from server.integrations.commerceml import (
    Catalog,
    CmlWriter,
    Offer,
    OfferPackage,
    Order,
    OrderLine,
    Price,
    Product,
    StockLevel,
    parse_document,
    parse_orders,
    write_import,
    write_offers,
    write_orders,
)


def test_import_204_variants_as_goods_with_groups_and_units():
    doc = parse_document(fixture("cml204_import_1c_official.xml"))
    assert doc.version == "2.04" and doc.encoding == "utf-8"
    assert [g.name for g in doc.classifier.groups] == ["Мебель"]
    assert doc.catalog.only_changes is False
    first = doc.catalog.products[0]
    assert first.id == "05e26d70-01e4-11dc-a411-00055d80a2d1#05e26d76-01e4-11dc-a411-00055d80a2d1"
    assert first.unit.code == "796" and first.unit.name == "шт" and first.unit.international == "PCE"
    assert [(c.name, c.value) for c in first.characteristics] == [("Цвет", "Белый")]
    assert first.taxes[0].rate == "18" and first.group_ids == ["05e26d6f-01e4-11dc-a411-00055d80a2d1"]


def test_offers_prices_become_exact_kopecks_and_stock_per_warehouse():
    doc = parse_document(fixture("cml207_offers_variants_stores.xml"))  # 2.07, namespace, BOM
    package = doc.package
    assert doc.version == "2.07" and len(package.warehouses) == 5 and package.price_types[0].name == "Розничная"
    offer = package.offers[0]
    assert offer.product_id == "bd72d910-55bc-11d9-848a-00112f43529a"
    assert offer.prices == [Price("bb14a3a4-6b17-11e0-9819-e0cb4ed5eed4", 171900, "RUB", "", "1")]
    assert offer.quantity == 20 and offer.stock == [StockLevel("b6112590-41ba-11dd-ac9d-0015e9b8c48d", Decimal(20))]
    rests = parse_document(fixture("cml31_goods_rests.xml")).package.offers[0]  # 3.1 element form
    assert len(rests.stock) == 12 and rests.stock[0].warehouse_id == "be3dfd89-0ac5-11e1-84f0-00241d886595"
    prices = parse_document(fixture("cml31_goods_prices.xml")).package.offers[0].prices
    assert prices[0].amount == 204266 and prices[0].currency == "руб"


def test_classifier_31_and_import_changes_only():
    classifier = parse_document(fixture("cml31_classifier_import.xml")).classifier
    assert classifier.only_changes is True and len(classifier.warehouses) == 12
    assert classifier.units[0].code == "796" and classifier.units[0].short_name == "шт"
    changes = parse_document(fixture("cml205_import_changes_only.xml"))
    assert changes.catalog.only_changes is True
    groups = changes.classifier.groups
    assert groups[0].name == "Товары" and groups[0].groups[0].name == "Группа 3"
    brand = next(p for p in changes.classifier.properties if p.name == "Бренд")
    assert brand.value_type == "Справочник" and brand.choices[0].value == "GSFR"
    dress = changes.catalog.products[0]
    assert dress.sku == "П2" and {p.property_id: p.values for p in dress.properties}[
        "362babdc-9a02-11e3-b8cf-00241d337dcd"] == ["Красный;Черный"]


def test_orders_in_windows_1251_with_status_requisites():
    orders = parse_orders(fixture("cml205_bitrix_sale_query_cp1251.xml"))
    assert [o.number for o in orders] == ["132", "133"]
    first = orders[0]
    assert first.total == 23174 and first.lines[0].price == 23174 and first.lines[0].quantity == 1
    assert first.status == "[N] Принят, ожидается оплата" and first.paid is False
    assert first.payment_method == "При получении наличными или картой"
    assert first.requisite("Статуса заказа ИД") == "N" and first.customer.role == "Покупатель"
    old = parse_document(fixture("cml203_orders_cp1251.xml"))
    assert old.encoding == "windows-1251" and old.orders[0].paid is True
    assert old.orders[0].lines[0].id == "ORDER_DELIVERY" and old.orders[0].lines[0].total == 34800
    assert parse_orders(fixture("cml205_bitrix_sale_query_empty_cp1251.xml")) == []


def test_writer_windows_1251_keeps_what_the_encoding_lacks_as_references():
    order = Order(id="7", number="7", date="2026-11-25", total=150050, lines=[
        OrderLine(id="SKU-1", name="Кофе «Кения» ☕", price=150050, quantity=Decimal(1), total=150050)])
    data = write_orders([order], encoding="windows-1251", version="2.05")
    assert data.startswith(b'<?xml version="1.0" encoding="windows-1251"?>')
    assert "Кофе «Кения» &#9749;".encode("cp1251") in data
    back = parse_orders(data)[0]
    assert back.lines[0].name == "Кофе «Кения» ☕" and back.total == 150050 and back.operation == "Заказ товара"


def test_writer_streams_products_from_a_generator_and_marks_changes_only():
    products = (Product(id=f"p{n}", name=f"Товар {n}\x01", sku=f"A-{n}") for n in range(3))
    data = write_import(Catalog(id="c", name="Каталог", only_changes=True, products=products))
    assert b'<\xd0\x9a\xd0\xb0\xd1\x82\xd0\xb0\xd0\xbb\xd0\xbe\xd0\xb3 \xd0\xa1' in data  # <Каталог С…
    doc = parse_document(data)
    assert doc.catalog.only_changes is True and [p.name for p in doc.catalog.products] == ["Товар 0", "Товар 1",
                                                                                              "Товар 2"]
    assert doc.version == "2.07" and b'xmlns="urn:1C.ru:commerceml_2"' in data


def test_cml_writer_into_a_stream_and_3_1_rests():
    out = io.BytesIO()
    with CmlWriter(out, version="3.1", generated_at="2026-11-25T10:00:00") as w:
        w.begin_package(OfferPackage(id="pkg", only_changes=False))
        w.offer(Offer(id="p#v", stock=[StockLevel("w1", Decimal(5))], prices=[Price("t", 12345)]))
        w.end_package()
    doc = parse_document(out.getvalue())
    assert b"urn:1C.ru:commerceml_3" in out.getvalue() and b"\xd0\x9e\xd1\x81\xd1\x82\xd0\xb0\xd1\x82\xd0\xba\xd0\xb8" in out.getvalue()
    assert doc.package.offers == [Offer(id="p#v", stock=[StockLevel("w1", Decimal(5))], prices=[Price("t", 12345)])]
    assert write_offers(doc.package, version="2.05", generated_at="x").count("ИдСклада".encode()) == 1
