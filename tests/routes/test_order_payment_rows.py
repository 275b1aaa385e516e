"""The order's payments (OrderPayment rows) on the manager's order card — «Оплаты»: when (shop time), how
much, by which method in words, who recorded it, the sum; an empty state — in Russian and English, for the
roles that read the card; and in the REST API's order (`payments: [{amount, method, at}]`, roubles) with the
OpenAPI schema describing it."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from api_helpers import bearer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "domain"))  # payment_helpers' own imports
from payment_helpers import new_uuid, order_to_pay, send_out  # noqa: E402

from server.domain.orders.dto import CustomerInput, IntakeLine, OrderIntake, PaymentInput
from server.domain.orders.intake import intake_order
from server.domain.orders.tables import OrderPayment
from server.domain.payments.payments import take_payment
from server.domain.payments.receipts import refund_order_payments
from tests.domain.stock_helpers import receive
from tests.routes.manager_helpers import by_testid, form, make_shop, sign_in, texts

AT = datetime(2026, 12, 1, 7, 5, tzinfo=UTC)  # 10:05 in Moscow, the shop's time zone in the tests


async def _order(shop, *, paid: int = 0, method: str = "prepaid_online") -> int:
    await receive(shop.warehouses["MAIN"], (shop.variants["KEN-250"], 5, 40000))
    taken = await intake_order(OrderIntake(
        channel="site", lines=[IntakeLine(sku="KEN-250", qty=1, price=89000)],
        customer=CustomerInput(name="Анна Петрова", phone="+7 916 123-45-67", email="anna@example.ru"),
        payment=PaymentInput(method=method, paid=paid)), actor="shop-site")
    await OrderPayment.update({OrderPayment.at: AT}).where(OrderPayment.order == taken.order_id)
    return taken.order_id


async def test_the_card_lists_the_payments_with_their_sum_and_an_empty_order_says_so(client):
    shop = await make_shop()
    order_id = await _order(shop, paid=50000)
    empty_id = await _order(shop, method="cash_on_delivery")
    await sign_in(client, "manager")
    paid = await client.post(f"/manager/orders/{order_id}/payments",
                             data=form(client, amount="390,00", method="invoice"), follow_redirects=True)
    assert paid.status_code == 200
    card = (await client.get(f"/manager/orders/{order_id}")).text
    assert ">Оплаты</h2>" in card
    assert by_testid(card, "payment-row-at")[0] == "01.12.2026 10:05"  # the shop's time, as the history shows
    assert by_testid(card, "payment-row-amount") == ["500,00\u00a0₽", "390,00\u00a0₽"]
    assert by_testid(card, "payment-row-method") == ["Онлайн-оплата заранее", "По счёту"]
    assert by_testid(card, "payment-row-actor") == ["shop-site", "manager"]
    assert by_testid(card, "payment-rows-total") == ["890,00\u00a0₽"]
    assert "Всего оплачено" in texts(card) and 'data-testid="payment-rows-empty"' not in card

    empty = (await client.get(f"/manager/orders/{empty_id}")).text
    assert by_testid(empty, "payment-rows-empty") == ["По заказу ещё нет оплат."]
    assert 'data-testid="payment-row"' not in empty

    english = (await client.get(f"/manager/orders/{order_id}", params={"lang": "en"})).text
    assert ">Payments</h2>" in english and "Total paid" in texts(english) and "Recorded by" in texts(english)
    assert by_testid(english, "payment-row-method") == ["Paid online in advance", "Bank transfer by invoice"]
    assert by_testid(english, "payment-row-amount")[0] == "500.00\u00a0₽"
    assert by_testid((await client.get(f"/manager/orders/{empty_id}")).text, "payment-rows-empty") == [
        "No payments recorded for this order yet."]


async def test_a_cashier_reads_the_payments_a_picker_does_not_see_the_card(client):
    shop = await make_shop()
    order_id = await _order(shop, paid=89000)
    await sign_in(client, "cashier")
    card = await client.get(f"/manager/orders/{order_id}")
    assert card.status_code == 200 and by_testid(card.text, "payment-rows-total") == ["890,00\u00a0₽"]
    await client.post("/logout", data=form(client))
    await sign_in(client, "picker")
    refused = await client.get(f"/manager/orders/{order_id}")
    assert refused.status_code == 403 and 'data-testid="payment-row"' not in refused.text


async def test_the_api_order_carries_its_payments_in_roubles_and_the_schema_says_so(client):
    shop = await make_shop()
    order_id = await _order(shop, paid=50000)
    empty_id = await _order(shop, method="cash_on_delivery")
    headers = await bearer("manager", name="shop-site")
    read = (await client.get(f"/api/v1/orders/{order_id}", headers=headers)).json()
    assert [{**p, "at": p["at"][:19]} for p in read["payments"]] == [
        {"amount": "500.00", "method": "prepaid_online", "at": "2026-12-01T07:05:00"}]
    assert read["payments"][0]["at"][19:] in ("Z", "+00:00")
    added = await client.post(f"/api/v1/orders/{order_id}/payments", json={"amount": "390", "method": "invoice"},
                              headers=headers)
    assert added.status_code == 200, added.text
    assert [(p["amount"], p["method"]) for p in added.json()["payments"]] == [("500.00", "prepaid_online"),
                                                                             ("390.00", "invoice")]
    assert (await client.get(f"/api/v1/orders/{empty_id}", headers=headers)).json()["payments"] == []

    doc = (await client.get("/schema/openapi.json")).json()
    schemas = doc["components"]["schemas"]
    order = next(s for name, s in schemas.items() if name.endswith("OrderOut") and "payments" in s.get("properties", {}))
    listed = order["properties"]["payments"]
    assert listed["type"] == "array" and "payments" in order["required"]
    row = schemas[listed["items"]["$ref"].rsplit("/", 1)[1]]
    assert set(row["properties"]) == {"amount", "method", "at"} and set(row["required"]) == {"amount", "method", "at"}
    assert row["properties"]["amount"]["type"] == "string" and row["properties"]["at"]["format"] == "date-time"


async def test_after_a_refund_the_card_says_what_went_back_and_what_stays_paid(client):
    # the cash taken at the door, then the order refunded (it came back): the payment row stays, Order.paid
    # drops to 0 — the section must not claim the order is still paid in full
    order = await order_to_pay(("KEN-250", 2))          # 2 × 890 ₽ + 300 ₽ delivery
    await send_out(order["id"])
    await take_payment(order["id"], "cash", 208000, actor="courier1", client_uuid=new_uuid())
    await sign_in(client, "manager")
    before = (await client.get(f"/manager/orders/{order['id']}")).text
    assert by_testid(before, "payment-rows-total") == ["2\u202f080,00\u00a0₽"]
    assert 'data-testid="payment-rows-refunded"' not in before
    assert await refund_order_payments(order["id"], actor="manager")
    card = (await client.get(f"/manager/orders/{order['id']}")).text
    assert by_testid(card, "payment-rows-total") == ["2\u202f080,00\u00a0₽"]
    assert by_testid(card, "payment-rows-refunded") == ["2\u202f080,00\u00a0₽"]
    assert by_testid(card, "payment-rows-net") == ["0,00\u00a0₽"]
    assert "Возвращено покупателю" in texts(card) and "Оплачено за вычетом возвратов" in texts(card)
    english = (await client.get(f"/manager/orders/{order['id']}", params={"lang": "en"})).text
    assert "Refunded to the customer" in texts(english) and "Paid, less refunds" in texts(english)
