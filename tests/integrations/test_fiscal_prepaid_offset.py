"""A prepaid order handed over through the courier app (POST /courier/stop/{id}/status «delivered», as the
page's offline queue sends it, twice) gets one prepayment-offset `sell` receipt that the outbox sends to
the loopback ATOL provider (tests/support/atol_server.py), which accepts it by formats.md §4 and
fiscalises it; the manager's receipts screen lists it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from harness import csrf_headers, login

from server.domain.marking.tables import UnitCode
from server.domain.orders.tables import OrderLine
from server.domain.outbox.tables import OutboxEvent
from server.domain.outbox.worker import Worker
from server.domain.payments import fiscal
from server.domain.payments.receipts import TOPIC
from server.domain.payments.tables import Receipt
from server.integrations import fiscal_worker
from server.integrations.fiscal_atol import AtolClient, AtolConfig
from tests.routes.courier_helpers import PRICE, new_uuid, two_couriers_day
from tests.routes.manager_helpers import sign_in
from tests.support.atol_server import AtolServer

JSON = {"Accept": "application/json"}
CODE = "0104600000000017215BEANS1\x1d93abcd"


@pytest.fixture
def atol():
    server = AtolServer().start()
    fiscal_worker.set_client(AtolClient(AtolConfig(server.url, "demo-login", "demo-password", "group_code_0001",
                                                   timeout=2)))
    try:
        yield server
    finally:
        fiscal_worker.set_client(None)
        server.stop()


async def _run_outbox() -> None:
    worker = Worker()
    for _ in range(4):  # send, then poll until done (the loopback answers "wait" once)
        await OutboxEvent.update({OutboxEvent.available_at: datetime.now(UTC)}).where(
            (OutboxEvent.topic == TOPIC) & (OutboxEvent.status == "pending"))
        await worker.run_once(50)


async def test_a_prepaid_stop_delivered_in_the_courier_app_sends_one_offset_receipt_to_the_provider(atol, client):
    fiscal_worker.register_handlers()
    day = await two_couriers_day()
    prepaid = day.stops["courier"][2]  # prepaid_online, 2 packs paid on the site
    line = await OrderLine.select().where(OrderLine.order == prepaid.order_id).first()
    await UnitCode.insert(UnitCode(kind="marking", code_key="0104600000000017215BEANS1", full_code=CODE,
                                   variant=line["variant"], order=prepaid.order_id, order_line=line["id"]))
    await login(client, "courier")
    await client.post(f"/courier/route/{day.routes['courier']}/start", json={}, headers={**JSON, **csrf_headers(client)})
    uid = new_uuid()
    for _ in range(2):  # the offline queue replays the same action
        answer = await client.post(f"/courier/stop/{prepaid.id}/status", json={"uuid": uid, "action": "delivered"},
                                   headers={**JSON, **csrf_headers(client)})
        assert answer.status_code == 200, answer.text
    assert answer.json()["replayed"] is True
    await _run_outbox()
    (sent,) = atol.sells()
    assert atol.rejected == [] and atol.sells("sell_refund") == []
    assert sent["external_id"] == f"kladovka-order-{prepaid.order_id}-sell-offset"
    assert sent["receipt"]["payments"] == [{"type": 2, "sum": 2 * PRICE / 100}]
    marked, plain = sent["receipt"]["items"]
    assert (marked["payment_object"], marked["mark_code"], marked["quantity"]) == (33, {"gs1m": fiscal.gs1m(CODE)}, 1.0)
    assert (plain["payment_object"], plain["quantity"], plain["sum"]) == (32, 1.0, PRICE / 100)  # no code captured
    assert {marked["payment_method"], plain["payment_method"]} == {"full_payment"}
    (row,) = await Receipt.select().where(Receipt.order == prepaid.order_id)
    assert row["status"] == "done" and row["fiscal_document_number"]
    client.cookies.clear()
    await sign_in(client, "manager")
    screen = await client.get("/manager/receipts")
    assert screen.status_code == 200 and f'data-external-id="{row["external_id"]}"' in screen.text
