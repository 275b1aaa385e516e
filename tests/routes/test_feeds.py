"""GET /feeds/<channel>.yml?token=…: a valid YML document with the channel's prices and availability;
the token is required and checked; unknown or inactive channels are not found."""

from __future__ import annotations

from pathlib import Path

from defusedxml import ElementTree

from server.domain.catalog.categories import create_category
from server.domain.catalog.dto import BarcodeInput, ProductInput, VariantInput
from server.domain.catalog.products import archive_variant, create_product
from server.domain.catalog.properties import define_property
from server.domain.channels.channels import create_channel, deactivate_channel, get_channel, update_channel
from server.domain.stock.dto import ReserveRequest
from server.domain.stock.reservations import reserve
from tests.domain.stock_helpers import make_warehouse, receive
from tests.routes.api_helpers import assert_problem, ean13

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "yml" / "yml_valid_feed.xml"


def _in_order(tags: list[str], reference: list[str]) -> bool:
    """Every tag is known to the reference and they come in its order (repeats allowed)."""
    positions = [reference.index(t) if t in reference else -1 for t in tags]
    return -1 not in positions and positions == sorted(positions)


async def _shop() -> tuple[dict, str]:
    """Two categories, a product with three variants (one archived, one without a wholesale price),
    stock in two warehouses (the feed shows only MAIN), a reservation."""
    coffee = await create_category("Кофе")
    beans = await create_category("Зерно & молотый", coffee)
    await define_property("origin", "Страна", "text")
    made = await create_product(ProductInput(
        name="Кения АА <свежая обжарка>", category_id=beans, weight_g=250, length_mm=201, width_mm=80,
        height_mm=50, image_urls=["https://img.example/kenya.jpg?w=1&h=2"], properties={"origin": "Кения"},
        variants=[VariantInput(sku="KEN-250", characteristics={"Вес": "250 г"},
                               barcodes=[BarcodeInput(ean13("460123400001"))],
                               prices={"retail": 89_050, "wholesale": 80_000}),
                  VariantInput(sku="KEN-1000", characteristics={"Вес": "1 кг"}, prices={"retail": 299_000}),
                  VariantInput(sku="KEN-OLD", characteristics={"Вес": "500 г"},
                               prices={"retail": 1_000, "wholesale": 900})]))
    ken250, ken1000, old = (v.id for v in made.variants)
    await archive_variant(old)
    main, other = await make_warehouse("MAIN"), await make_warehouse("FAR")
    await receive(main, (ken250, 5, 40_000), (ken1000, 2, 100_000))
    await receive(other, (ken1000, 9, 100_000))
    await reserve("order:1", main, [ReserveRequest(ken1000, 2)])
    channel = await create_channel("market", "Маркет", "yml", settings={
        "warehouses": ["MAIN"], "shop_name": "Кофейная лавка", "company": "ООО «Лавка»",
        "url": "https://shop.example", "offer_url": "https://shop.example/p/{sku}"})
    return {"beans": beans, "coffee": coffee, "ken250": ken250, "ken1000": ken1000, "old": old,
            "product": made.id}, channel.feed_token


async def test_the_feed_is_valid_yml_with_prices_and_availability_of_the_channel(client):
    ids, token = await _shop()
    response = await client.get(f"/feeds/market.yml?token={token}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "yml_catalog" and root.get("date")
    shop = root.find("shop")
    assert (shop.findtext("name"), shop.findtext("company"), shop.findtext("url")) == (
        "Кофейная лавка", "ООО «Лавка»", "https://shop.example")
    assert shop.find("currencies/currency").attrib == {"id": "RUR", "rate": "1"}
    cats = {c.get("id"): (c.get("parentId"), c.text) for c in shop.findall("categories/category")}
    assert cats == {str(ids["coffee"]): (None, "Кофе"), str(ids["beans"]): (str(ids["coffee"]), "Зерно & молотый")}
    offers = {o.get("id"): o for o in shop.findall("offers/offer")}
    assert sorted(offers) == sorted([str(ids["ken250"]), str(ids["ken1000"])])  # archived variant left out
    first = offers[str(ids["ken250"])]
    assert (first.get("available"), first.get("group_id")) == ("true", str(ids["product"]))
    assert first.findtext("price") == "890.50" and first.findtext("currencyId") == "RUR"
    assert first.findtext("categoryId") == str(ids["beans"])
    assert first.findtext("name") == "Кения АА <свежая обжарка>, 250 г"
    assert first.findtext("vendorCode") == "KEN-250"
    assert first.findtext("url") == "https://shop.example/p/KEN-250"
    assert [b.text for b in first.findall("barcode")] == [ean13("460123400001")]
    assert first.findtext("picture") == "https://img.example/kenya.jpg?w=1&h=2"
    assert {(p.get("name"), p.text) for p in first.findall("param")} == {("Вес", "250 г"), ("Страна", "Кения")}
    assert (first.findtext("weight"), first.findtext("dimensions")) == ("0.25", "20.1/8/5")
    sample = ElementTree.parse(SAMPLE).getroot().find("shop")  # the structure of a real feed
    assert _in_order([c.tag for c in shop], [c.tag for c in sample])
    assert _in_order([c.tag for c in first], [c.tag for c in sample.find("offers/offer")])
    # 1 kg: 2 in MAIN, both reserved; the 9 in FAR are not this channel's stock
    assert offers[str(ids["ken1000"])].get("available") == "false"
    assert offers[str(ids["ken1000"])].findtext("price") == "2990.00"


async def test_the_channels_price_type_is_used_and_unpriced_variants_are_left_out(client):
    ids, token = await _shop()
    channel = await get_channel("market")
    await update_channel("market", settings={**channel.settings, "price_type": "wholesale"})
    root = ElementTree.fromstring((await client.get(f"/feeds/market.yml?token={token}")).content)
    assert [(o.get("id"), o.findtext("price")) for o in root.findall("shop/offers/offer")] == [
        (str(ids["ken250"]), "800.00")]


async def test_the_token_is_required_and_checked(client):
    _ids, token = await _shop()
    body = assert_problem(await client.get("/feeds/market.yml"), 401)
    assert "token" in body["detail"]
    assert_problem(await client.get("/feeds/market.yml?token=" + "x" * len(token)), 403)
    assert_problem(await client.get(f"/feeds/nowhere.yml?token={token}"), 404)
    assert_problem(await client.get(f"/feeds/market.xml?token={token}"), 404)
    await deactivate_channel("market")
    assert_problem(await client.get(f"/feeds/market.yml?token={token}"), 404)
