"""Issue #4's inventory count on a picker's TSD (360×740): start a count, scan a bin and goods by keyboard-wedge
emulation (one unknown code refused, one package barcode counting its multiplier), type a quantity, close the
bin, submit with the confirmation, and find the draft inventory document with the counted lines in the DB;
scans made offline wait on the device; a reload with the network gone opens the count as last seen (the
service worker kept it), two scans wait there with their count, and back online each is counted exactly once."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import pytest
from playwright.async_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "domain"))  # picking_helpers' own imports
from picking_helpers import floor  # noqa: E402

from server.domain.counting.tables import CountScan, InventoryCount  # noqa: E402
from server.domain.stock.tables import StockDocument, StockDocumentLine  # noqa: E402
from tests.e2e import pick_pages  # noqa: E402
from tests.e2e.pages import scanner_types  # noqa: E402
from tests.e2e.pick_pages import kept_for_offline, picker_account, sign_in_picker  # noqa: E402

tsd, tsd_ctx = pick_pages.tsd, pick_pages.tsd_ctx  # the picker's terminal (fixtures)

pytestmark = pytest.mark.e2e

# Back online, the queue is sent at once, but a send made while the network was still coming back waits for
# its retry (1, 2, 5 s …): allow for a few of them on a loaded machine.
BACK_ONLINE_MS = 30_000
IDLE = "() => { const s = window.KladovkaCount && window.KladovkaCount.state(); return !!s && s.ready && !s.pending.length" \
       " && !s.draining; }"


async def test_a_bin_counted_by_wedge_scans_becomes_a_draft_inventory_document(tsd):
    f = await floor()
    await picker_account()
    await sign_in_picker(tsd)
    await tsd.get_by_test_id("nav-counts").click()
    await expect(tsd.get_by_test_id("count-list-empty")).to_be_visible()
    await tsd.get_by_test_id("count-start").click()
    screen = tsd.get_by_test_id("count-screen")
    await expect(screen).to_have_attribute("data-ready", "1")
    feedback = tsd.get_by_test_id("scan-feedback")
    await expect(tsd.get_by_test_id("bin-prompt")).to_be_visible()

    await scanner_types(tsd, f.codes["KEN-250"])  # goods before a bin: refused
    await expect(feedback).to_have_attribute("data-kind", "error")
    await expect(feedback).to_contain_text("Сначала отсканируйте ячейку")

    await scanner_types(tsd, "A-01")
    await expect(tsd.get_by_test_id("current-bin")).to_have_text("A-01")
    await expect(feedback).to_have_attribute("data-kind", "ok")
    await scanner_types(tsd, f.codes["KEN-250"])
    await scanner_types(tsd, f.pack)  # a box of 6
    await scanner_types(tsd, "4600000000017")  # unknown: refused loudly, nothing counted
    await expect(feedback).to_have_attribute("data-kind", "error")
    await expect(feedback).to_contain_text("Неизвестный код 4600000000017")
    await expect(tsd.locator("html")).to_have_attribute("data-last-feedback", "error")
    await tsd.wait_for_function(IDLE)
    line = tsd.locator('[data-testid="count-line"][data-sku="KEN-250"]')
    await expect(line.get_by_test_id("line-qty")).to_have_value("7")
    await scanner_types(tsd, f.codes["GR-1"])
    grinder = tsd.locator('[data-testid="count-line"][data-sku="GR-1"]')
    await expect(grinder.get_by_test_id("line-qty")).to_have_value("1")
    await tsd.screenshot(path=str(Path(tempfile.gettempdir()) / "kladovka-count-bin.png"), full_page=True)

    await line.get_by_test_id("line-qty").fill("19")  # the rest of the shelf counted by hand
    await line.get_by_test_id("qty-save").click()
    await expect(line.get_by_test_id("line-qty")).to_have_value("19")
    await expect(feedback).to_contain_text("посчитано 19")
    await tsd.get_by_test_id("bin-done").click()
    await expect(tsd.locator('[data-testid="count-bin"][data-address="A-01"]')).to_have_attribute("data-state", "done")
    await expect(tsd.get_by_test_id("bin-prompt")).to_be_visible()

    await tsd.get_by_test_id("count-submit").click()
    await expect(tsd.get_by_test_id("count-confirm")).to_be_visible()
    await tsd.get_by_test_id("count-submit-confirm").click()
    await expect(tsd.get_by_test_id("count-submitted")).to_be_visible()
    await tsd.screenshot(path=str(Path(tempfile.gettempdir()) / "kladovka-count-submitted.png"), full_page=True)

    count = await InventoryCount.select().first()
    assert count["status"] == "submitted" and count["document"]
    doc = await StockDocument.select().where(StockDocument.id == count["document"]).first()
    assert (doc["kind"], doc["status"]) == ("inventory", "draft")
    await expect(feedback).to_contain_text(doc["number"])
    lines = await StockDocumentLine.select(StockDocumentLine.variant, StockDocumentLine.qty, StockDocumentLine.bin).where(
        StockDocumentLine.document == doc["id"]).order_by(StockDocumentLine.variant)
    assert sorted((x["variant"], x["qty"], x["bin"]) for x in lines) == sorted([
        (f.sku["KEN-250"], 19, f.bins["A-01"]), (f.sku["GR-1"], 1, f.bins["A-01"])])
    refused = await CountScan.select(CountScan.result).where(CountScan.result != "ok").where(CountScan.result != "bin")
    assert sorted(r["result"] for r in refused) == ["no_bin", "unknown"]


async def test_scans_made_offline_wait_on_the_device_and_are_counted_once_back_online(tsd, tsd_ctx):
    f = await floor()
    await picker_account()
    await sign_in_picker(tsd)
    await tsd.goto("/warehouse/counts")
    await tsd.get_by_test_id("count-start").click()
    await expect(tsd.get_by_test_id("count-screen")).to_have_attribute("data-ready", "1")
    await tsd_ctx.set_offline(True)
    for code in ("A-01", f.codes["KEN-250"], f.pack):
        await scanner_types(tsd, code)
    pending = tsd.get_by_test_id("pending-count")
    await expect(pending).to_be_visible()
    await expect(pending).to_contain_text("3")
    assert await CountScan.count() == 0  # nothing reached the server
    await tsd_ctx.set_offline(False)
    await tsd.wait_for_function(IDLE, timeout=BACK_ONLINE_MS)
    await expect(pending).to_be_hidden()
    line = tsd.locator('[data-testid="count-line"][data-sku="KEN-250"]')
    await expect(line.get_by_test_id("line-qty")).to_have_value("7")  # bin first, then 1 + 6, in order
    assert sorted(r["result"] for r in await CountScan.select(CountScan.result)) == ["bin", "ok", "ok"]


async def test_a_reload_with_the_network_gone_opens_the_count_and_its_scans_are_counted_once_back_online(tsd, tsd_ctx):
    f = await floor()
    await picker_account()
    await sign_in_picker(tsd)
    await tsd.goto("/warehouse/counts")
    await tsd.get_by_test_id("count-start").click()  # an HTMX form: the screen was never loaded as a page
    screen = tsd.get_by_test_id("count-screen")
    await expect(screen).to_have_attribute("data-ready", "1")
    path = re.sub(r"^https?://[^/]+", "", tsd.url)
    assert re.fullmatch(r"/warehouse/counts/\d+", path), path
    await pick_pages.PickScreen(tsd).wait_until_controlled()
    await kept_for_offline(tsd, "/static/warehouse/count.js")  # not in the precached shell: kept by the page
    await kept_for_offline(tsd, path, 'data-testid="bin-prompt"')
    await scanner_types(tsd, "A-01")  # online: the bin is open on the server
    await expect(tsd.get_by_test_id("current-bin")).to_have_text("A-01")
    await kept_for_offline(tsd, path, 'data-testid="current-bin">A-01<')  # the kept copy follows the panel

    await tsd_ctx.set_offline(True)
    await tsd.reload()  # the worker's copy of the screen, as last seen
    await expect(screen).to_have_attribute("data-ready", "1")
    await expect(tsd.get_by_test_id("offline-banner")).to_be_visible()
    await expect(tsd.get_by_test_id("current-bin")).to_have_text("A-01")
    await scanner_types(tsd, f.codes["KEN-250"])
    await scanner_types(tsd, f.pack)  # a box of 6
    pending = tsd.get_by_test_id("pending-count")
    await expect(pending).to_have_text("Ожидают отправки: 2")
    queued = await tsd.evaluate("() => window.KladovkaCount.state().pending.map((item) => item.uuid)")
    assert len(queued) == 2 and await CountScan.count() == 1  # nothing of it reached the server

    await tsd_ctx.set_offline(False)  # no scan needed: the device sends its queue by itself
    await tsd.wait_for_function(IDLE, timeout=BACK_ONLINE_MS)
    await expect(pending).to_be_hidden()
    line = tsd.locator('[data-testid="count-line"][data-sku="KEN-250"]')
    await expect(line.get_by_test_id("line-qty")).to_have_value("7")
    rows = await CountScan.select(CountScan.client_uuid, CountScan.result)
    assert sorted(r["client_uuid"] for r in rows if r["client_uuid"] in queued) == sorted(queued)  # each once
    assert sorted(r["result"] for r in rows) == ["bin", "ok", "ok"]
    await tsd.reload()  # online again: nothing is sent twice
    await expect(line.get_by_test_id("line-qty")).to_have_value("7")
    assert await CountScan.count() == 3
