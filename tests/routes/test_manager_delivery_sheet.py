"""The route sheet print view: per stop seq, address, window, ETA, items, amount to collect, phone and a QR
of the order; a QR of the whole sheet carrying the route's sheet token for the cashier's handover screen."""

from __future__ import annotations

import re

import pytest
from delivery_plan_helpers import delivery_day

from server.domain.delivery.tables import DeliveryRoute
from tests.planning_clock import morning_planning  # noqa: F401  (autouse: plans at any hour)
from tests.routes.manager_helpers import HTMX, by_testid, count_testid, form, sign_in


async def _route(client) -> dict:
    day = await delivery_day(orders=3, couriers=1)
    await sign_in(client, "manager")
    answer = await client.post("/manager/delivery/optimise", headers=HTMX, data=form(
        client, day=day.day.isoformat(), warehouse=str(day.warehouse), time_limit="1"))
    assert answer.status_code == 200, answer.text
    route = await DeliveryRoute.select().first()
    assert route is not None
    return route


async def test_the_route_sheet_lists_every_stop_with_its_qr_and_the_sheet_qr(client):
    route = await _route(client)
    sheet = await client.get(f"/manager/delivery/routes/{route['id']}/sheet")
    assert sheet.status_code == 200
    html = sheet.text
    assert count_testid(html, "sheet-stop") == 3
    assert by_testid(html, "sheet-seq") == ["1", "2", "3"]
    assert set(by_testid(html, "sheet-window")) == {"10:00–18:00"}
    assert all(re.fullmatch(r"\d\d:\d\d", eta) for eta in by_testid(html, "sheet-eta"))
    assert set(by_testid(html, "sheet-items")) == {"1"}
    assert all("500,00" in due for due in by_testid(html, "sheet-due"))
    assert set(by_testid(html, "sheet-phone")) == {"+79160000000"}
    assert by_testid(html, "sheet-address")[0].startswith("Москва, ул. Тестовая")
    assert html.count('class="qr"') == 4  # one per order and one for the whole sheet
    assert f'data-token="{route["sheet_token"]}"' in html
    assert "@page { size:A4" in html and "window.print()" in html
    assert "1 500,00" in by_testid(html, "sheet-total")[0].replace("\u202f", " ")


async def test_the_sheet_qr_is_what_the_cashier_scans_at_the_handover(client):
    handover = pytest.importorskip("server.domain.payments.handover")  # the cash handover's lookup
    route = await _route(client)
    sheet = await client.get(f"/manager/delivery/routes/{route['id']}/sheet")
    token = re.search(r'data-testid="sheet-qr" data-token="([^"]+)"', sheet.text).group(1)
    found = await handover.route_by_sheet_token(token)  # what the cash screen does with a scanned code
    assert found["route_id"] == route["id"]


async def test_an_unknown_route_has_no_sheet_and_a_cashier_cannot_open_one(client):
    route = await _route(client)
    missing = await client.get("/manager/delivery/routes/999999/sheet")
    assert missing.status_code == 404
    await client.post("/logout", data=form(client))
    await sign_in(client, "cashier")
    refused = await client.get(f"/manager/delivery/routes/{route['id']}/sheet", follow_redirects=False)
    assert refused.status_code == 403
