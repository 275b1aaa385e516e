"""The prepayment-offset sell receipt (payments/receipts.py queue_offset_sell) on every way to "delivered":
orders/status.change_status queues it in the status change's transaction — the manager's card, the REST
API, the 1C / site exchange (exchange/order_sync.apply_remote_state), not only the courier's stop — one per
order (changing on to "closed" or calling the hook again makes no second), none while something is due,
none when any of the prepayment was by invoice (a bank transfer between companies needs no 54-FZ receipt;
we make none for the invoice payment either), one when an invoice order was in fact paid otherwise."""

from __future__ import annotations

import pytest
from payment_helpers import order_to_pay, sell_receipts, send_out

from server.config import ConfigError, fiscal_settings
from server.domain.exchange.order_sync import RemoteState, apply_remote_state
from server.domain.orders.edits import record_payment
from server.domain.orders.status import change_status
from server.domain.orders.tables import Order
from server.domain.outbox.tables import OutboxEvent
from server.domain.payments import fiscal
from server.domain.payments.receipts import TOPIC, paid_by_invoice, queue_offset_sell
from tests.support.atol_server import validate

PRICE, DELIVERY = 89000, 30000
TOTAL = 2 * PRICE + DELIVERY


async def _on_the_way(*, method: str = "prepaid_online", paid: int = TOTAL) -> int:
    order = await order_to_pay(("KEN-250", 2), price=PRICE, delivery=DELIVERY, paid=paid, method=method)
    return await send_out(order["id"])



async def _events(receipt_id: int) -> int:
    rows = await OutboxEvent.select(OutboxEvent.payload).where(OutboxEvent.topic == TOPIC).output(load_json=True)
    return sum(1 for r in rows if r["payload"].get("receipt_id") == receipt_id)


async def test_a_manager_setting_a_prepaid_order_delivered_queues_one_offset_receipt():
    order_id = await _on_the_way()
    assert await sell_receipts(order_id) == []  # leaving for delivery hands nothing over yet
    await change_status(order_id, "delivered", actor="manager")
    (receipt,) = await sell_receipts(order_id)
    assert (receipt["external_id"], receipt["payment"], receipt["status"], receipt["total"]) == (
        f"kladovka-order-{order_id}-sell-offset", None, "queued", TOTAL)
    body = receipt["request"]
    assert fiscal.is_offset(body) and body["receipt"]["payments"] == [{"type": 2, "sum": TOTAL / 100}]
    assert [(i["price"], i["quantity"], i["payment_method"]) for i in body["receipt"]["items"]] == [
        (PRICE / 100, 2.0, "full_payment"), (DELIVERY / 100, 1.0, "full_payment")]
    assert fiscal.check_body(body) == [] and validate(body) == []
    assert await _events(receipt["id"]) == 1
    await change_status(order_id, "closed", actor="manager")  # closing hands nothing over again
    assert await queue_offset_sell(order_id) is None
    assert [r["id"] for r in await sell_receipts(order_id)] == [receipt["id"]] and await _events(receipt["id"]) == 1


async def test_the_exchange_setting_the_order_delivered_queues_it_too():
    order_id = await _on_the_way()
    applied = await apply_remote_state(order_id, RemoteState(status="delivered", paid=True), actor="exchange")
    assert applied.changed == ["delivered"] and applied.paid == 0
    (receipt,) = await sell_receipts(order_id)
    assert receipt["external_id"] == f"kladovka-order-{order_id}-sell-offset" and receipt["total"] == TOTAL
    again = await apply_remote_state(order_id, RemoteState(status="delivered", paid=True), actor="exchange")
    assert again.changed == [] and len(await sell_receipts(order_id)) == 1


async def test_nothing_is_queued_while_something_is_due():
    order_id = await _on_the_way(method="cash_on_delivery", paid=0)
    await change_status(order_id, "delivered", actor="manager")
    assert await sell_receipts(order_id) == []


async def test_an_invoice_prepayment_gets_no_offset_receipt():
    order_id = await _on_the_way(method="invoice")
    assert await paid_by_invoice(await Order.select().where(Order.id == order_id).first())
    await change_status(order_id, "delivered", actor="manager")
    assert await sell_receipts(order_id) == [] and await queue_offset_sell(order_id) is None


async def test_an_invoice_payment_recorded_later_makes_the_order_invoice_paid():
    order = await order_to_pay(("KEN-250", 2), price=PRICE, delivery=DELIVERY, paid=0, method="prepaid_online")
    await record_payment(order["id"], TOTAL, "invoice", actor="manager")
    assert await paid_by_invoice(await Order.select().where(Order.id == order["id"]).first())
    for to in ("confirmed", "picking", "packed", "out_for_delivery", "delivered"):
        await change_status(order["id"], to, actor="manager")
    assert await sell_receipts(order["id"]) == []


async def test_a_mix_of_invoice_and_online_prepayment_gets_none():
    order = await order_to_pay(("KEN-250", 2), price=PRICE, delivery=DELIVERY, paid=PRICE, method="prepaid_online")
    await record_payment(order["id"], TOTAL - PRICE, "invoice", actor="manager")
    for to in ("confirmed", "picking", "packed", "out_for_delivery", "delivered"):
        await change_status(order["id"], to, actor="manager")
    assert await sell_receipts(order["id"]) == []


async def test_an_invoice_order_paid_online_instead_gets_its_offset_receipt():
    order = await order_to_pay(("KEN-250", 2), price=PRICE, delivery=DELIVERY, paid=0, method="invoice")
    await record_payment(order["id"], TOTAL, "prepaid_online", actor="manager")
    assert not await paid_by_invoice(await Order.select().where(Order.id == order["id"]).first())
    for to in ("confirmed", "picking", "packed", "out_for_delivery", "delivered"):
        await change_status(order["id"], to, actor="manager")
    (receipt,) = await sell_receipts(order["id"])
    assert receipt["total"] == TOTAL and fiscal.is_offset(receipt["request"])


@pytest.fixture
def site_makes_online_receipts(monkeypatch):
    monkeypatch.setenv("KLADOVKA_ONLINE_RECEIPTS", "site")
    fiscal_settings.cache_clear()
    yield
    monkeypatch.delenv("KLADOVKA_ONLINE_RECEIPTS")
    fiscal_settings.cache_clear()


async def test_when_the_site_makes_the_online_receipts_an_online_prepayment_gets_no_offset_receipt_of_ours(
        site_makes_online_receipts):
    online = await _on_the_way()
    await change_status(online, "delivered", actor="manager")
    assert await sell_receipts(online) == [] and await queue_offset_sell(online) is None
    # money taken otherwise (an SBP payment the manager recorded) still gets our offset receipt
    order = await order_to_pay(("KEN-250", 2), price=PRICE, delivery=DELIVERY, paid=0, method="cash_on_delivery")
    await record_payment(order["id"], TOTAL, "sbp", actor="manager")
    for to in ("confirmed", "picking", "packed", "out_for_delivery", "delivered"):
        await change_status(order["id"], to, actor="manager")
    (receipt,) = await sell_receipts(order["id"])
    assert receipt["total"] == TOTAL and fiscal.is_offset(receipt["request"])


@pytest.mark.parametrize(("raw", "expected"), [(None, "kladovka"), ("Site ", "site"), ("kladovka", "kladovka")])
def test_the_online_receipts_setting_reads_its_values(monkeypatch, raw, expected):
    if raw is None:
        monkeypatch.delenv("KLADOVKA_ONLINE_RECEIPTS", raising=False)
    else:
        monkeypatch.setenv("KLADOVKA_ONLINE_RECEIPTS", raw)
    fiscal_settings.cache_clear()
    try:
        assert fiscal_settings().online_receipts == expected
    finally:
        fiscal_settings.cache_clear()


def test_an_unknown_online_receipts_value_is_refused_with_the_values_allowed(monkeypatch):
    monkeypatch.setenv("KLADOVKA_ONLINE_RECEIPTS", "yookassa")
    fiscal_settings.cache_clear()
    try:
        with pytest.raises(ConfigError, match="KLADOVKA_ONLINE_RECEIPTS must be one of kladovka, site"):
            fiscal_settings()
    finally:
        monkeypatch.delenv("KLADOVKA_ONLINE_RECEIPTS")
        fiscal_settings.cache_clear()
