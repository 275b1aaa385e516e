"""The cashier's cash handover: the route sheet's QR finds the courier's day, expected sums per payment type
and per order, the difference recorded, a shift closes once, the day's shift report."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from payment_helpers import make_route, new_uuid, order_to_pay

from server.domain.audit.tables import AuditEntry
from server.domain.payments.handover import (
    close_shift,
    parse_day,
    route_by_sheet_token,
    shift_report,
    shift_view,
)
from server.domain.payments.payments import take_payment
from server.domain.payments.tables import Payment
from server.errors import Conflict, NotFound, ValidationFailed

TODAY = datetime.now(ZoneInfo("Europe/Moscow")).date()


async def _collect(courier: str = "courier1") -> list[dict]:
    """Three orders: cash 2080 (tendered 2500), card 2080, cash 1000 + SBP-like card rest on the third."""
    made = []
    for sku in ("A-1", "B-1", "C-1"):
        made.append(await order_to_pay((sku, 2)))
    await take_payment(made[0]["id"], "cash", 208000, actor=courier, client_uuid=new_uuid(), tendered=250000,
                       courier=courier)
    await take_payment(made[1]["id"], "card", 208000, actor=courier, client_uuid=new_uuid(), slip_ref="11",
                       courier=courier)
    await take_payment(made[2]["id"], "cash", 100000, actor=courier, client_uuid=new_uuid(), courier=courier)
    return made


async def test_the_route_sheet_qr_finds_the_couriers_day_with_expected_sums_per_type_and_order():
    route_id = await make_route()
    orders = await _collect()
    found = await route_by_sheet_token("sheet-abc")
    assert found["courier"] == "courier1" and found["day"] == TODAY and found["route_id"] == route_id
    assert (await route_by_sheet_token("https://shop.example.org/manager/delivery/sheet/sheet-abc"))["route_id"] == route_id
    view = await shift_view("courier1", TODAY, route_id=route_id)
    assert view["expected"] == {"cash": 308000, "card": 208000, "sbp": 0}
    assert [(o["number"], o["cash"], o["card"]) for o in view["orders"]] == [
        (orders[0]["number"], 208000, 0), (orders[1]["number"], 0, 208000), (orders[2]["number"], 100000, 0)]
    with pytest.raises(NotFound):
        await route_by_sheet_token("no-such-sheet")


async def test_a_short_handover_records_the_difference_and_the_shift_closes_once():
    route_id = await make_route()
    await _collect()
    shift = await close_shift("courier1", TODAY, 300000, actor="cashier1", note="не хватает 80 ₽", route_id=route_id)
    assert shift["status"] == "closed" and shift["difference"] == -8000 and shift["expected_cash"] == 308000
    assert shift["closed_by"] == "cashier1" and len(shift["orders"]) == 3
    with pytest.raises(Conflict) as again:
        await close_shift("courier1", TODAY, 308000, actor="cashier1")
    assert "closed already" in again.value.message
    assert await AuditEntry.count().where(AuditEntry.action == "cash.shift_closed") == 1
    (row,) = await shift_report(TODAY)
    assert row["courier"] == "courier1" and row["difference"] == -8000 and row["status"] == "closed"


async def test_two_cashiers_closing_the_same_shift_at_once_close_it_once():
    await make_route()
    await _collect()
    results = await asyncio.gather(close_shift("courier1", TODAY, 308000, actor="a"),
                                   close_shift("courier1", TODAY, 308000, actor="b"), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "dict"]


async def test_yesterdays_payments_and_other_couriers_are_not_in_the_shift():
    await make_route()
    await _collect()
    other = await order_to_pay(("D-1", 1))
    await take_payment(other["id"], "cash", 50000, actor="courier2", client_uuid=new_uuid(), courier="courier2")
    await Payment.update({Payment.done_at: datetime.now(UTC) - timedelta(days=1)}).where(Payment.courier == "courier2")
    view = await shift_view("courier1", TODAY)
    assert view["expected"]["cash"] == 308000
    assert [r["courier"] for r in await shift_report(TODAY)] == ["courier1"]


async def test_bad_handover_input_is_refused():
    with pytest.raises(ValidationFailed):
        await close_shift("courier1", TODAY, -1, actor="c")
    with pytest.raises(ValidationFailed):
        parse_day("31.12.2026")
    assert parse_day("") == TODAY
