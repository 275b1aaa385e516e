"""The two roles against each other on loopback: this Kladovka plays 1C (channel "site") towards a
second Kladovka in its own process and database that plays the site (its channel "acc", kind
commerceml_1c). The catalog goes over and arrives there with prices and stock; an order placed on the
peer comes back here once; its confirmation here goes back and changes the peer's order."""

from __future__ import annotations

import sqlite3

import httpx

from server.domain.channels.channels import create_channel
from server.domain.exchange.import_1c import import_catalog
from server.domain.orders.status import change_status
from server.domain.orders.tables import Order
from server.integrations.commerceml import parse_document
from server.integrations.commerceml.client import run_exchange
from server.integrations.commerceml.to_domain import to_catalog_import
from tests.integrations.commerceml_helpers import fixture
from tests.integrations.exchange_peer import LOGIN, SECRET, peer

BOOT = "bd72d910-55bc-11d9-848a-00112f43529a#90c55447-d3a8-11e4-9423-e0cb4ed5eed4"  # a cml207 variant


def peer_rows(database, sql: str) -> list[tuple]:
    with sqlite3.connect(database) as db:
        return db.execute(sql).fetchall()


async def test_kladovka_as_1c_and_kladovka_as_the_site_exchange(tmp_path):
    docs = [parse_document(fixture("cml207_import.xml")), parse_document(fixture("cml207_offers_variants_stores.xml"))]
    await import_catalog(to_catalog_import(docs), actor="test")
    with peer(tmp_path) as (url, database, token):
        await create_channel("site", "Сайт на Кладовке", "commerceml_site", secret=SECRET,
                             settings={"exchange_url": f"{url}/exchange/1c/acc", "login": LOGIN})
        first = await run_exchange("site")
        assert first.ok, first.report.error
        assert peer_rows(database, "SELECT COUNT(*) FROM product")[0][0] == 2
        assert peer_rows(database, "SELECT COUNT(*) FROM variant")[0][0] == 5
        prices = dict(peer_rows(database, "SELECT r.external_id, p.amount FROM external_ref r JOIN price p "
                                          "ON p.variant = r.internal_id WHERE r.kind = 'variant'"))
        assert prices[BOOT] == 171900 and len(prices) == 5  # the peer knows the offers by the 1C ids we have
        boot_sku = peer_rows(database, f"SELECT v.sku FROM external_ref r JOIN variant v ON v.id = r.internal_id "
                                       f"WHERE r.kind = 'variant' AND r.external_id = '{BOOT}'")[0][0]
        assert peer_rows(database, "SELECT SUM(on_hand) FROM stock_balance")[0][0] == 219

        async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}) as api:
            placed = await api.post("/api/v1/orders", json={
                "channel": "api", "external_id": "web-1", "customer": {"name": "Ольга", "phone": "+79161112233"},
                "lines": [{"sku": boot_sku, "qty": 2, "price": "1719.00"}], "payment": {"method": "cash_on_delivery"}})
            assert placed.status_code == 201, placed.text
        second = await run_exchange("site")
        assert second.ok and second.report.orders_received == 1, second.report
        ours = await Order.select().where(Order.channel == "site").first()
        assert ours["total"] == 343800 and ours["external_id"] == str(placed.json()["id"])
        assert (await run_exchange("site")).report.orders_received == 0  # asked again: nothing new

        await change_status(ours["id"], "confirmed", actor="manager")
        fourth = await run_exchange("site")
        assert fourth.ok and fourth.report.sent.get("orders") == 1
        assert peer_rows(database, "SELECT status FROM sales_order") == [("confirmed",)]
        assert await Order.count() == 1
