"""In Chromium: the picker on a 360×740 TSD reports missing goods with the big buttons and is back on the
list; the manager replaces them with the analog from the order card; the packing slip prints narrow for an
80 mm printer with the toolbar hidden on paper."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from playwright.async_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "domain"))  # picking_helpers' own imports
from picking_helpers import confirmed_order, floor, scan  # noqa: E402

from server.domain.orders.tables import OrderLine  # noqa: E402
from server.domain.picking.lists import create_pick_list  # noqa: E402
from server.domain.picking.packing import complete_pick_list  # noqa: E402
from server.domain.picking.tables import PickLine, PickShortage  # noqa: E402
from server.domain.users.accounts import create_user  # noqa: E402
from tests.e2e.browser_settings import CONTEXT_ARGS, DEFAULT_TIMEOUT_MS  # noqa: E402

TSD = {**CONTEXT_ARGS, "viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
       "has_touch": True}
SHOTS = os.environ.get("KLADOVKA_SCREENSHOTS")  # a folder: keep screenshots of the screens for a look


async def _context(chromium, live_url, **extra):
    context = await chromium.new_context(base_url=live_url, **{**CONTEXT_ARGS, **extra})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    return context


async def _sign_in(page, username: str, home: str) -> None:
    await page.goto("/login")
    await page.locator('input[name="username"]').fill(username)
    await page.locator('input[name="password"]').fill("demo-password")
    await page.locator('form[action="/login"] [type="submit"]').click()
    await expect(page).to_have_url(re.compile(rf"{home}/?(\?.*)?$"))


async def _shot(page, name: str) -> None:
    if SHOTS:
        await page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


async def test_report_missing_goods_then_replace_them_with_an_analog(chromium, live_url):
    await floor()
    await create_user("picker", "demo-password", ["picker"], full_name="Пётр Сборщик")
    await create_user("manager", "demo-password", ["manager"], full_name="Анна Менеджер")
    order = await confirmed_order(("KEN-250", 3))
    pick_list = await create_pick_list([order], actor="picker")
    line = await PickLine.select().where(PickLine.pick_list == pick_list).first()
    tsd = await _context(chromium, live_url, **TSD)
    try:
        page = await tsd.new_page()
        await _sign_in(page, "picker", "/warehouse")
        await page.goto(f"/warehouse/pick/{pick_list}/lines/{line['id']}/short")
        qty = page.get_by_test_id("short-qty")
        await expect(qty).to_have_value("3")
        await page.get_by_test_id("short-plus").click()  # never beyond what is left
        await expect(qty).to_have_value("3")
        await page.get_by_test_id("short-minus").click()
        await expect(qty).to_have_value("2")
        box = await page.get_by_test_id("short-submit").bounding_box()
        assert box and box["height"] >= 48 and box["width"] >= 300
        # typed by a person (keys 80 ms apart), then a phone keyboard commits a whole word at once: the
        # comment is [data-no-scan], so neither is taken as a scan (scanner.js)
        comment = page.get_by_test_id("short-comment")
        await comment.press_sequentially("ячейка ", delay=80)
        await page.keyboard.insert_text("пуста")
        await expect(comment).to_have_value("ячейка пуста")
        await _shot(page, "shortage-form")
        await page.get_by_test_id("short-submit").click()
        await expect(page).to_have_url(re.compile(rf"/warehouse/pick/{pick_list}$"))
    finally:
        await tsd.close()
    shortage = await PickShortage.select().first()
    assert (shortage["qty"], shortage["comment"]) == (2, "ячейка пуста")

    desk = await _context(chromium, live_url)
    try:
        page = await desk.new_page()
        await _sign_in(page, "manager", "/manager")
        await page.goto(f"/manager/orders/{order}")
        block = page.get_by_test_id("pick-shortages")
        await expect(block).to_contain_text("Сборщик не нашёл товар")
        analog = block.locator('[data-testid="analog"][data-sku="KEN-250-M"]')
        await expect(analog).to_be_visible()
        await _shot(page, "order-card-shortage")
        await analog.get_by_test_id("replace").click()
        await expect(page.get_by_test_id("flash")).to_contain_text("KEN-250-M добавлен вместо ненайденного товара")
        await expect(page.get_by_test_id("pick-shortages")).to_have_count(0)
    finally:
        await desk.close()
    rows = await OrderLine.select(OrderLine.sku, OrderLine.qty).where(OrderLine.order == order).order_by(
        OrderLine.line_no)
    assert [(r["sku"], r["qty"]) for r in rows] == [("KEN-250", 1), ("KEN-250-M", 2)]


async def test_the_slip_prints_narrow_without_the_toolbar(chromium, live_url):
    f = await floor()
    await create_user("picker", "demo-password", ["picker"], full_name="Пётр Сборщик")
    order = await confirmed_order(("KEN-250", 1), ("GR-1", 1))
    pick_list = await create_pick_list([order], actor="picker")
    await scan(pick_list, f.codes["KEN-250"])
    await scan(pick_list, f.codes["GR-1"], serial="SN-5")
    await complete_pick_list(pick_list, actor="picker")
    tsd = await _context(chromium, live_url, **TSD)
    try:
        page = await tsd.new_page()
        await _sign_in(page, "picker", "/warehouse")
        await page.goto(f"/warehouse/orders/{order}/slip?size=80")
        slip = page.get_by_test_id("slip")
        await expect(slip).to_have_attribute("data-size", "80")
        await expect(page.get_by_test_id("slip-lines").get_by_test_id("slip-line")).to_have_count(2)
        width = await slip.evaluate("el => el.getBoundingClientRect().width")
        assert 280 <= width <= 300  # 76 mm at 96 px per inch
        await _shot(page, "slip-80")
        await page.emulate_media(media="print")
        await expect(page.get_by_test_id("slip-print")).to_be_hidden()
        await expect(page.get_by_test_id("slip-barcode").locator("svg")).to_be_visible()
        await expect(page.get_by_test_id("slip-qr").locator("svg")).to_be_visible()
        await page.emulate_media(media="screen")
        await page.get_by_test_id("slip-size-a4").click()
        await expect(slip).to_have_attribute("data-size", "a4")
        await _shot(page, "slip-a4")
    finally:
        await tsd.close()
