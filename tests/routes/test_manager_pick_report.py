"""The picker report and the bin labels over HTTP: the last 7 days by default, a chosen period, a bad date
in Russian; bin labels as Code 128 from the warehouse page; both for managers only."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "domain"))  # picking_helpers' own imports
from picking_helpers import confirmed_order, floor, scan  # noqa: E402

from server.config import get_settings  # noqa: E402
from server.domain.picking.lists import create_pick_list  # noqa: E402
from server.domain.picking.packing import complete_pick_list  # noqa: E402
from server.domain.stock.warehouses import create_bin  # noqa: E402
from tests.routes.manager_helpers import by_testid, count_testid, sign_in, texts  # noqa: E402


async def _picked(f) -> None:
    order = await confirmed_order(("KEN-250", 2))
    pick_list = await create_pick_list([order], actor="manager", picker="anna")
    t0 = datetime.now(UTC) - timedelta(minutes=10)
    for seconds, code in ((0, f.codes["KEN-250"]), (3, "4600000000000"), (12, f.codes["KEN-250"])):
        await scan(pick_list, code, actor="anna", scanned_at=t0 + timedelta(seconds=seconds))
    await complete_pick_list(pick_list, actor="anna")


async def test_the_report_shows_each_picker_for_the_last_week_or_a_chosen_period(client):
    f = await floor()
    await _picked(f)
    await sign_in(client, "manager")
    home = await client.get("/manager/")
    assert 'href="/manager/reports/pickers"' in home.text
    page = await client.get("/manager/reports/pickers")
    assert page.status_code == 200
    today = datetime.now(ZoneInfo(get_settings().timezone)).date()
    assert f'value="{(today - timedelta(days=6)).isoformat()}"' in page.text and f'value="{today.isoformat()}"' in page.text
    assert by_testid(page.text, "report-picker") == ["anna"]
    assert by_testid(page.text, "report-lines") == ["1"] and by_testid(page.text, "report-units") == ["2"]
    assert by_testid(page.text, "report-median") == ["12.0"] and by_testid(page.text, "report-orders") == ["1"]
    assert "(33.3 %)" in page.text  # one wrong scan of three
    old = await client.get("/manager/reports/pickers?from=2020-01-01&to=2020-01-31")
    assert old.status_code == 200 and count_testid(old.text, "report-row") == 0
    assert "никто ничего не собирал" in old.text
    bad = await client.get("/manager/reports/pickers?from=2026-13-01")
    assert bad.status_code == 422 and "2026-13-01" in texts(bad.text) and 'aria-invalid="true"' in bad.text
    backwards = await client.get("/manager/reports/pickers?from=2026-02-10&to=2026-02-01")
    assert backwards.status_code == 422


async def test_bin_labels_from_the_warehouse_page(client):
    f = await floor()
    await create_bin(f.wh, "Я", "01")
    await sign_in(client, "manager")
    view = await client.get(f"/manager/warehouses/{f.wh}")
    assert f'href="/manager/warehouses/{f.wh}/bin-labels"' in view.text
    labels = await client.get(f"/manager/warehouses/{f.wh}/bin-labels")
    assert labels.status_code == 200 and count_testid(labels.text, "bin-label") == 4
    assert 'data-code="A-01"' in labels.text and count_testid(labels.text, "bin-label-no-code") == 1
    zone = await client.get(f"/manager/warehouses/{f.wh}/bin-labels?zone=b")
    assert count_testid(zone.text, "bin-label") == 1 and 'data-address="B-01"' in zone.text
    assert (await client.get(f"/manager/warehouses/{f.wh + 99}/bin-labels")).status_code == 404


async def test_pickers_and_cashiers_see_neither(client):
    f = await floor()
    await sign_in(client, "picker")
    assert (await client.get("/manager/reports/pickers")).status_code == 403
    assert (await client.get(f"/manager/warehouses/{f.wh}/bin-labels")).status_code == 403
