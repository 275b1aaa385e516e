"""Taking payments (server/domain/payments): one transaction for payment, Order.paid and the queued receipt;
replays by client UUID; bad amounts refused with clear messages; two payments at once for one due; SBP
through the test acquirer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from payment_helpers import new_uuid, order_to_pay

from server.domain.orders.tables import Order
from server.domain.outbox.tables import OutboxEvent
from server.domain.payments.acquirer import TestAcquirer, acquirer, set_acquirer
from server.domain.payments.payments import amount_due, order_payments, take_payment
from server.domain.payments.receipts import TOPIC
from server.domain.payments.sbp import check_sbp_payment, start_sbp_payment
from server.domain.payments.tables import Payment, Receipt
from server.errors import Conflict, ValidationFailed


async def _counts() -> tuple[int, int, int]:
    return (await Payment.count(), await Receipt.count(),
            await OutboxEvent.count().where(OutboxEvent.topic == TOPIC))


async def test_cash_payment_gives_change_raises_paid_and_queues_one_receipt_in_one_go():
    order = await order_to_pay(("KEN-250", 2))  # 2 × 890 + 300 delivery
    assert await amount_due(order["id"]) == 208000
    result = await take_payment(order["id"], "cash", 208000, actor="courier1", client_uuid="dev-1",
                                tendered=250000, courier="courier1", route_id=7)
    assert result["change"] == 42000 and result["due"] == 0 and result["receipt_status"] == "queued"
    assert (await Order.select(Order.paid).where(Order.id == order["id"]).first())["paid"] == 208000
    assert await _counts() == (1, 1, 1)
    receipt = await Receipt.select().where(Receipt.id == result["receipt_id"]).first().output(load_json=True)
    assert receipt["external_id"] == f"kladovka-order-{order['id']}-sell-{result['payment_id']}"
    assert receipt["request"]["receipt"]["payments"] == [{"type": 0, "sum": 2080.0}]
    payment = (await order_payments(order["id"]))[0]
    assert payment["courier"] == "courier1" and payment["route_id"] == 7 and len(payment["receipts"]) == 1


async def test_a_replay_by_client_uuid_returns_the_first_payment_and_changes_nothing():
    order = await order_to_pay()
    first = await take_payment(order["id"], "card", 100000, actor="c", client_uuid="dev-2", slip_ref="RRN 1")
    again = await take_payment(order["id"], "card", 100000, actor="c", client_uuid="dev-2", slip_ref="RRN 1")
    assert again["payment_id"] == first["payment_id"] and again["replayed"] and not first["replayed"]
    assert await _counts() == (1, 1, 1)
    other = await order_to_pay(("EFI-250", 1))
    with pytest.raises(Conflict):
        await take_payment(other["id"], "card", 1000, actor="c", client_uuid="dev-2", slip_ref="x")


@pytest.mark.parametrize(("kw", "field", "text"), [
    ({"method": "cash", "amount": 300000}, "amount", "larger than due"),
    ({"method": "cash", "amount": 100000, "tendered": 50000}, "tendered", "less than the amount"),
    ({"method": "card", "amount": 100000}, "slip_ref", "slip number"),
    ({"method": "cash", "amount": 0}, "amount", "greater than zero"),
    ({"method": "cash", "amount": 12.5}, "amount", "whole number"),
    ({"method": "bitcoin", "amount": 100}, "method", "Unknown payment method"),
    ({"method": "sbp", "amount": 100}, "method", "QR code"),
])
async def test_bad_payments_are_refused_with_a_clear_message_and_nothing_written(kw, field, text):
    order = await order_to_pay()
    with pytest.raises(ValidationFailed) as refused:
        await take_payment(order["id"], actor="c", client_uuid=new_uuid(), **kw)
    assert refused.value.field == field and text in refused.value.message
    assert await _counts() == (0, 0, 0)


async def test_a_prepaid_order_with_nothing_due_is_a_conflict():
    order = await order_to_pay(method="prepaid_online", paid=208000)
    with pytest.raises(Conflict) as refused:
        await take_payment(order["id"], "cash", 100, actor="c", client_uuid=new_uuid())
    assert "nothing to pay" in refused.value.message


async def test_of_two_concurrent_payments_for_the_same_due_only_one_fits():
    order = await order_to_pay()
    results = await asyncio.gather(
        take_payment(order["id"], "cash", 208000, actor="a", client_uuid="dev-a"),
        take_payment(order["id"], "card", 208000, actor="b", client_uuid="dev-b", slip_ref="77"),
        return_exceptions=True)
    taken = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(taken) == 1 and len(refused) == 1 and isinstance(refused[0], Conflict), results
    assert (await Order.select(Order.paid).where(Order.id == order["id"]).first())["paid"] == 208000
    assert await _counts() == (1, 1, 1)


async def test_the_same_payment_sent_twice_at_once_is_taken_once():
    order = await order_to_pay()
    results = await asyncio.gather(*(take_payment(order["id"], "cash", 50000, actor="a", client_uuid="dev-same")
                                     for _ in range(3)))
    assert len({r["payment_id"] for r in results}) == 1
    assert await _counts() == (1, 1, 1) and await amount_due(order["id"]) == 158000


async def test_partial_payments_each_get_a_receipt_the_last_one_the_whole_order():
    order = await order_to_pay()
    await take_payment(order["id"], "cash", 8000, actor="a", client_uuid="p1")
    last = await take_payment(order["id"], "card", 200000, actor="a", client_uuid="p2", slip_ref="5")
    bodies = [r["request"] for r in await Receipt.select().order_by(Receipt.id).output(load_json=True)]
    assert bodies[0]["receipt"]["items"][0]["payment_method"] == "prepayment"
    assert bodies[1]["receipt"]["payments"] == [{"type": 1, "sum": 2000.0}, {"type": 2, "sum": 80.0}]
    assert last["due"] == 0


async def test_sbp_payment_is_pending_until_the_acquirer_says_paid_then_confirmed_once():
    set_acquirer(TestAcquirer())
    try:
        order = await order_to_pay()
        started = await start_sbp_payment(order["id"], 208000, actor="c", client_uuid="sbp-1", courier="c")
        assert started["status"] == "pending" and started["test_double"]
        assert started["url"].startswith("https://qr.nspk.ru/") and "sum=208000" in started["url"]
        assert "type=02" in started["url"] and started["qr_svg"].startswith("<svg")
        assert await amount_due(order["id"]) == 208000
        assert (await check_sbp_payment(started["payment_id"], actor="c"))["status"] == "pending"
        ref = (await Payment.select(Payment.acquirer_ref).first())["acquirer_ref"]
        acquirer().mark_paid(ref)
        done = await check_sbp_payment(started["payment_id"], actor="c")
        assert done["status"] == "done" and done["due"] == 0 and done["receipt_id"]
        again = await check_sbp_payment(started["payment_id"], actor="c")
        assert again["receipt_id"] == done["receipt_id"] and await _counts() == (1, 1, 1)
        replay = await start_sbp_payment(order["id"], 208000, actor="c", client_uuid="sbp-1")
        assert replay["payment_id"] == started["payment_id"]
    finally:
        set_acquirer(None)


async def test_a_new_sbp_qr_cancels_the_unpaid_one():
    set_acquirer(TestAcquirer())
    try:
        order = await order_to_pay()
        first = await start_sbp_payment(order["id"], 208000, actor="c", client_uuid="q1")
        second = await start_sbp_payment(order["id"], 208000, actor="c", client_uuid="q2")
        rows = {r["id"]: r["status"] for r in await Payment.select(Payment.id, Payment.status)}
        assert rows == {first["payment_id"]: "cancelled", second["payment_id"]: "pending"}
    finally:
        set_acquirer(None)


async def test_cash_after_an_sbp_qr_cancels_the_unpaid_qr_and_a_paid_qr_leaves_nothing_due():
    set_acquirer(TestAcquirer())
    try:
        order = await order_to_pay()
        first = await start_sbp_payment(order["id"], 208000, actor="c", client_uuid="s1")
        await take_payment(order["id"], "cash", 208000, actor="c", client_uuid="cash1")
        assert (await Payment.select(Payment.status).where(Payment.id == first["payment_id"]).first())["status"] == "cancelled"
        other = await order_to_pay(("EFI-250", 1))
        paid_qr = await start_sbp_payment(other["id"], other["total"], actor="c", client_uuid="s2")
        acquirer().mark_paid((await Payment.select(Payment.acquirer_ref).where(
            Payment.id == paid_qr["payment_id"]).first())["acquirer_ref"])
        with pytest.raises(Conflict):  # the customer paid by SBP meanwhile: the cash is not taken too
            await take_payment(other["id"], "cash", other["total"], actor="c", client_uuid="cash2")
        assert await amount_due(other["id"]) == 0
    finally:
        set_acquirer(None)


async def test_the_marking_codes_taken_at_picking_go_on_the_receipt_one_unit_per_item():
    import base64

    from server.domain.marking.tables import UnitCode
    from server.domain.orders.tables import OrderLine

    order = await order_to_pay(("SHOE-42", 2))
    line = await OrderLine.select().where(OrderLine.order == order["id"]).first()
    codes = ["0104600123456782215Serial00001\x1d91EE10\x1d92crypto1", "0104600123456782215Serial00002\x1d91EE10\x1d92crypto2"]
    for n, code in enumerate(codes):
        await UnitCode.insert(UnitCode(kind="marking", code_key=f"k{n}", full_code=code, variant=line["variant"],
                                       order=order["id"], order_line=line["id"]))
    await UnitCode.insert(UnitCode(kind="marking", code_key="gone", full_code="released", variant=line["variant"],
                                   order=order["id"], order_line=line["id"], released_at=datetime.now(UTC),
                                   release_reason="unpicked"))
    result = await take_payment(order["id"], "cash", 208000, actor="c", client_uuid=new_uuid())
    body = (await Receipt.select(Receipt.request).where(Receipt.id == result["receipt_id"]).first().output(
        load_json=True))["request"]
    marked = [i for i in body["receipt"]["items"] if i["payment_object"] == 33]
    assert [base64.b64decode(i["mark_code"]["gs1m"]).decode() for i in marked] == codes
    assert all(i["quantity"] == 1.0 and i["mark_processing_mode"] == "0" for i in marked)
