"""Issue #4's browser flows on a picker's TSD (360×740): pick a whole order by keyboard-wedge scans — one of
them wrong, one a DataMatrix of a marked unit, one typed while the manual-entry field has focus — and finish
it (the order is packed); go offline mid-pick, scan three units, reload the page offline, come back online,
and find each scan on the server exactly once; a scanner in "send as string" mode."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from playwright.async_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "domain"))  # picking_helpers' own imports
from picking_helpers import SHOE_CODE, confirmed_order, floor, marked_code  # noqa: E402

from server.domain.orders.tables import Order  # noqa: E402
from server.domain.picking.lists import create_pick_list  # noqa: E402
from server.domain.picking.tables import PickLine, PickScan  # noqa: E402
from tests.e2e import pick_pages  # noqa: E402
from tests.e2e.pick_pages import PickScreen, Queue, picker_account, sign_in_picker  # noqa: E402

tsd, tsd_ctx = pick_pages.tsd, pick_pages.tsd_ctx  # the picker's terminal (fixtures)

pytestmark = pytest.mark.e2e


async def _order(order_id: int) -> dict:
    return await Order.select(Order.number, Order.status).where(Order.id == order_id).first()


async def test_a_whole_order_picked_by_wedge_scans_with_a_wrong_one_and_a_datamatrix_is_packed(tsd):
    f = await floor()
    order_id = await confirmed_order(("KEN-250", 2), ("TS-M", 1))
    number = (await _order(order_id))["number"]
    await picker_account()
    await sign_in_picker(tsd)

    queue = Queue(tsd)
    await expect(queue.order(number).get_by_test_id("badge-marking")).to_be_visible()
    await expect(queue.pick_one).to_be_disabled()  # nothing ticked yet
    await queue.tick(number)
    await queue.pick_one.click()
    screen = PickScreen(tsd)
    await screen.ready()
    await expect(screen.picked("KEN-250")).to_have_text("0")
    await expect(screen.line("KEN-250")).to_have_attribute("aria-current", "step")  # walked first: A-01

    await screen.scan(f.codes["KEN-250-M"])  # the other grind of the same coffee: refused
    await expect(screen.feedback).to_have_attribute("data-kind", "error")
    await expect(screen.feedback).to_contain_text("другой вариант")
    await expect(tsd.locator("html")).to_have_attribute("data-last-feedback", "error")
    await screen.answered()
    await expect(screen.picked("KEN-250")).to_have_text("0")

    await screen.manual.focus()  # a scan with the cursor in the manual-entry field
    await screen.scan(f.codes["KEN-250"])
    await expect(screen.picked("KEN-250")).to_have_text("1")
    await expect(screen.manual).to_have_value("")  # the code did not stay typed there
    await expect(screen.feedback).to_have_attribute("data-kind", "ok")

    await tsd.get_by_test_id("pick-number").click()  # focus anywhere else
    await screen.scan(f.codes["KEN-250"])
    await expect(screen.line("KEN-250")).to_have_attribute("data-state", "done")  # collapsed to the bottom
    await expect(screen.complete_button).to_be_disabled()

    await screen.scan(f.codes["TS-M"])  # a marked unit needs its DataMatrix, not the EAN
    await expect(screen.feedback).to_contain_text("DataMatrix")
    await screen.scan(SHOE_CODE)  # GS (\x1d) sent as a key of its own inside the burst
    await expect(screen.picked("TS-M")).to_have_text("1")
    await screen.answered()
    await expect(screen.complete_button).to_be_enabled()

    await screen.complete_button.click()
    await expect(screen.order_status(number)).to_have_text("Собран")
    await expect(tsd.get_by_test_id("slip-link")).to_be_visible()
    assert (await _order(order_id))["status"] == "packed"
    scans = await PickScan.select(PickScan.result, PickScan.code).order_by(PickScan.id)
    assert [s["result"] for s in scans] == ["other_variant", "ok", "ok", "marking_needed", "ok"]  # wrong ones too
    assert scans[-1]["code"] == f"01{SHOE_CODE[2:16]}21Ab3+Cd5-eF7gH"  # the КИ, GS restored around it


async def test_offline_scans_survive_a_reload_and_reach_the_server_once(tsd, tsd_ctx):
    f = await floor()
    order_id = await confirmed_order(("KEN-250", 5))
    await picker_account()
    pick_list = await create_pick_list([order_id], actor="picker")
    await sign_in_picker(tsd)
    screen = await PickScreen(tsd).open(pick_list)
    await screen.wait_until_controlled()
    await screen.wait_until_kept_for_offline(f"/warehouse/pick/{pick_list}", f"/warehouse/pick/{pick_list}/data")

    await screen.scan(f.codes["KEN-250"])  # online
    await screen.answered()
    await expect(screen.picked("KEN-250")).to_have_text("1")

    await tsd_ctx.set_offline(True)
    for _ in range(3):
        await screen.scan(f.codes["KEN-250"])
    await expect(screen.pending).to_have_text("Ожидают отправки: 3")
    await expect(screen.picked("KEN-250")).to_have_text("4")
    await expect(screen.line("KEN-250").get_by_test_id("line-pending")).to_have_text("ожидает синхронизации: +3")
    queued = [item["uuid"] for item in await screen.queued()]
    assert len(queued) == 3 and await PickScan.count() == 1  # nothing of it reached the server

    await tsd.reload()  # offline: the worker's copy of the page, the device's snapshot and queue
    await screen.ready()
    await expect(screen.picked("KEN-250")).to_have_text("4")
    await expect(screen.pending).to_have_text("Ожидают отправки: 3")
    await expect(tsd.get_by_test_id("offline-banner")).to_be_visible()

    await tsd_ctx.set_offline(False)
    await screen.answered()
    await expect(screen.pending).to_be_hidden()
    await expect(screen.picked("KEN-250")).to_have_text("4")
    rows = await PickScan.select(PickScan.client_uuid, PickScan.units, PickScan.result)
    assert sorted(r["client_uuid"] for r in rows if r["client_uuid"] in queued) == sorted(queued)  # each once
    assert len(rows) == 4 and all(r["result"] == "ok" and r["units"] == 1 for r in rows)
    assert (await PickLine.select(PickLine.picked).first())["picked"] == 4

    # the same queue sent once more (a device that lost the answers): counted nothing again
    replays = await tsd.evaluate("""async ([ids, code]) => {
        const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
        const out = [];
        for (const uuid of ids) {
          const r = await fetch(location.pathname + '/scans', {method: 'POST', headers: {'Content-Type': 'application/json',
            Accept: 'application/json', 'X-CSRFToken': token}, body: JSON.stringify({uuid, code})});
          out.push((await r.json()).replayed);
        }
        return out;
    }""", [queued, f.codes["KEN-250"]])
    assert replays == [True, True, True]
    assert await PickScan.count() == 4 and (await PickLine.select(PickLine.picked).first())["picked"] == 4


async def test_a_scanner_in_send_as_string_mode_and_a_refused_replay_shown_as_a_conflict(tsd, tsd_ctx):
    f = await floor()
    order_id = await confirmed_order(("KEN-250", 3), ("TS-M", 1))
    await picker_account()
    pick_list = await create_pick_list([order_id], actor="picker")
    await sign_in_picker(tsd)
    screen = await PickScreen(tsd).open(pick_list)

    await screen.manual.focus()
    await tsd.keyboard.insert_text(f.codes["KEN-250"])  # one input event with the whole code, no keys
    await expect(screen.picked("KEN-250")).to_have_text("1")
    await expect(screen.manual).to_have_value("")
    await tsd.keyboard.insert_text(marked_code("QQ3+Cd5-eF7gH"))  # a DataMatrix, GS inside, as one string
    await expect(screen.picked("TS-M")).to_have_text("1")
    await screen.answered()
    await tsd.evaluate("window.kladovkaMark = 'same page'")
    await screen.manual.press_sequentially(f.codes["KEN-250"], delay=120)  # the last resort: a person types it
    await screen.manual.press("Enter")
    await expect(screen.picked("KEN-250")).to_have_text("2")
    await expect(screen.manual).to_have_value("")
    await screen.answered()
    assert await tsd.evaluate("window.kladovkaMark") == "same page"  # no navigation, no HTMX swap

    await tsd_ctx.set_offline(True)
    await screen.manual.focus()
    await tsd.keyboard.insert_text(f.codes["KEN-250"])
    await expect(screen.pending).to_have_text("Ожидают отправки: 1")
    from server.domain.orders.status import change_status

    await change_status(order_id, "cancelled", actor="manager")  # meanwhile, in the office
    await tsd_ctx.set_offline(False)
    await screen.answered()
    await expect(screen.conflicts).to_have_count(1)
    await expect(screen.conflicts.first).to_contain_text("отменён")
    await expect(screen.line("KEN-250")).to_have_attribute("data-state", "cancelled")
    await expect(screen.line("KEN-250")).to_contain_text("Отменён — верните товар")  # one was picked
    assert (await PickLine.select(PickLine.picked).where(PickLine.variant == f.sku["KEN-250"]).first())["picked"] == 2


async def test_location_first_asks_for_the_bin_and_serial_goods_for_their_serial(tsd):
    f = await floor()
    order_id = await confirmed_order(("KEN-250", 2), ("GR-1", 1))
    await picker_account()
    pick_list = await create_pick_list([order_id], actor="picker", mode="location")
    await sign_in_picker(tsd)
    screen = await PickScreen(tsd).open(pick_list)
    await expect(screen.bin_prompt).to_have_text("Отсканируйте ячейку A-01")

    await screen.scan(f.codes["KEN-250"])
    await expect(screen.feedback).to_contain_text("Сначала отсканируйте ячейку")
    await screen.scan("C-01")
    await expect(screen.bin_prompt).to_have_text("Ячейка C-01")
    await expect(screen.line("GR-1")).to_have_attribute("aria-current", "step")  # what lies here
    await screen.scan(f.codes["KEN-250"])
    await expect(screen.feedback).to_contain_text("A-01")
    await expect(screen.picked("KEN-250")).to_have_text("0")

    await screen.scan(f.codes["GR-1"])  # serial-tracked: the serial number is asked for
    serial = tsd.get_by_test_id("serial-input")
    await expect(serial).to_be_focused()
    await serial.fill("SN-0001")  # typed by a person
    await serial.press("Enter")
    await expect(screen.picked("GR-1")).to_have_text("1")
    await expect(tsd.get_by_test_id("serial-form")).to_be_hidden()

    await screen.scan("a-01")
    await expect(screen.bin_prompt).to_have_text("Ячейка A-01")
    await screen.scan(f.codes["KEN-250"])
    await screen.scan(f.codes["KEN-250"])
    await expect(screen.picked("KEN-250")).to_have_text("2")
    await screen.answered()
    await expect(screen.complete_button).to_be_enabled()
    scans = await PickScan.select(PickScan.result, PickScan.serial, PickScan.bin_code).order_by(PickScan.id)
    assert [s["result"] for s in scans] == ["wrong_bin", "bin", "wrong_bin", "ok", "bin", "ok", "ok"]
    assert scans[3]["serial"] == "SN-0001" and scans[-1]["bin_code"] == "A-01"
