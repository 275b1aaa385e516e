"""Receiving on a picker's TSD (360×740): open the expected receipt, scan two goods by keyboard-wedge
emulation — one of them not expected (surplus) — and one unknown code, see the counts and the refusal,
take one unit back, post the receipt, and find it posted in the database with the counted quantities; scans
made offline wait on the device; a reload with the network gone opens the screen as last seen (the service
worker kept it), two scans wait there with their count, and back online the server holds each exactly once."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from playwright.async_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "domain"))  # receiving_helpers' own imports
from receiving_helpers import BIG, TEA, UNIT, dock  # noqa: E402

from server.domain.receiving.tables import ReceivingScan  # noqa: E402
from server.domain.stock.tables import StockDocument, StockDocumentLine  # noqa: E402
from tests.e2e import pick_pages  # noqa: E402
from tests.e2e.pages import scanner_types  # noqa: E402
from tests.e2e.pick_pages import kept_for_offline, picker_account, sign_in_picker  # noqa: E402

tsd, tsd_ctx = pick_pages.tsd, pick_pages.tsd_ctx  # the picker's terminal (fixtures)

pytestmark = pytest.mark.e2e


def _line(page, sku: str):
    return page.locator(f'[data-testid="receiving-line"][data-sku="{sku}"]')


async def test_a_receipt_is_received_by_wedge_scans_and_posted_with_what_was_counted(tsd):
    d = await dock()
    number = (await StockDocument.select(StockDocument.number).where(StockDocument.id == d.receipt).first())["number"]
    await picker_account()
    await sign_in_picker(tsd)

    await tsd.get_by_test_id("nav-receiving").click()
    await tsd.locator(f'[data-testid="receipt"][data-number="{number}"]').click()
    await expect(tsd.get_by_test_id("receipt-number")).to_have_text(number)
    await expect(_line(tsd, "KEN-250").get_by_test_id("line-counted")).to_have_text("0")
    await expect(_line(tsd, "KEN-250").get_by_test_id("line-putaway")).to_contain_text("B-01")
    await tsd.wait_for_function("window.KladovkaQueue !== undefined")

    await scanner_types(tsd, UNIT)
    await expect(_line(tsd, "KEN-250").get_by_test_id("line-counted")).to_have_text("1")
    await expect(tsd.get_by_test_id("scan-feedback")).to_have_attribute("data-kind", "ok")
    await scanner_types(tsd, UNIT)
    await expect(_line(tsd, "KEN-250").get_by_test_id("line-counted")).to_have_text("2")

    await scanner_types(tsd, "2999999999990")  # no goods have it: refused, nothing counted
    await expect(tsd.get_by_test_id("scan-feedback")).to_have_attribute("data-kind", "error")
    await expect(tsd.get_by_test_id("scan-feedback")).to_contain_text("Неизвестный штрихкод")
    await expect(tsd.locator("html")).to_have_attribute("data-last-feedback", "error")

    await scanner_types(tsd, "A-01")  # the put-away bin for the next goods
    await expect(tsd.get_by_test_id("current-bin")).to_contain_text("A-01")
    await scanner_types(tsd, TEA)  # not expected: surplus
    await expect(tsd.get_by_test_id("surplus-lines").locator('[data-sku="TEA-100"]')).to_be_visible()
    await expect(_line(tsd, "TEA-100").get_by_test_id("line-bins")).to_contain_text("A-01: 1")
    await expect(tsd.get_by_test_id("total-surplus")).to_contain_text("1")

    await _line(tsd, "KEN-250").get_by_test_id("line-undo").click()  # one too many: −1
    await expect(_line(tsd, "KEN-250").get_by_test_id("line-counted")).to_have_text("1")
    await expect(tsd.get_by_test_id("pending-count")).to_be_hidden()

    await tsd.get_by_test_id("post-receipt").click()
    await expect(tsd.get_by_test_id("receipt-status")).to_have_text("Проведён")
    await expect(tsd.locator("#flash")).to_contain_text("проведён")
    await expect(tsd.get_by_test_id("total-shortage")).to_contain_text("11")  # 10 − 1 and 2 of KEN-1000

    doc = await StockDocument.select().where(StockDocument.id == d.receipt).first()
    assert doc["status"] == "posted"
    lines = await StockDocumentLine.select().where(StockDocumentLine.document == d.receipt).order_by(
        StockDocumentLine.id)
    assert [(r["variant"], r["qty"], r["bin"]) for r in lines] == [
        (d.sku["KEN-250"], 1, d.bins["B-01"]), (d.sku["TEA-100"], 1, d.bins["A-01"])]
    assert [r["result"] for r in await ReceivingScan.select(ReceivingScan.result).order_by(ReceivingScan.id)] == [
        "ok", "ok", "unknown", "bin", "surplus", "undo"]


async def test_scans_made_offline_wait_on_the_device_and_count_once_when_the_network_returns(tsd, tsd_ctx):
    d = await dock()
    await picker_account()
    await sign_in_picker(tsd)
    await tsd.goto(f"/warehouse/receiving/{d.receipt}")
    await tsd.wait_for_function("window.KladovkaQueue !== undefined")
    await scanner_types(tsd, UNIT)
    await expect(_line(tsd, "KEN-250").get_by_test_id("line-counted")).to_have_text("1")

    await tsd_ctx.set_offline(True)
    await scanner_types(tsd, UNIT)
    await scanner_types(tsd, UNIT)
    await expect(tsd.get_by_test_id("pending-count")).to_contain_text("2")
    await expect(tsd.get_by_test_id("scan-feedback")).to_contain_text("Нет связи")
    assert await ReceivingScan.count() == 1

    await tsd_ctx.set_offline(False)
    await tsd.evaluate("window.dispatchEvent(new Event('online'))")
    await expect(_line(tsd, "KEN-250").get_by_test_id("line-counted")).to_have_text("3")
    await expect(tsd.get_by_test_id("pending-count")).to_be_hidden()
    await tsd.reload()  # nothing is sent twice
    await expect(_line(tsd, "KEN-250").get_by_test_id("line-counted")).to_have_text("3")
    assert await ReceivingScan.count() == 3


def _counted_in_copy(sku: str, n: int) -> str:
    return rf'data-sku="{sku}"[^>]*>(?:(?!data-testid="receiving-line")[\s\S])*?data-testid="line-counted"[^>]*>{n}<'


async def test_a_reload_with_the_network_gone_opens_the_screen_and_its_scans_count_once_back_online(tsd, tsd_ctx):
    d = await dock()
    await picker_account()
    await sign_in_picker(tsd)
    path = f"/warehouse/receiving/{d.receipt}"
    await tsd.goto(path)
    await pick_pages.PickScreen(tsd).wait_until_controlled()
    await kept_for_offline(tsd, "/static/warehouse/receiving.js")  # not in the precached shell: kept by the page
    await kept_for_offline(tsd, path, _counted_in_copy("KEN-250", 0))
    await scanner_types(tsd, UNIT)  # online
    await expect(_line(tsd, "KEN-250").get_by_test_id("line-counted")).to_have_text("1")
    await kept_for_offline(tsd, path, _counted_in_copy("KEN-250", 1))  # the kept copy follows the screen

    await tsd_ctx.set_offline(True)
    await tsd.reload()  # the worker's copy of the screen, as last seen
    await expect(tsd.get_by_test_id("offline-banner")).to_be_visible()
    await expect(tsd.get_by_test_id("receipt-number")).to_be_visible()
    await expect(_line(tsd, "KEN-250").get_by_test_id("line-counted")).to_have_text("1")
    await scanner_types(tsd, UNIT)
    await scanner_types(tsd, BIG)
    pending = tsd.get_by_test_id("pending-count")
    await expect(pending).to_have_text("Ожидают отправки: 2")
    await expect(tsd.get_by_test_id("scan-feedback")).to_contain_text("Нет связи")
    queued = await tsd.evaluate("(scope) => window.KladovkaQueue.items(scope).then((rows) => rows.map((r) => r.uuid))",
                                f"receive:{d.receipt}")
    assert len(queued) == 2 and await ReceivingScan.count() == 1  # nothing of it reached the server

    await tsd_ctx.set_offline(False)  # no scan needed: the device sends its queue by itself
    await expect(pending).to_be_hidden()
    await expect(_line(tsd, "KEN-250").get_by_test_id("line-counted")).to_have_text("2")
    await expect(_line(tsd, "KEN-1000").get_by_test_id("line-counted")).to_have_text("1")
    rows = await ReceivingScan.select(ReceivingScan.client_uuid, ReceivingScan.units, ReceivingScan.result)
    assert sorted(r["client_uuid"] for r in rows if r["client_uuid"] in queued) == sorted(queued)  # each once
    assert len(rows) == 3 and all(r["result"] == "ok" and r["units"] == 1 for r in rows)
    await tsd.reload()  # online again: nothing is sent twice
    await expect(_line(tsd, "KEN-250").get_by_test_id("line-counted")).to_have_text("2")
    assert await ReceivingScan.count() == 3
