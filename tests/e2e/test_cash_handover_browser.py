"""The cashier's cash handover in the browser at 360×740: the route sheet's QR typed by a wedge scanner
into the code field, the expected sums, a short handover closing the shift with its difference shown,
and the shift report of the day."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from playwright.async_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "domain"))  # payment_helpers' own imports

from payment_helpers import make_route, new_uuid, order_to_pay  # noqa: E402

from server.domain.payments.payments import take_payment  # noqa: E402
from server.domain.users.accounts import create_user  # noqa: E402
from tests.e2e.browser_settings import CONTEXT_ARGS, DEFAULT_TIMEOUT_MS  # noqa: E402
from tests.e2e.pages import LoginPage, scanner_types  # noqa: E402

pytestmark = pytest.mark.e2e


@pytest.fixture
async def phone(chromium, live_url):
    context = await chromium.new_context(base_url=live_url, **{**CONTEXT_ARGS, "viewport": {"width": 360, "height": 740}})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = await context.new_page()
    yield page
    await context.close()


async def test_the_cashier_scans_the_route_sheet_and_closes_a_short_shift(phone):
    await make_route("courier1", "sheet-e2e-1")
    order = await order_to_pay(("KEN-250", 2))
    await take_payment(order["id"], "cash", 208000, actor="courier1", client_uuid=new_uuid(), tendered=250000,
                       courier="courier1")
    await create_user("kassa", "demo-password", ["cashier"])
    await (await LoginPage(phone).open()).sign_in("kassa", "demo-password")
    await phone.get_by_test_id("nav-cash").click()
    await expect(phone.get_by_test_id("cash-token")).to_be_focused()
    await scanner_types(phone, "sheet-e2e-1")
    await expect(phone.get_by_test_id("expected-cash")).to_have_text("2\u202f080,00\u00a0₽")
    await expect(phone.get_by_test_id("cash-order")).to_have_count(1)
    await phone.get_by_test_id("cash-handed").fill("2000")
    await phone.get_by_test_id("cash-close").click()
    await expect(phone.get_by_test_id("cash-state")).to_have_text("Закрыта")
    await expect(phone.get_by_test_id("cash-difference")).to_contain_text("80,00")
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 400  # no page-wide sideways scroll
    await phone.goto("/manager/cash/report")
    await expect(phone.locator('[data-testid="cash-report-row"][data-courier="courier1"]')).to_have_attribute(
        "data-status", "closed")
