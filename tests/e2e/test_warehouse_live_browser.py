"""The picker's queue updates by itself: a manager confirms an order in the office and it appears on the
TSD without a reload, the orders already ticked stay ticked; an order taken into a pick list on another
device leaves the queue. The server here (`notifying_url`) delivers its outbox itself, as in production."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from playwright.async_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "domain"))  # picking_helpers' own imports
from picking_helpers import confirmed_order, floor  # noqa: E402

from server.domain.orders.dto import CustomerInput, IntakeLine, OrderIntake  # noqa: E402
from server.domain.orders.intake import intake_order  # noqa: E402
from server.domain.orders.status import change_status  # noqa: E402
from server.domain.orders.tables import Order  # noqa: E402
from server.domain.picking.lists import create_pick_list  # noqa: E402
from tests.e2e.pick_pages import TSD, Queue, picker_account, sign_in_picker  # noqa: E402

pytestmark = pytest.mark.e2e


@pytest.fixture
async def live_tsd(open_page, notifying_url):
    """The TSD's page; the test fails if the page had an uncaught script error (conftest's open_page)."""
    return await open_page(notifying_url, TSD)


async def test_a_confirmed_order_appears_in_the_open_queue_and_a_taken_one_leaves_it(live_tsd):
    await floor()
    first = await confirmed_order(("KEN-250", 1))
    number = (await Order.select(Order.number).where(Order.id == first).first())["number"]
    await picker_account()
    await sign_in_picker(live_tsd)
    queue = Queue(live_tsd)
    await expect(queue.orders).to_have_count(1)
    await expect(live_tsd.get_by_test_id("live-state")).to_have_attribute("data-live-state", "on")
    await queue.tick(number)
    await live_tsd.evaluate("window.kladovkaQueueMark = 'still the same page'")

    taken = await intake_order(OrderIntake(channel="api", lines=[IntakeLine(sku="TS-M", qty=1, price=150000)],
                                           customer=CustomerInput(name="Иван Сидоров", email="ivan@example.ru")))
    await change_status(taken.order_id, "confirmed", actor="manager")  # in the office
    await expect(queue.order(taken.number)).to_be_visible()
    await expect(queue.order(taken.number).get_by_test_id("badge-marking")).to_be_visible()
    await expect(queue.order(number).get_by_test_id("queue-check")).to_be_checked()  # the tick survived
    await expect(queue.pick_one).to_be_enabled()

    await create_pick_list([first], actor="other-picker")  # another TSD took it
    await expect(queue.order(number)).to_have_count(0)
    await expect(queue.orders).to_have_count(1)
    assert await live_tsd.evaluate("window.kladovkaQueueMark") == "still the same page"
