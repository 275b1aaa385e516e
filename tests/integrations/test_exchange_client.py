"""Kladovka as 1C towards a shop site, over real HTTP on loopback, against a stand-in for a 1C-Bitrix
exchange script: the full upload in parts with "progress" steps, then only the changes; the site's
orders (the Bitrix fixture answer) taken in once however often the run repeats; status changes sent
back; a site that says "failure", times out or refuses the login leaves the cursor where it was and
the next run resumes."""

from __future__ import annotations

import pytest

from server.domain.catalog.prices import set_price
from server.domain.catalog.tables import Variant
from server.domain.channels.channels import create_channel
from server.domain.exchange.import_1c import import_catalog
from server.domain.exchange.runs import recent_runs
from server.domain.orders.status import change_status
from server.domain.orders.tables import Order
from server.domain.sync.cursors import sync_state
from server.domain.sync.log import current_seq
from server.errors import ValidationFailed
from server.integrations.commerceml import parse_document
from server.integrations.commerceml.client import run_exchange
from server.integrations.commerceml.remote_orders import explain
from server.integrations.commerceml.schedule import due_channels, run_due_exchanges
from server.integrations.commerceml.to_domain import to_catalog_import
from tests.integrations.commerceml_helpers import fixture
from tests.integrations.exchange_peers import FakeSite, serve
from tests.integrations.test_exchange_orders import BITRIX, goods_for

BOOT = "bd72d910-55bc-11d9-848a-00112f43529a#90c55447-d3a8-11e4-9423-e0cb4ed5eed4"  # a cml207 variant


async def shop_catalog() -> None:
    """The cml207 catalog (2 products, 5 variants, prices, stock) imported from 1C, plus goods for
    the lines of the Bitrix orders fixture."""
    docs = [parse_document(fixture("cml207_import.xml")), parse_document(fixture("cml207_offers_variants_stores.xml"))]
    await import_catalog(to_catalog_import(docs), actor="test")
    await goods_for(BITRIX)


async def site_channel(url: str, **settings) -> None:
    await create_channel("site", "Сайт на Битриксе", "commerceml_site", secret="site-secret",
                         settings={"exchange_url": f"{url}/bitrix/admin/1c_exchange.php", "login": "exchange",
                                   **settings})


async def test_full_upload_then_changes_orders_once_and_statuses_back():
    await shop_catalog()
    site = FakeSite(progress=2, file_limit=4096, query_answer=BITRIX)
    async with serve(site) as url:
        await site_channel(url)
        first = await run_exchange("site")
        assert first.ok, first.report.error
        assert first.report.full and site.imported == ["import.xml", "offers.xml"]
        assert site.steps == {"import.xml": 3, "offers.xml": 3}  # two "progress" answers, then success
        assert site.parts["import.xml"] > 1 and all(len(p) for p in site.files.values())  # in 4 KB parts
        catalog = parse_document(site.files["import.xml"]).catalog
        assert catalog.only_changes is False and {p.id for p in catalog.products} >= {BOOT.split("#")[0]}
        offers = {o.id: o for o in parse_document(site.files["offers.xml"]).package.offers}
        assert offers[BOOT].prices[0].amount == 171900 and offers[BOOT].quantity > 0
        assert (await sync_state("site")).last_seq == await current_seq()
        assert await Order.count().where(Order.channel == "site") == 2 and site.successes == 1

        site.files.clear()
        site.imported.clear()
        again = await run_exchange("site")  # nothing changed; the site answers the same orders again
        assert again.ok and not again.report.full and site.imported == [] and site.files == {}
        assert await Order.count().where(Order.channel == "site") == 2 and again.report.orders_received == 0

        boot = await Variant.select(Variant.id).where(Variant.external_id == BOOT).first()
        await set_price(boot["id"], "retail", 199900)
        order = await Order.select(Order.id).where(Order.external_id == "133").first()
        await change_status(order["id"], "confirmed", actor="manager")
        third = await run_exchange("site")
        assert third.ok and site.imported == ["offers.xml"]
        package = parse_document(site.files["offers.xml"]).package
        assert package.only_changes is True and [(o.id, o.prices[0].amount) for o in package.offers] == [
            (BOOT, 199900)]
        sent = parse_document(site.sale_files[-1]).orders
        assert [(o.id, o.requisite("Статус заказа ИД")) for o in sent] == [("133", "P")]
        assert third.report.sent["orders"] == 1
        fourth = await run_exchange("site")
        assert fourth.ok and len(site.sale_files) == 1  # the confirmed change is not sent twice
    runs = await recent_runs("site")
    assert [r["status"] for r in runs] == ["success"] * 4 and runs[-1]["orders_received"] == 2


async def test_failure_timeout_and_a_wrong_password_leave_the_cursor_and_the_next_run_resumes():
    await shop_catalog()
    site = FakeSite(progress=0, fail_import={"offers.xml"}, query_answer=BITRIX)
    async with serve(site) as url:
        await site_channel(url, timeout_seconds=2)
        failed = await run_exchange("site")
        assert not failed.ok and "offers.xml" in failed.report.error and "Ошибка импорта" in failed.report.error
        state = await sync_state("site")
        assert state.last_seq == 0 and state.last_success_at is None and "offers.xml" in state.last_error
        assert await Order.count() == 2  # the orders still came: only the catalog failed

        site.fail_import.clear()
        site.hang = {("catalog", "import")}
        timed_out = await run_exchange("site")
        assert not timed_out.ok and "не ответил" in timed_out.report.error
        assert (await sync_state("site")).last_seq == 0
        assert site.calls.count(("sale", "query")) == 1  # a site that does not answer: the run stops

        site.hang.clear()
        site.release.set()
        site.password = "changed-on-the-site"
        refused = await run_exchange("site")
        assert not refused.ok and "не принял" in refused.report.error

        site.password = "site-secret"
        site.imported.clear()
        resumed = await run_exchange("site")
        assert resumed.ok and resumed.report.full and site.imported == ["import.xml", "offers.xml"]
        assert (await sync_state("site")).last_seq == await current_seq()
    assert [r["status"] for r in await recent_runs("site")] == ["success", "failed", "failed", "failed"]


async def test_zip_upload_and_the_scheduler_runs_what_is_due():
    await shop_catalog()
    site = FakeSite(zip=True, progress=0, query_answer=fixture("cml205_bitrix_sale_query_empty_cp1251.xml"))
    async with serve(site) as url:
        await site_channel(url, schedule_seconds=3600)
        assert [c.code for c in await due_channels()] == ["site"]
        outcomes = await run_due_exchanges()
        assert [o.ok for o in outcomes] == [True]
        assert list(site.files) == ["kladovka.zip"] and set(site.uploads()) == {"import.xml", "offers.xml"}
        assert site.imported == ["import.xml", "offers.xml"] and site.successes == 1
        assert await due_channels() == [] and await run_due_exchanges() == []


async def test_a_channel_that_is_not_a_site_or_is_off_is_refused():
    await create_channel("acc", "1С", "commerceml_1c", secret="x")
    await create_channel("off", "Старый сайт", "commerceml_site", active=False,
                         settings={"exchange_url": "http://127.0.0.1:9/x"})
    for code, text in (("acc", "не обменивается с сайтом"), ("off", "выключен")):
        with pytest.raises(ValidationFailed) as caught:
            await run_exchange(code)
        assert text in explain(caught.value)
    assert await recent_runs("off") == []
