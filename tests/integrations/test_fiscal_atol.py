"""The ATOL Online v5 client and the receipt worker against the loopback provider (tests/support/atol_server.py):
wait → done by polling, the callback, a refused document surfaced and retried under a new key, 5xx and
timeouts retried without losing or doubling anything, a token expiring in the middle of a batch."""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "domain"))

from payment_helpers import new_uuid, order_to_pay  # noqa: E402

from server.domain.outbox.tables import OutboxEvent  # noqa: E402
from server.domain.outbox.worker import Worker  # noqa: E402
from server.domain.payments.payments import take_payment  # noqa: E402
from server.domain.payments.receipts import TOPIC, list_receipts, refund_order_payments, retry_receipt  # noqa: E402
from server.domain.payments.tables import Receipt  # noqa: E402
from server.errors import Conflict  # noqa: E402
from server.integrations import fiscal_worker  # noqa: E402
from server.integrations.fiscal_atol import AtolClient, AtolConfig  # noqa: E402
from server.integrations.fiscal_worker import process_receipt  # noqa: E402
from tests.support.atol_server import AtolServer, validate  # noqa: E402


@pytest.fixture
def atol():
    server = AtolServer().start()
    # The client gives up after 1.5 s and the "timeout" knob answers after 3 s. A 0.3 s limit failed once under
    # the full suite: a loaded machine let a loopback connect run past it (ConnectTimeout on a healthy server).
    server.slow_s = 3.0
    client = AtolClient(AtolConfig(server.url, "demo-login", "demo-password", "group_code_0001", timeout=1.5))
    fiscal_worker.set_client(client)
    try:
        yield server
    finally:
        fiscal_worker.set_client(None)
        server.stop()


async def _paid_order(**kw) -> tuple[dict, dict]:
    order = await order_to_pay(("KEN-250", 2), **kw)
    payment = await take_payment(order["id"], "cash", order["total"], actor="courier1", client_uuid=new_uuid(),
                                 tendered=order["total"] + 20000, courier="courier1")
    return order, payment


async def _receipt(receipt_id: int) -> dict:
    return await Receipt.select().where(Receipt.id == receipt_id).first().output(load_json=True)


async def _pending_events() -> list[dict]:
    return await OutboxEvent.select().where((OutboxEvent.topic == TOPIC) & (OutboxEvent.status == "pending")
                                            ).output(load_json=True)


async def _run_due(worker: Worker) -> None:
    """Makes the waiting receipt events due now and runs one batch (no waiting in tests)."""
    await OutboxEvent.update({OutboxEvent.available_at: datetime.now(UTC)}).where(
        (OutboxEvent.topic == TOPIC) & (OutboxEvent.status == "pending"))
    await worker.run_once(50)


async def test_a_receipt_goes_wait_then_done_through_the_outbox_and_is_valid_by_the_spec(atol):
    fiscal_worker.register_handlers()
    order, payment = await _paid_order()
    worker = Worker()
    await worker.run_once(50)  # send
    row = await _receipt(payment["receipt_id"])
    assert row["status"] == "wait" and row["provider_uuid"] in atol.documents
    assert len(await _pending_events()) == 1  # exactly one next look scheduled
    for _ in range(3):
        await _run_due(worker)
    row = await _receipt(payment["receipt_id"])
    assert row["status"] == "done", row
    assert row["fiscal_document_number"] and row["fn_number"] == "9999078900000001"
    assert row["report"]["status"] == "done"
    assert await _pending_events() == []  # done: nothing keeps polling
    (body,) = atol.sells()
    assert validate(body) == []
    assert body["external_id"] == row["external_id"]
    assert body["receipt"]["total"] == order["total"] / 100
    assert [p["type"] for p in body["receipt"]["payments"]] == [0]
    assert atol.token_count == 1  # the token was reused


async def test_the_callback_is_matched_by_uuid_and_external_id_and_makes_a_poll(atol, client):
    order, payment = await _paid_order()
    assert await process_receipt(payment["receipt_id"]) == "wait"
    row = await _receipt(payment["receipt_id"])
    atol.waits = 0
    report = atol.report_json(row["provider_uuid"])
    wrong = await client.post("/fiscal/atol/callback", json={**report, "external_id": "someone-else"})
    assert wrong.status_code == 404
    assert (await client.post("/fiscal/atol/callback", content=b"not json")).status_code == 400
    forged = {**report, "status": "done", "payload": {"fiscal_document_number": 666}}
    answer = await client.post("/fiscal/atol/callback", json=forged)
    assert answer.status_code == 200 and answer.json() == {"accepted": True}
    assert (await _receipt(row["id"]))["status"] == "wait"  # the POST's content is not taken on trust
    again = await client.post("/fiscal/atol/callback", json=forged)
    assert again.status_code == 200
    polls = [e for e in await _pending_events() if e["payload"].get("poll_at")]
    assert polls, "the callback scheduled a poll"
    fiscal_worker.register_handlers()
    await _run_due(Worker())
    row = await _receipt(row["id"])
    assert row["status"] == "done" and row["fiscal_document_number"] != "666"


async def test_a_refused_receipt_is_surfaced_and_sent_again_under_a_new_external_id(atol):
    atol.outcome = "fail"
    order, payment = await _paid_order()
    await process_receipt(payment["receipt_id"])
    assert await process_receipt(payment["receipt_id"]) == "wait"
    assert await process_receipt(payment["receipt_id"]) == "fail"
    row = await _receipt(payment["receipt_id"])
    assert "32" in row["last_error"]
    assert [r["id"] for r in await list_receipts(status="problem")] == [row["id"]]
    atol.outcome = "done"
    again = await retry_receipt(row["id"], actor="manager1")
    assert again["external_id"] == f"{row['external_id']}-r{row['id']}"
    with pytest.raises(Conflict):
        await retry_receipt(row["id"], actor="manager1")  # once is enough: it was replaced
    for _ in range(3):
        await process_receipt(again["id"])
    assert (await _receipt(again["id"]))["status"] == "done"
    assert len(atol.documents) == 2 and {d["external_id"] for d in atol.documents.values()} == {
        row["external_id"], again["external_id"]}
    with pytest.raises(Conflict):
        await retry_receipt(again["id"], actor="manager1")  # fiscalised: never again


async def test_a_document_refused_at_once_is_failed_not_retried_by_itself(atol):
    atol.fail_next("refuse", path="sell")
    order, payment = await _paid_order()
    assert await process_receipt(payment["receipt_id"]) == "fail"
    assert await process_receipt(payment["receipt_id"]) == "fail"
    assert len([r for r in atol.requests if r.path.endswith("/sell")]) == 1


async def test_a_500_keeps_the_receipt_queued_with_the_error_and_the_next_try_sends_it(atol):
    atol.fail_next("500", path="sell")
    order, payment = await _paid_order()
    assert await process_receipt(payment["receipt_id"]) == "queued"
    row = await _receipt(payment["receipt_id"])
    assert row["attempts"] == 1 and "500" in row["last_error"] and row["next_poll_at"] is not None
    events = [e for e in await _pending_events() if e["payload"].get("poll_at")]
    assert len(events) == 1 and events[0]["available_at"] > datetime.now(UTC)  # later, with back-off
    assert await process_receipt(payment["receipt_id"], events[0]["payload"]) == "wait"
    assert len(atol.documents) == 1


async def test_a_timeout_is_retried_and_the_duplicate_external_id_is_not_fiscalised_twice(atol):
    atol.fail_next("timeout", path="sell")  # the provider takes the document but answers too late
    order, payment = await _paid_order()
    assert await process_receipt(payment["receipt_id"]) == "queued"
    assert "timeout" in (await _receipt(payment["receipt_id"]))["last_error"]
    assert await process_receipt(payment["receipt_id"]) == "wait"
    row = await _receipt(payment["receipt_id"])
    assert len(atol.documents) == 1 and row["provider_uuid"] in atol.documents
    sends = [r for r in atol.requests if r.path.endswith("/sell")]
    assert len(sends) == 2 and sends[1].status == 409  # the second answered with the first's uuid


async def test_a_token_expiring_in_the_middle_of_a_batch_costs_one_new_token_and_loses_nothing(atol):
    first = await _paid_order()
    second = await _paid_order()
    assert await process_receipt(first[1]["receipt_id"]) == "wait"
    atol.expire_tokens()
    assert await process_receipt(second[1]["receipt_id"]) == "wait"
    assert atol.token_count == 2 and len(atol.documents) == 2
    assert [r.status for r in atol.requests if r.path.endswith("/sell")] == [200, 401, 200]


async def test_a_stale_scheduled_step_is_dropped(atol):
    order, payment = await _paid_order()
    await process_receipt(payment["receipt_id"])
    polls_before = sum(d["polls"] for d in atol.documents.values())
    assert await process_receipt(payment["receipt_id"], {"poll_at": "2000-01-01T00:00:00+00:00"}) == "wait"
    assert sum(d["polls"] for d in atol.documents.values()) == polls_before


async def test_not_configured_keeps_the_receipt_queued_and_says_why():
    fiscal_worker.set_client(None)
    order, payment = await _paid_order()
    assert await process_receipt(payment["receipt_id"]) == "queued"
    assert "not configured" in (await _receipt(payment["receipt_id"]))["last_error"]


async def test_a_returned_paid_order_gets_a_sell_refund_with_the_same_items(atol):
    order, payment = await _paid_order()
    for _ in range(3):
        await process_receipt(payment["receipt_id"])
    made = await refund_order_payments(order["id"], actor="manager1")
    assert len(made) == 1 and await refund_order_payments(order["id"], actor="manager1") == []
    for _ in range(3):
        await process_receipt(made[0]["id"])
    (sell,), (refund,) = atol.sells(), atol.sells("sell_refund")
    assert refund["receipt"]["items"] == sell["receipt"]["items"]
    assert refund["receipt"]["payments"] == sell["receipt"]["payments"]
    assert (await _receipt(made[0]["id"]))["status"] == "done"


async def test_an_order_returned_after_payment_is_refunded_by_the_status_event_once():
    from server.domain.orders.tables import Order
    from server.domain.outbox.worker import Event

    order, payment = await _paid_order()
    event = Event(id=1, event_id=uuid.uuid4(), topic="order.status_changed",
                  payload={"order_id": order["id"], "to": "returned"}, attempts=1, created_at=datetime.now(UTC))
    await fiscal_worker.handle_order_returned(event)
    await fiscal_worker.handle_order_returned(event)  # the topic's handlers run again: nothing doubles
    refunds = await Receipt.select().where(Receipt.operation == "sell_refund")
    assert len(refunds) == 1 and refunds[0]["external_id"] == f"kladovka-order-{order['id']}-refund-{payment['receipt_id']}"
    assert (await Order.select(Order.paid).where(Order.id == order["id"]).first())["paid"] == 0
    other = Event(id=2, event_id=uuid.uuid4(), topic="order.status_changed",
                  payload={"order_id": order["id"], "to": "delivered"}, attempts=1, created_at=datetime.now(UTC))
    await fiscal_worker.handle_order_returned(other)
    assert await Receipt.count().where(Receipt.operation == "sell_refund") == 1


# ---- the loopback provider refuses what formats.md §4 says the real one refuses ------------------------
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "atol"


def _marked_body() -> dict:
    import json

    return json.loads((FIXTURES / "v5_sell_request_marked.json").read_text(encoding="utf-8"))


def _set(path: str, value):
    """A change to the fixture body: `path` like "receipt.items.0.price"; value DROP removes the key."""
    def change(body: dict) -> dict:
        *parents, last = path.split(".")
        node = body
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if value is _DROP:
            del node[last]
        else:
            node[last] = value
        return body
    return change


_DROP = object()
_NO_GS = "MDEwNDYwMDEyMzQ1Njc4MjIxQWIzK0NkNS1lRjdnSDkxRUUxMDkyMDZnV1NoQUpVU2FFYmVuL1BrQlJrVUUrbzMvcmkwZ3Z4d0lncg=="


@pytest.mark.parametrize(("change", "reason"), [
    (_set("receipt.items.0.price", "4990.00"), "price"),                    # money as a string
    (_set("receipt.items.1.price", 300.001), "price"),                      # more than kopecks
    (_set("receipt.items.1.quantity", "1.0"), "quantity"),                  # quantity as a string
    (_set("receipt.items.1.measure", "шт"), "measure"),                     # v4-style text unit
    (_set("receipt.items.1.measure", 7), "measure"),                        # not a tag 2108 code
    (_set("receipt.items.1.payment_object", "service"), "payment_object"),  # v4-style text
    (_set("receipt.items.1.payment_object", 29), "payment_object"),
    (_set("receipt.items.0.mark_code", {"gs1m": "not base64!"}), "gs1m"),
    (_set("receipt.items.0.mark_code", {"gs1m": _NO_GS}), "GS"),            # GS dropped by a wedge scanner
    (_set("receipt.items.0.mark_code", {"gs1m": "MDQ2MDA1NTUwMDAxMTlBYkMmNXghQUFCOVp4OVk="}), None),  # tobacco pack
    (_set("receipt.items.0.mark_code", {"datamatrix": "MDE="}), "mark_code.datamatrix"),
    (_set("receipt.items.0.mark_processing_mode", _DROP), "mark_processing_mode"),
    (_set("receipt.items.0.payment_object", 31), None),                     # excise with a code: fine
    (_set("receipt.items.0.payment_object", 32), "marking code on payment_object 32"),
    (_set("receipt.items.1.vat", {"type": "none", "sum": 1.0}), "vat.sum"),
    (_set("receipt.payments.0.type", True), "type"),                        # true == 1 in Python, not in JSON
    (_set("receipt.payments.0.sum", "5290"), "sum"),
    (_set("receipt.total", "5290.0"), "total"),
    (_set("receipt.company.payment_address", "г. Москва, ул. Ленина, 1"), "payment_address"),
    (_set("service.callback_url", "shop.example.org/cb"), "callback_url"),
    (_set("receipt.client.email", "buyer.example.org"), "client.email"),
])
def test_the_loopback_provider_refuses_what_the_spec_refuses(change, reason):
    body = change(_marked_body())
    problems = validate(body)
    if reason is None:
        assert problems == []
    else:
        assert problems and any(reason in p for p in problems), problems


def test_the_loopback_provider_takes_a_right_vat_sum_rounded_half_up_and_refuses_a_wrong_one():
    body = _marked_body()
    item = body["receipt"]["items"][1]
    item.update({"price": 199.34, "sum": 199.34, "vat": {"type": "vat22", "sum": 35.95}})  # 199.34 × 22/122 = 35.946
    body["receipt"]["payments"][0]["sum"] = body["receipt"]["total"] = 5189.34
    assert validate(body) == []
    item["vat"]["sum"] = 35.94
    assert any("vat.sum" in p for p in validate(body))
    item["vat"] = {"type": "vat122", "sum": 35.95}  # the calculated rate carries the same tax
    assert validate(body) == []


def test_the_loopback_provider_answers_a_body_with_text_money_400_and_registers_nothing(atol):
    import httpx

    token = httpx.post(atol.url + "getToken", json={"login": "demo-login", "pass": "demo-password"}).json()["token"]
    body = _set("receipt.items.0.price", "4990.00")(_marked_body())
    answer = httpx.post(atol.url + "group_code_0001/sell", json=body, headers={"Token": token})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == 32
    assert atol.documents == {} and atol.rejected


async def test_a_duplicate_answered_without_a_uuid_stays_queued_and_is_never_failed_or_doubled(atol):
    atol.duplicate_with_uuid = False
    atol.fail_next("timeout", path="sell")  # the provider takes the document but answers too late
    order, payment = await _paid_order()
    assert await process_receipt(payment["receipt_id"]) == "queued"
    assert await process_receipt(payment["receipt_id"]) == "queued"  # code 10, no uuid: not a refusal
    row = await _receipt(payment["receipt_id"])
    assert row["status"] == "queued" and "duplicate external_id" in row["last_error"]
    assert len(atol.documents) == 1
    again = await retry_receipt(row["id"], actor="manager1")  # not failed: tried again under the same key
    assert again["id"] == row["id"] and again["external_id"] == row["external_id"]
    atol.duplicate_with_uuid = True
    assert await process_receipt(payment["receipt_id"]) == "wait"
    assert (await _receipt(payment["receipt_id"]))["provider_uuid"] in atol.documents
