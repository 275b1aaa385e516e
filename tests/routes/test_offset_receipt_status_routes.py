"""The prepayment-offset receipt over HTTP: a manager setting a prepaid order «Доставлен» on its card, or an
integration doing it through POST /api/v1/orders/{id}/status, queues one Receipt with the offset body in
the same request; a second status change (closed, or delivered again: refused) makes no second; an
invoice-paid order gets none."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "domain"))  # payment_helpers' own imports

from payment_helpers import order_to_pay, sell_receipts, send_out  # noqa: E402

from server.domain.payments import fiscal  # noqa: E402
from tests.routes.api_helpers import bearer  # noqa: E402
from tests.routes.manager_helpers import form, sign_in  # noqa: E402
from tests.support.atol_server import validate  # noqa: E402

TOTAL = 2 * 89000 + 30000


async def _on_the_way(method: str = "prepaid_online") -> int:
    order = await order_to_pay(("KEN-250", 2), paid=TOTAL, method=method)
    return await send_out(order["id"])



async def test_the_manager_card_delivering_a_prepaid_order_queues_one_offset_receipt(client):
    order_id = await _on_the_way()
    await sign_in(client, "manager")
    done = await client.post(f"/manager/orders/{order_id}/status", data=form(client, to="delivered"),
                             follow_redirects=False)
    assert done.status_code == 303, done.text
    (receipt,) = await sell_receipts(order_id)
    assert (receipt["external_id"], receipt["status"], receipt["total"]) == (
        f"kladovka-order-{order_id}-sell-offset", "queued", TOTAL)
    assert fiscal.is_offset(receipt["request"]) and validate(receipt["request"]) == []
    again = await client.post(f"/manager/orders/{order_id}/status", data=form(client, to="delivered"))
    assert again.status_code == 409
    closed = await client.post(f"/manager/orders/{order_id}/status", data=form(client, to="closed"),
                               follow_redirects=False)
    assert closed.status_code == 303
    assert [r["id"] for r in await sell_receipts(order_id)] == [receipt["id"]]


async def test_the_api_delivering_a_prepaid_order_queues_it_and_an_invoice_order_gets_none(client):
    headers = await bearer("manager", name="shop-site")
    order_id = await _on_the_way()
    moved = await client.post(f"/api/v1/orders/{order_id}/status", json={"status": "delivered"}, headers=headers)
    assert moved.status_code == 200, moved.text
    (receipt,) = await sell_receipts(order_id)
    assert receipt["external_id"] == f"kladovka-order-{order_id}-sell-offset" and receipt["total"] == TOTAL
    twice = await client.post(f"/api/v1/orders/{order_id}/status", json={"status": "delivered"}, headers=headers)
    assert twice.status_code == 409 and len(await sell_receipts(order_id)) == 1
    by_invoice = await _on_the_way("invoice")
    moved = await client.post(f"/api/v1/orders/{by_invoice}/status", json={"status": "delivered"}, headers=headers)
    assert moved.status_code == 200 and await sell_receipts(by_invoice) == []
