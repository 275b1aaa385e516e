"""The read side: the order list with its filters, open shortages by variant, the tracking view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from order_helpers import intake, shop

from server.domain.orders.dto import DeliveryInput
from server.domain.orders.edits import assign_manager
from server.domain.orders.intake import intake_order
from server.domain.orders.queries import OrderFilter, get_order, list_orders, shortages, tracking_info
from server.domain.orders.status import change_status
from server.errors import NotFound


async def _numbers(**filters) -> list[str]:
    rows, total = await list_orders(OrderFilter(**filters))
    assert total == len(rows)
    return [r["number"] for r in rows]


async def test_orders_are_found_by_status_channel_manager_dates_and_search():
    await shop(("KEN-250", 100))
    a = await intake_order(intake(("KEN-250", 1), channel="site", external_id="A-77", name="Анна Петрова",
                                  email="Anna@Example.ru", phone="8 916 123-45-67"))
    old = intake(("KEN-250", 1), channel="phone", name="Борис Ёлкин", phone="+7 903 000-00-01")
    old.placed_at = datetime.now(UTC) - timedelta(days=10)
    b = await intake_order(old)
    await change_status(b.order_id, "confirmed")
    await assign_manager(b.order_id, "olga")

    assert await _numbers() == [a.number, b.number]
    assert await _numbers(status="confirmed") == [b.number]
    assert await _numbers(channel="site") == [a.number]
    assert await _numbers(manager="olga") == [b.number]
    assert await _numbers(since=datetime.now(UTC) - timedelta(days=1)) == [a.number]
    assert await _numbers(until=datetime.now(UTC) - timedelta(days=1)) == [b.number]
    assert await _numbers(query="з-000002") == [b.number]
    assert await _numbers(query="+7 (916) 123 45 67") == [a.number]
    assert await _numbers(query="anna@example") == [a.number]
    assert await _numbers(query="ЕЛКИН борис") == [b.number]
    assert await _numbers(query="a-77") == [a.number]
    assert await _numbers(query="100%_") == []
    rows, total = await list_orders(limit=1, offset=1)
    assert ([r["number"] for r in rows], total) == ([b.number], 2)
    assert rows[0]["status_label"] == "Подтверждён"


async def test_shortages_sum_open_demand_per_variant():
    s = await shop(("KEN-250", 2), ("EFI-250", 0))
    first = await intake_order(intake(("KEN-250", 3), ("EFI-250", 1)))
    await intake_order(intake(("KEN-250", 2), ("EFI-250", 4)))
    cancelled = await intake_order(intake(("EFI-250", 7)))
    await change_status(cancelled.order_id, "cancelled")
    rows = await shortages()
    assert [(r["variant_id"], r["sku"], r["short"], r["orders"]) for r in rows] == [
        (s["KEN-250"], "KEN-250", 3, 2), (s["EFI-250"], "EFI-250", 5, 2)]
    assert (await get_order(first.order_id))["shortage"] == 2


async def test_tracking_shows_the_timeline_and_nothing_personal_but_the_first_name():
    await shop(("KEN-250", 5))
    data = intake(("KEN-250", 1), name="Анна Петрова", email="anna@example.ru", phone="+79161234567")
    data.delivery = DeliveryInput(address="Москва, ул. Тверская, 1, кв. 5",
                                  window_start=datetime(2026, 12, 1, 7, tzinfo=UTC),
                                  window_end=datetime(2026, 12, 1, 10, tzinfo=UTC))
    order = await intake_order(data)
    await change_status(order.order_id, "confirmed")
    info = await tracking_info(order.tracking_token)
    assert (info["number"], info["status"], info["status_label"], info["first_name"]) == (
        "З-000001", "confirmed", "Подтверждён", "Анна")
    assert [(t["status"], t["label"]) for t in info["timeline"]] == [("new", "Новый"), ("confirmed", "Подтверждён")]
    assert info["delivery"]["window_start"] == datetime(2026, 12, 1, 7, tzinfo=UTC)
    text = repr(info)
    assert "anna@" not in text and "9161234567" not in text and "Тверская" not in text and "Петрова" not in text
    for bad in ("", "nope", "x" * 100):
        with pytest.raises(NotFound):
            await tracking_info(bad)
