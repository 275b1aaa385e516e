"""The customer's tracking page /t/<token> refreshes itself once a minute in headless Chromium: the page is
open while the delivery moves on the server — the manager publishes the route, the courier leaves with
it, a stop before this one is done — and each minute of the page's clock (Playwright's page.clock: no
real minute is waited) brings the new words in, without a reload while the order's status stays (the
courier's start changes the status: that reload is the page's design, and it is checked too)."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from server.domain.delivery.courier_day import mark_stop, start_route
from server.domain.delivery.planning import publish_routes
from server.domain.orders.tables import Order
from tests.routes.courier_helpers import new_uuid, two_couriers_day

pytestmark = pytest.mark.e2e
MINUTE_MS = 60_000
WINDOW = r"с \d\d:\d\d до \d\d:\d\d"  # the times follow the real clock of the server (ETAs move to now)


async def _token(order_id: int) -> str:
    return (await Order.select(Order.tracking_token).where(Order.id == order_id).first())["tracking_token"]


async def _mark(page: Page) -> None:
    """A flag in the page's memory: a reload forgets it."""
    await page.evaluate("() => { window.__sameDocument = true; }")


async def _same_document(page: Page) -> bool:
    return await page.evaluate("() => window.__sameDocument === true")


async def test_the_tracking_page_follows_the_delivery_minute_by_minute(tab: Page):
    day = await two_couriers_day(status="draft")  # the manager's plan, not published yet
    third = day.stops["courier"][2]
    await tab.clock.install()
    await tab.goto(f"/t/{await _token(third.order_id)}")
    eta = tab.get_by_test_id("tracking-eta")
    await expect(tab.get_by_test_id("tracking-eta-assigning")).to_have_text("Заказ собран, курьер будет назначен")
    await _mark(tab)

    assert await publish_routes(day.day, day.warehouse, actor="manager") == 2
    await tab.clock.run_for(MINUTE_MS - 1_000)  # not a minute yet: nothing is read
    await expect(eta).to_have_attribute("data-phase", "assigning")
    await tab.clock.run_for(1_000)
    await expect(tab.get_by_test_id("tracking-eta-departs")).to_have_text(
        re.compile(rf"^Курьер выедет к вам сегодня и по плану приедет примерно {WINDOW}$"))
    await expect(tab.get_by_test_id("tracking-eta-assigning")).to_have_count(0)
    assert await _same_document(tab)
    for private in ("Иван", "Курьеров", "Пётр", "Садовая", "Чужая"):
        await expect(tab.locator("body")).not_to_contain_text(private)

    await start_route(day.routes["courier"], actor="courier")  # the courier leaves: the order goes out
    await tab.clock.run_for(MINUTE_MS)
    await expect(tab.get_by_test_id("tracking-status")).to_have_attribute("data-status", "out_for_delivery")
    await expect(tab.get_by_test_id("tracking-eta-window")).to_have_text(
        re.compile(rf"^Курьер приедет примерно {WINDOW}$"))
    await expect(tab.get_by_test_id("tracking-eta-ahead")).to_have_text("Перед вами 2 адреса")
    assert not await _same_document(tab)  # a new status: the page was read again
    await _mark(tab)

    await mark_stop(day.stops["courier"][0].id, "failed", actor="courier", client_uuid=new_uuid(),
                    reason="not_home")  # the first customer is not home: one address fewer before this one
    await tab.clock.run_for(MINUTE_MS)
    await expect(tab.get_by_test_id("tracking-eta-ahead")).to_have_text("Перед вами 1 адрес")
    assert await _same_document(tab)
