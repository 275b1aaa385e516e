"""Payment at the door over HTTP: cash with the change computed by the server, card with the slip, SBP by
its QR code and «Проверить оплату», the receipt's state on the stop page, a payment larger than due, sums
that are not sums, a replayed payment taken once."""

from __future__ import annotations

import re

from harness import csrf_headers, login

from server.domain.payments.acquirer import acquirer
from server.domain.payments.tables import Payment, Receipt
from tests.routes.courier_helpers import PRICE, new_uuid, two_couriers_day
from tests.routes.manager_helpers import HTMX, count_testid, texts

JSON = {"Accept": "application/json"}


async def started(client):
    day = await two_couriers_day()
    await login(client, "courier")
    await client.post(f"/courier/route/{day.routes['courier']}/start", json={},
                      headers={**JSON, **csrf_headers(client)})
    return day


def flash_of(html: str) -> str:
    found = re.search(r'data-testid="flash".*?</div>', html, re.S)
    return texts(found.group(0)).lower() if found else ""


def form(client, **fields):
    return {"_csrf_token": client.cookies.get("csrftoken"), "uuid": new_uuid(), **fields}


async def test_cash_with_change_is_taken_once_and_the_receipt_is_queued(client):
    day = await started(client)
    first = day.stops["courier"][0]
    answer = await client.post(f"/courier/stop/{first.id}/pay", data=form(
        client, method="cash", amount="1000,00", tendered="1 500"), follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"/courier/stop/{first.id}"
    [payment] = await Payment.select()
    assert (payment["method"], payment["amount"], payment["tendered"], payment["change"]) == (
        "cash", 2 * PRICE, 150000, 50000)
    assert payment["courier"] == "courier" and payment["route_id"] == day.routes["courier"]
    assert await Receipt.count() == 1
    page = await client.get(f"/courier/stop/{first.id}")
    visible = texts(page.text)
    assert "Получено наличными: 1 000,00 ₽, сдача 500,00 ₽. Чек отправлен" in visible
    assert count_testid(page.text, "stop-paid") == 1 and count_testid(page.text, "pay-cash") == 0
    assert "Чек отправлен" in re.search(r'data-testid="receipt-status">([^<]*)<', page.text).group(1)


async def test_cash_json_answers_the_servers_change_and_a_replay_takes_nothing_twice(client):
    day = await started(client)
    first = day.stops["courier"][0]
    uid = new_uuid()
    body = {"uuid": uid, "method": "cash", "amount": "1000", "tendered": "2000"}
    one = await client.post(f"/courier/stop/{first.id}/pay", json=body, headers={**JSON, **csrf_headers(client)})
    two = await client.post(f"/courier/stop/{first.id}/pay", json=body, headers={**JSON, **csrf_headers(client)})
    assert one.status_code == two.status_code == 200
    assert one.json()["change"] == 100000 and not one.json()["replayed"]
    assert two.json()["replayed"] and "уже записан" in two.json()["message"]
    assert await Payment.count() == 1


async def test_card_needs_the_slip_and_a_payment_larger_than_due_is_refused_in_russian(client):
    day = await started(client)
    second = day.stops["courier"][1]
    no_slip = await client.post(f"/courier/stop/{second.id}/pay", data=form(client, method="card", amount="1000"))
    assert no_slip.status_code == 422 and count_testid(no_slip.text, "stop-page") == 1
    assert "слип" in flash_of(no_slip.text)
    too_much = await client.post(f"/courier/stop/{second.id}/pay", data=form(
        client, method="card", amount="1500", slip_ref="RRN 123456"))
    assert too_much.status_code == 422 and "больше" in flash_of(too_much.text)
    for bad in ("abc", "-5", "10,555"):
        refused = await client.post(f"/courier/stop/{second.id}/pay", json={
            "uuid": new_uuid(), "method": "cash", "amount": bad}, headers={**JSON, **csrf_headers(client)})
        assert refused.status_code == 422 and "рубл" in refused.json()["detail"], bad
    short = await client.post(f"/courier/stop/{second.id}/pay", json={
        "uuid": new_uuid(), "method": "cash", "amount": "1000", "tendered": "900"},
        headers={**JSON, **csrf_headers(client)})
    assert short.status_code == 422
    assert await Payment.count() == 0
    card = await client.post(f"/courier/stop/{second.id}/pay", data=form(
        client, method="card", amount="1000", slip_ref="RRN 123456"), follow_redirects=False)
    assert card.status_code == 303
    [payment] = await Payment.select()
    assert (payment["method"], payment["slip_ref"], payment["amount"]) == ("card", "RRN 123456", 2 * PRICE)


async def test_sbp_shows_the_qr_code_and_checking_tells_waiting_then_paid(client):
    day = await started(client)
    first = day.stops["courier"][0]
    shown = await client.post(f"/courier/stop/{first.id}/sbp", data=form(client), headers=HTMX)
    assert shown.status_code == 200 and "<html" not in shown.text
    assert count_testid(shown.text, "sbp-qr") == 1 and "<svg" in shown.text
    check_url = re.search(r'hx-post="(/courier/stop/\d+/sbp/\d+/check)"', shown.text).group(1)
    [pending] = await Payment.select()
    assert pending["status"] == "pending" and pending["method"] == "sbp"
    waiting = await client.post(check_url, data=form(client), headers=HTMX)
    assert waiting.status_code == 200 and count_testid(waiting.text, "sbp-waiting") == 1
    acquirer().mark_paid(pending["acquirer_ref"])
    paid = await client.post(check_url, data=form(client), headers=HTMX)
    assert paid.status_code == 200 and count_testid(paid.text, "sbp-paid") == 1
    assert paid.headers.get("hx-refresh") == "true"
    page = await client.get(f"/courier/stop/{first.id}")
    assert count_testid(page.text, "stop-paid") == 1 and await Receipt.count() == 1


async def test_sbp_for_another_couriers_stop_or_a_foreign_payment_is_refused(client):
    day = await started(client)
    theirs = day.stops["courier2"][0]
    answer = await client.post(f"/courier/stop/{theirs.id}/sbp", data=form(client), headers=HTMX)
    assert answer.status_code == 404 and await Payment.count() == 0
    mine = day.stops["courier"][0]
    other = day.stops["courier"][1]
    await client.post(f"/courier/stop/{mine.id}/sbp", data=form(client), headers=HTMX)
    [pending] = await Payment.select()
    crossed = await client.post(f"/courier/stop/{other.id}/sbp/{pending['id']}/check", data=form(client),
                                headers=HTMX)
    assert crossed.status_code == 422 and "не относится" in crossed.text
