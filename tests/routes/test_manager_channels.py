"""The sales channels screen: create and change channels (kind-specific fields, the secret masked and
kept), sync status, «send again» for a failed event, «Синхронизировать сейчас», and the CommerceML
catalog upload with its progress polled to the end."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta

from manager_helpers import HTMX, count_testid

from server.config import get_settings
from server.db import write_tx
from server.domain.catalog.tables import Product, Variant
from server.domain.channels.channels import get_channel
from server.domain.exchange.runs import recent_runs
from server.domain.outbox.events import emit
from server.domain.outbox.tables import OutboxEvent
from server.domain.users.accounts import create_user
from server.routes.manager._catalog_import import STORE_NAME
from tests.integrations.commerceml_helpers import fixture
from tests.routes.admin_helpers import post_form, sign_in


async def _manager(client) -> None:
    await create_user("olga", "demo", ["manager"])
    await sign_in(client, "olga")


async def test_a_manager_creates_and_changes_channels_with_their_own_fields(client):
    await _manager(client)
    listing = await client.get("/manager/channels")
    assert listing.status_code == 200 and count_testid(listing.text, "channel-row") == 2  # api and phone
    assert 'data-testid="channel-form"' not in listing.text  # the kind comes first
    woo_form = await client.get("/manager/channels?kind=woocommerce")
    assert 'name="secret"' in woo_form.text and 'name="exchange_url"' not in woo_form.text
    site_form = await client.get("/manager/channels?kind=commerceml_site")
    assert all(f'name="{f}"' in site_form.text for f in ("exchange_url", "login", "schedule_seconds", "secret"))

    bad = await post_form(client, "/manager/channels", {"kind": "commerceml_site", "code": "Мой сайт", "name": "",
                                                        "exchange_url": "ftp://x", "schedule_seconds": "5",
                                                        "active": "on"})
    assert bad.status_code == 422 and count_testid(bad.text, "field-error") >= 3
    assert 'value="ftp://x"' in bad.text  # what was typed stays

    made = await post_form(client, "/manager/channels", {"kind": "woocommerce", "code": "woo", "name": "Сайт на WP",
                                                         "secret": "wc-secret-0123456789", "active": "on"})
    assert made.status_code == 303 and made.headers["location"] == "/manager/channels/woo"
    card = await client.get("/manager/channels/woo")
    assert re.search(r'value="https?://[^"]+/hooks/woo"', card.text)  # the address for the shop
    assert "wc-secret-0123456789" not in card.text and "••••6789" in card.text
    kept = await post_form(client, "/manager/channels/woo", {"name": "Сайт WordPress", "secret": ""})  # inactive now
    assert kept.status_code == 303
    woo = await get_channel("woo")
    assert (woo.name, woo.secret, woo.active) == ("Сайт WordPress", "wc-secret-0123456789", False)
    await post_form(client, "/manager/channels/woo",
                    {"name": "Сайт WordPress", "secret": "new-secret-abcdef", "active": "on"})
    assert (await get_channel("woo")).secret == "new-secret-abcdef"

    feed = await post_form(client, "/manager/channels", {"kind": "yml", "code": "market", "name": "Маркет",
                                                         "price_type": "retail", "warehouses": "main, shop",
                                                         "active": "on"})
    assert feed.status_code == 303
    market = await get_channel("market")
    assert market.settings["warehouses"] == ["MAIN", "SHOP"] and len(market.feed_token) >= 16
    page = await client.get("/manager/channels/market")
    assert f"/feeds/market.yml?token={market.feed_token}" in page.text
    await post_form(client, "/manager/channels/market/feed-token", {})
    assert (await get_channel("market")).feed_token != market.feed_token

    listing = await client.get("/manager/channels")
    assert count_testid(listing.text, "channel-row") == 4
    assert re.search(r'data-code="market".*?data-testid="channel-last-sync">никогда', listing.text, re.S)
    await create_user("kassa", "demo", ["cashier"])
    await sign_in(client, "kassa")
    assert (await client.get("/manager/channels")).status_code == 403


async def test_sync_now_runs_the_exchange_and_a_failed_event_is_sent_again(client):
    await _manager(client)
    await post_form(client, "/manager/channels", {"kind": "commerceml_site", "code": "site", "name": "Битрикс",
                                                  "exchange_url": "http://127.0.0.1:9/bitrix/admin/1c_exchange.php",
                                                  "login": "admin", "secret": "pw", "active": "on"})
    async with write_tx():
        event = await emit("exchange.test", {"channel": "site", "note": "x"})
    await OutboxEvent.update({OutboxEvent.status: "failed", OutboxEvent.last_error: "HTTP 500 от сайта"}).where(
        OutboxEvent.event_id == event)
    page = await client.get("/manager/channels/site")
    assert 'data-testid="sync-now"' in page.text and "HTTP 500 от сайта" in page.text
    started = await post_form(client, "/manager/channels/site/sync", {})
    assert started.status_code == 303
    for _ in range(200):  # the exchange runs in the background; nothing listens on port 9
        runs = await recent_runs("site")
        if runs and runs[0]["status"] != "running":
            break
        await asyncio.sleep(0.05)
    assert runs and runs[0]["status"] == "failed" and runs[0]["error"]
    shown = await client.get("/manager/channels/site")
    assert 'data-testid="exchange-run" data-status="failed"' in shown.text
    again = await post_form(client, f"/manager/channels/site/events/{event}/retry", {})
    assert again.status_code == 303
    row = await OutboxEvent.select(OutboxEvent.status).where(OutboxEvent.event_id == event).first()
    assert row["status"] == "pending"
    phone = await client.get("/manager/channels/phone")
    assert 'data-testid="sync-now"' not in phone.text and 'data-testid="channel-sync"' not in phone.text


async def _poll(client, job_url: str) -> str:
    """Asks for the progress fragment the way the page does until the import has ended."""
    for _ in range(400):
        answer = await client.get(job_url, headers={**HTMX, "HX-Target": "import-progress"})
        assert answer.status_code == 200 and "<html" not in answer.text
        if 'hx-trigger="load delay:500ms"' not in answer.text:
            return answer.text
        await asyncio.sleep(0.05)
    raise AssertionError("the import did not end")


async def test_a_commerceml_upload_imports_in_the_background_with_progress(client):
    await _manager(client)
    files = [("files", ("offers.xml", fixture("cml207_offers_variants_stores.xml"), "text/xml")),  # offers first
             ("files", ("import.xml", fixture("cml207_import.xml"), "text/xml"))]
    sent = await client.post("/manager/catalog-import", files=files,
                             data={"_csrf_token": client.cookies.get("csrftoken") or ""}, follow_redirects=False)
    assert sent.status_code == 303
    job_url = sent.headers["location"]
    assert job_url.startswith("/manager/catalog-import/")
    first = await client.get(job_url)
    assert first.status_code == 200 and 'data-testid="import-progress"' in first.text
    done = await _poll(client, job_url)
    assert 'data-status="done"' in done and 'data-testid="import-done"' in done
    created = dict(re.findall(r'data-kind="(\w+)">.*?data-testid="import-created">(\d+)<', done, re.S))
    assert (created["products"], created["variants"]) == ("2", "5")
    assert (await Product.count(), await Variant.count()) == (2, 5)

    again = await client.post("/manager/catalog-import", files=files[::-1],
                              data={"_csrf_token": client.cookies.get("csrftoken") or ""}, follow_redirects=False)
    second = await _poll(client, again.headers["location"])
    assert 'data-status="done"' in second and (await Product.count(), await Variant.count()) == (2, 5)


async def _store_set(app, key: str, value: str) -> None:
    """Writes into the app's job store from the test's own event loop: the app's Redis client belongs
    to the loop the test client runs the app on, so with Redis the test opens a client of its own on
    the same namespace."""
    redis_url = get_settings().redis_url
    if not redis_url:
        await app.stores.get(STORE_NAME).set(key, value)
        return
    from litestar.stores.redis import RedisStore

    store = RedisStore.with_client(url=redis_url, namespace="kladovka").with_namespace(STORE_NAME)
    try:
        await store.set(key, value)
    finally:
        await store._redis.aclose()


async def test_a_broken_upload_imports_nothing_and_says_why_in_russian(client, app):
    await _manager(client)
    broken = fixture("cml207_import.xml")[:5000]  # cut in the middle
    sent = await client.post("/manager/catalog-import", files=[("files", ("import.xml", broken, "text/xml"))],
                             data={"_csrf_token": client.cookies.get("csrftoken") or ""}, follow_redirects=False)
    failed = await _poll(client, sent.headers["location"])
    assert 'data-status="failed"' in failed and "Ничего не импортировано" in failed and "import.xml" in failed
    assert await Product.count() == 0
    empty = await client.post("/manager/catalog-import", data={"_csrf_token": client.cookies.get("csrftoken") or ""},
                              files=[("other", ("x.txt", b"", "text/plain"))])
    assert empty.status_code == 422
    assert (await client.get("/manager/catalog-import/AAAAAAAAAAAAAAAA")).status_code == 404
    long_ago = (datetime.now(UTC) - timedelta(hours=2)).isoformat()  # its process ended mid-way
    await _store_set(app, "B" * 16, json.dumps(
        {"status": "running", "done": 1, "total": 5, "files": ["import.xml"], "actor": "olga",
         "started_at": long_ago, "updated_at": long_ago}))
    stale = await client.get("/manager/catalog-import/" + "B" * 16)
    assert 'data-status="failed"' in stale.text and "Загрузка прервалась" in stale.text
    assert 'hx-trigger="load delay:500ms"' not in stale.text
