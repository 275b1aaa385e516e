"""Catalog import from 1C (server.domain.exchange.import_1c) on the real CommerceML fixtures: what the
files say arrives (groups, properties, variants, barcodes, prices, stock through inventory counts),
a re-import updates instead of duplicating, and a refused import changes nothing."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from server.cli import main
from server.db import engine
from server.domain.catalog.tables import Barcode, Category, Price, Product, ProductProperty, Property, Variant
from server.domain.exchange.dto import CatalogImport, PriceTypeData, ProductData, VariantData, WarehouseData
from server.domain.exchange.import_1c import import_catalog
from server.domain.exchange.refs import external_ids
from server.domain.exchange.tables import ExternalRef
from server.domain.stock.dto import ReserveRequest
from server.domain.stock.reservations import reserve
from server.domain.stock.tables import StockBalance, StockDocument, StockMove, Warehouse
from server.domain.sync.log import PRODUCT_CARD, VARIANT_PRICE, VARIANT_STOCK, current_seq
from server.domain.sync.tables import ChangeLog
from server.errors import InsufficientStock, ValidationFailed
from server.integrations.commerceml import read_file
from server.integrations.commerceml.to_domain import to_catalog_import

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "commerceml"
SETS = {
    "cml204": ["cml204_import_1c_official.xml", "cml204_offers_1c_official.xml"],
    "cml205": ["cml205_import_changes_only.xml", "cml205_offers_changes_only.xml"],
    "cml205_ut103": ["cml205_import_ut103_real.xml", "cml205_offers_ut103_real.xml"],
    "cml207": ["cml207_import.xml", "cml207_offers_variants_stores.xml"],
    "cml31": ["cml31_classifier_import.xml", "cml31_goods_import.xml", "cml31_goods_offers.xml",
              "cml31_goods_prices.xml", "cml31_goods_rests.xml"],
}
# what each set must leave in an empty database: products, variants, prices, units on hand
EXPECTED = {
    "cml204": (2, 4, 2, 0),  # prices in USD are left out; only «Розничная» in roubles
    "cml205": (1, 1, 1, 9),  # the plain offer is the product itself: its variant is "…#fd3f…"
    "cml205_ut103": (19, 84, 84, 0),
    "cml207": (2, 5, 5, 219),
    "cml31": (21, 86, 78, 0),
}
TABLES = (Product, Variant, Barcode, Price, Category, Property, ProductProperty, ExternalRef, Warehouse, StockDocument,
          StockMove)


def load(name: str, source: str = "1c") -> CatalogImport:
    paths = [FIXTURES / f for f in SETS[name]]
    assert all(p.is_file() for p in paths), f"CommerceML fixtures missing in {FIXTURES}"
    return to_catalog_import([read_file(p) for p in paths], source=source)


async def counts() -> dict[str, int]:
    async with engine().transaction():
        return {t._meta.tablename: await t.count() for t in TABLES}


async def on_hand() -> int:
    rows = await StockBalance.raw("SELECT COALESCE(SUM(on_hand), 0) AS n FROM stock_balance")
    return int(rows[0]["n"])


@pytest.mark.parametrize("name", list(SETS))
async def test_every_fixture_set_imports_what_its_files_say_and_a_reimport_changes_nothing(name):
    report = await import_catalog(load(name), actor="test")
    products, variants, prices, units = EXPECTED[name]
    assert (await Product.count(), await Variant.count(), await Price.count(), await on_hand()) == EXPECTED[name]
    assert report["products"].created == products and report["variants"].created == variants
    assert report["prices"].created == prices
    before = await counts()
    again = await import_catalog(load(name), actor="test")
    assert await counts() == before
    assert all(c.created == 0 and c.updated == 0 for c in again.counts.values()), again.counts
    assert again["variants"].unchanged == variants and again.stock_documents == []


async def test_cml207_groups_properties_prices_and_stock_per_warehouse():
    report = await import_catalog(load("cml207"), actor="test")
    assert report["categories"].created == 22 and report["warehouses"].created == 5
    boots = await Product.select().where(Product.name == "Женские ботфорты коричневые").first()
    category = await Category.select().where(Category.id == boots["category"]).first()
    parent = await Category.select().where(Category.id == category["parent"]).first()
    assert (parent["name"], category["name"]) == ("Обувь", "Обувь")
    values = {r["prop.name"]: r["value_text"] for r in await ProductProperty.select(
        ProductProperty.prop.name, ProductProperty.value_text).where(ProductProperty.product == boots["id"])}
    assert values["Производитель"] == "Обувной комбинат" and values["Основной поставщик"] == "ООО Рога и копыта"
    variant = await Variant.select().where(
        Variant.external_id == "bd72d910-55bc-11d9-848a-00112f43529a#90c55447-d3a8-11e4-9423-e0cb4ed5eed4").output(
        load_json=True).first()
    assert variant["sku"] == "B-130001" and variant["characteristics"]["Размер"] == "40"
    assert await Price.select(Price.amount, Price.price_type.code).where(Price.variant == variant["id"]) == [
        {"amount": 171900, "price_type.code": "retail"}]
    shop = await Warehouse.select().where(Warehouse.name == 'Магазин "Обувь"').first()
    balance = await StockBalance.select().where(StockBalance.variant == variant["id"]).first()
    assert (balance["warehouse"], balance["on_hand"]) == (shop["id"], 20)
    documents = await StockDocument.select().where(StockDocument.kind == "inventory")
    assert [d["status"] for d in documents] == ["posted"] and report.stock_documents == [documents[0]["number"]]
    assert (await external_ids("variant", [variant["id"]])) == {variant["id"]: variant["external_id"]}
    assert any("pictures are not imported" in n.message for n in report.notes)


async def test_a_changed_name_price_and_count_are_updated_not_duplicated():
    await import_catalog(load("cml207"), actor="test")
    data = load("cml207")
    boots = next(p for p in data.products if p.name == "Женские ботфорты коричневые")
    boots.name = "Ботфорты женские, коричневые"
    first = data.offers[0]
    data.offers[0] = replace(first, prices={k: 159900 for k in first.prices},
                             stock={k: Decimal(12) for k in first.stock})
    before, seq = await counts(), await current_seq()
    report = await import_catalog(data, actor="test")
    after = await counts()
    assert after["product"] == before["product"] and after["variant"] == before["variant"]
    assert after["stock_document"] == before["stock_document"] + 1
    assert (report["products"].updated, report["prices"].updated, report["stock"].updated) == (1, 1, 1)
    variant = await Variant.select().where(Variant.external_id == first.external_id).first()
    assert variant["sku"] == "B-130001" and variant["search_text"].startswith("ботфорты женские, коричневые")
    assert (await Price.select(Price.amount).where(Price.variant == variant["id"]).first())["amount"] == 159900
    assert await on_hand() == 219 - 20 + 12
    changes = {(r["kind"], r["entity_id"]) for r in await ChangeLog.select(ChangeLog.kind, ChangeLog.entity_id).where(
        ChangeLog.seq > seq)}
    assert {(VARIANT_PRICE, variant["id"]), (VARIANT_STOCK, variant["id"]),
            (PRODUCT_CARD, variant["product"])} <= changes


async def test_products_first_then_offers_hand_the_placeholder_variant_over():
    await import_catalog(to_catalog_import([read_file(FIXTURES / "cml207_import.xml")]), actor="test")
    assert await Variant.count() == 2  # one placeholder each, while no offers are known
    placeholder = await Variant.select().where(Variant.external_id == "bd72d910-55bc-11d9-848a-00112f43529a").first()
    await import_catalog(to_catalog_import([read_file(FIXTURES / "cml207_offers_variants_stores.xml")]), actor="test")
    assert await Variant.count() == 5
    refs = await external_ids("variant", [placeholder["id"]])
    assert refs[placeholder["id"]].startswith("bd72d910-55bc-11d9-848a-00112f43529a#")


def _small(**variant) -> CatalogImport:
    return CatalogImport(price_types=[PriceTypeData("rt", "Розничная", "руб")], warehouses=[WarehouseData("w1", "Склад 1")],
                         products=[ProductData("p1", "Чай", sku="TEA")],
                         offers=[VariantData(**{"external_id": "p1", "product_id": "p1", "prices": {"rt": 10000},
                                                "stock": {"w1": Decimal(5)}, **variant})])


async def test_a_refused_file_changes_nothing_and_lists_every_problem():
    await import_catalog(load("cml205"), actor="test")
    before = await counts()
    bad = _small(stock={"w1": Decimal("2.5")}, prices={"rt": 10000, "unknown-type": 5})
    bad.products.append(ProductData("p2", ""))
    with pytest.raises(ValidationFailed) as info:
        await import_catalog(bad, actor="test")
    fields = sorted(p.field for p in info.value.problems)
    assert fields == ["p1", "p2", "unknown-type"] and "nothing was imported" in str(info.value)
    assert await counts() == before


async def test_a_count_below_what_is_reserved_rolls_the_whole_import_back():
    await import_catalog(_small(), actor="test")
    variant = await Variant.select().first()
    warehouse = await Warehouse.select().where(Warehouse.name == "Склад 1").first()
    await reserve("order:1", warehouse["id"], [ReserveRequest(variant["id"], 4)])
    before = await counts()
    data = _small(stock={"w1": Decimal(1)})
    data.products[0].name = "Чай зелёный"
    with pytest.raises(InsufficientStock):
        await import_catalog(data, actor="test")
    assert await counts() == before and (await Product.select().first())["name"] == "Чай"


async def test_barcodes_wrong_check_digits_are_left_out_with_a_note_and_progress_is_reported():
    seen: list[tuple[int, int]] = []
    data = _small(barcodes=["4601234567893", "4601234567890", "TEA-BOX-1"])
    report = await import_catalog(data, actor="test", progress=lambda done, total: seen.append((done, total)))
    codes = sorted(r["code"] for r in await Barcode.select(Barcode.code))
    assert codes == ["4601234567893", "TEA-BOX-1"] and report["barcodes"].skipped == 1
    assert any("wrong check digit" in n.message and n.where == "p1" for n in report.notes)
    assert seen[-1][0] == seen[-1][1] and [d for d, _ in seen] == sorted(d for d, _ in seen)


async def test_cli_imports_files_and_refuses_a_broken_one(tmp_path, capsys):
    files = [str(FIXTURES / f) for f in SETS["cml207"]]
    assert await asyncio.to_thread(main, ["import", "commerceml", *files]) == 0
    out = capsys.readouterr().out
    assert "products     created 2" in out and "variants     created 5" in out and "notes (2)" in out
    broken = tmp_path / "import.xml"
    broken.write_bytes('<?xml version="1.0" encoding="UTF-8"?>\n<КоммерческаяИнформация><a></b>'.encode())
    assert await asyncio.to_thread(main, ["import", "commerceml", str(broken)]) == 1
    assert "not well-formed XML: mismatched tag at line 2" in capsys.readouterr().err
    assert await Variant.count() == 5
