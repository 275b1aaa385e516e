"""One stop over HTTP: the page (navigation links, call, lines, payment forms, «Оплачен» for a prepaid
order), the statuses by form and by the offline queue's JSON, a replayed queue changing nothing twice,
a double tap, failed and partial deliveries, another courier's stop as a 404, bad input as Russian
messages."""

from __future__ import annotations

import pytest
from harness import csrf_headers, login

from server.domain.delivery.tables import RouteStop, StopAction
from server.domain.orders.tables import Order, OrderLine
from server.domain.payments.tables import Payment
from tests.routes.courier_helpers import PRICE, new_uuid, two_couriers_day
from tests.routes.manager_helpers import HTMX, by_testid, count_testid, texts

JSON = {"Accept": "application/json"}


async def started_day(client):
    day = await two_couriers_day()
    await login(client, "courier")
    await client.post(f"/courier/route/{day.routes['courier']}/start", json={},
                      headers={**JSON, **csrf_headers(client)})
    return day


async def act(client, stop_id: int, action: str, *, uid: str | None = None, **extra):
    return await client.post(f"/courier/stop/{stop_id}/status", json={"uuid": uid or new_uuid(), "action": action,
                                                                     **extra},
                             headers={**JSON, **csrf_headers(client)})


async def pay_cash(client, stop_id: int, amount: str, tendered: str = "", uid: str | None = None):
    return await client.post(f"/courier/stop/{stop_id}/pay", json={
        "uuid": uid or new_uuid(), "method": "cash", "amount": amount, "tendered": tendered},
        headers={**JSON, **csrf_headers(client)})


async def stop_status(stop_id: int) -> str:
    return (await RouteStop.select(RouteStop.status).where(RouteStop.id == stop_id).first())["status"]


async def order_status(order_id: int) -> str:
    return (await Order.select(Order.status).where(Order.id == order_id).first())["status"]


async def test_the_stop_page_has_navigation_call_goods_and_the_ways_to_pay(client):
    day = await two_couriers_day()
    await login(client, "courier")
    first = day.stops["courier"][0]
    page = await client.get(f"/courier/stop/{first.id}")
    assert page.status_code == 200
    assert 'href="geo:55.730000,37.650000?q=55.730000,37.650000(' in page.text
    assert 'href="yandexnavi://build_route_on_map?lat_to=55.730000&amp;lon_to=37.650000"' in page.text
    assert 'href="https://yandex.ru/maps/?rtext=~55.730000,37.650000&amp;rtt=auto"' in page.text
    assert 'href="tel:+79161234567"' in page.text
    assert by_testid(page.text, "order-number") == ["З-000001"] and count_testid(page.text, "line") == 1
    for part in ("pay-cash", "pay-card", "pay-sbp", "mark-delivered", "failed-panel", "partial-panel"):
        assert count_testid(page.text, part) == 1, part
    assert 'data-queue="pay"' in page.text and 'data-queue="status"' in page.text and "data-needs-network" in page.text
    visible = texts(page.text)
    assert "Получить: 1 000,00 ₽" in visible and "Домофон 12" in visible and "Никого нет дома" in visible
    prepaid = await client.get(f"/courier/stop/{day.stops['courier'][2].id}")
    assert count_testid(prepaid.text, "stop-paid") == 1 and "Оплачен" in texts(prepaid.text)
    assert count_testid(prepaid.text, "pay-cash") == 0 and count_testid(prepaid.text, "pay-sbp") == 0


async def test_another_couriers_stop_is_not_found_for_reading_acting_or_paying(client):
    day = await started_day(client)
    theirs = day.stops["courier2"][0]
    assert (await client.get(f"/courier/stop/{theirs.id}")).status_code == 404
    assert (await client.get("/courier/stop/9999")).status_code == 404
    answer = await act(client, theirs.id, "arrived")
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("application/problem+json")
    assert "нет в вашем маршруте" in answer.json()["detail"]
    paid = await pay_cash(client, theirs.id, "1000")
    assert paid.status_code == 404
    form = await client.post(f"/courier/stop/{theirs.id}/status", data={
        "_csrf_token": client.cookies.get("csrftoken"), "uuid": new_uuid(), "action": "delivered"})
    assert form.status_code == 404
    assert await stop_status(theirs.id) == "planned" and await Payment.count() == 0 and await StopAction.count() == 0


async def test_statuses_by_form_go_to_the_stop_then_the_route_and_delivered_needs_the_payment_first(client):
    day = await started_day(client)
    first = day.stops["courier"][0]
    token = client.cookies.get("csrftoken")
    way = await client.post(f"/courier/stop/{first.id}/status", data={
        "_csrf_token": token, "uuid": new_uuid(), "action": "on_the_way"}, follow_redirects=False)
    assert way.status_code == 303 and way.headers["location"] == f"/courier/stop/{first.id}"
    page = await client.get(f"/courier/stop/{first.id}")
    assert "Остановка 1: в пути" in texts(page.text) and by_testid(page.text, "stop-status") == ["Едет"]
    refused = await client.post(f"/courier/stop/{first.id}/status", data={
        "_csrf_token": token, "uuid": new_uuid(), "action": "delivered"})
    assert refused.status_code == 409 and count_testid(refused.text, "stop-page") == 1  # the page again
    assert "оплат" in texts(refused.text).lower() and 'data-testid="flash"' in refused.text
    assert await stop_status(first.id) == "on_the_way"
    paid = await client.post(f"/courier/stop/{first.id}/pay", data={
        "_csrf_token": token, "uuid": new_uuid(), "method": "cash", "amount": "1000,00", "tendered": "1500"},
        follow_redirects=False)
    assert paid.status_code == 303
    delivered = await client.post(f"/courier/stop/{first.id}/status", data={
        "_csrf_token": token, "uuid": new_uuid(), "action": "delivered"}, follow_redirects=False)
    assert delivered.status_code == 303 and delivered.headers["location"] == "/courier/"
    route = await client.get("/courier/")
    assert "Остановка 1: доставлено" in texts(route.text)
    assert by_testid(route.text, "stop-status")[0] == "Доставлен" and await order_status(first.order_id) == "delivered"


async def test_a_replayed_queue_changes_nothing_twice_and_a_double_tap_is_refused(client):
    day = await started_day(client)
    first = day.stops["courier"][0]
    uid_pay, uid_done = new_uuid(), new_uuid()
    for _ in range(2):  # the offline queue sent twice: the same UUIDs
        assert (await pay_cash(client, first.id, "1000", "1000", uid=uid_pay)).status_code == 200
        answer = await act(client, first.id, "delivered", uid=uid_done)
        assert answer.status_code == 200 and answer.json()["status"] == "delivered"
    assert answer.json()["replayed"] is True and "Уже записано" in answer.json()["message"]
    assert await Payment.count() == 1 and await StopAction.count() == 1
    assert (await Order.select(Order.paid).where(Order.id == first.order_id).first())["paid"] == 2 * PRICE
    tap = await act(client, first.id, "delivered")  # a second tap: a new UUID
    assert tap.status_code == 409 and "доставлен" in tap.json()["detail"].lower()
    again = await pay_cash(client, first.id, "1000")
    assert again.status_code == 409 and await Payment.count() == 1


async def test_not_delivered_needs_a_reason_and_returns_the_order(client):
    day = await started_day(client)
    second = day.stops["courier"][1]
    missing = await act(client, second.id, "failed")
    assert missing.status_code == 422 and missing.json()["detail"]
    done = await act(client, second.id, "failed", reason="not_home", comment="Не открыли, телефон выключен")
    assert done.status_code == 200 and "не доставлено" in done.json()["message"]
    assert await stop_status(second.id) == "failed" and await order_status(second.order_id) == "returned"
    page = await client.get(f"/courier/stop/{second.id}")
    assert by_testid(page.text, "stop-status") == ["Не доставлен"] and count_testid(page.text, "mark-delivered") == 0
    assert by_testid(page.text, "fail-reason-shown") == ["Причина: Никого нет дома — Не открыли, телефон выключен"]


async def test_a_partial_delivery_returns_lines_then_the_rest_is_paid_and_delivered(client):
    day = await started_day(client)
    first = day.stops["courier"][0]
    [line] = await OrderLine.select().where(OrderLine.order == first.order_id)
    too_many = await act(client, first.id, "partial", **{f"return-{line['id']}": "5"})
    assert too_many.status_code == 422 and "от 0 до 2" in too_many.json()["detail"]
    nothing = await act(client, first.id, "partial")
    assert nothing.status_code == 422
    part = await act(client, first.id, "partial", **{f"return-{line['id']}": "1"}, comment="Одна пачка не нужна")
    assert part.status_code == 200 and part.json()["status"] == "arrived" and "получите оплату" in part.json()["message"]
    page = await client.get(f"/courier/stop/{first.id}")
    assert "Получить: 500,00 ₽" in texts(page.text)
    assert (await pay_cash(client, first.id, "500")).status_code == 200
    done = await act(client, first.id, "delivered")
    assert done.status_code == 200 and done.json()["status"] == "partial"
    assert await order_status(first.order_id) == "delivered"


@pytest.mark.parametrize("raw", [b"{not json", b"[]", b"", b'{"uuid": "x", "action": "arrived"}',
                                 b'{"uuid": "12345678-aaaa", "action": "teleported"}'])
async def test_malformed_actions_are_problem_json_in_russian_and_change_nothing(client, raw):
    day = await started_day(client)
    first = day.stops["courier"][0]
    answer = await client.post(f"/courier/stop/{first.id}/status", content=raw,
                               headers={**JSON, **csrf_headers(client), "Content-Type": "application/json"})
    assert 400 <= answer.status_code < 500, (raw, answer.status_code, answer.text)
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert any("а" <= ch <= "я" for ch in answer.json()["detail"].lower())
    assert await StopAction.count() == 0 and await stop_status(first.id) == "planned"


async def test_an_action_before_the_route_is_started_is_refused_with_the_reason(client):
    day = await two_couriers_day()
    await login(client, "courier")
    answer = await act(client, day.stops["courier"][0].id, "arrived")
    assert answer.status_code == 409 and "маршрут" in answer.json()["detail"].lower()


async def test_htmx_navigation_gets_the_whole_page(client):
    day = await two_couriers_day()
    await login(client, "courier")
    boosted = await client.get(f"/courier/stop/{day.stops['courier'][0].id}",
                               headers={**HTMX, "HX-Boosted": "true"})
    assert boosted.status_code == 200 and count_testid(boosted.text, "stop-page") == 1


def plain(found: list[str]) -> list[str]:
    """Texts with the non-breaking spaces of money (500,00\u00a0₽) as plain ones."""
    return [" ".join(x.split()) for x in found]


async def test_a_cash_paid_order_partly_handed_back_tells_the_courier_to_give_the_cash_back(client):
    day = await started_day(client)
    first = day.stops["courier"][0]  # cash on delivery: two packs, 1 000,00 ₽
    [line] = await OrderLine.select().where(OrderLine.order == first.order_id)
    assert (await pay_cash(client, first.id, "1000", "1000")).status_code == 200
    before = await client.get(f"/courier/stop/{first.id}")
    assert count_testid(before.text, "refund") == 0 and "Верните покупателю" not in texts(before.text)
    token = client.cookies.get("csrftoken")
    done = await client.post(f"/courier/stop/{first.id}/status", data={
        "_csrf_token": token, "uuid": new_uuid(), "action": "partial", f"return-{line['id']}": "1"},
        follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/courier/stop/{first.id}"  # the stop says it
    page = await client.get(f"/courier/stop/{first.id}")
    assert plain(by_testid(page.text, "refund")) == ["Верните покупателю 500,00 ₽ наличными"]
    flash = texts(page.text).split("Верните покупателю 500,00 ₽ наличными")
    assert len(flash) == 3  # once in the message of the action, once next to the payments
    assert await stop_status(first.id) == "partial" and await order_status(first.order_id) == "delivered"
    again = await client.get(f"/courier/stop/{first.id}")  # the message is gone, the note stays
    assert plain(by_testid(again.text, "refund")) == ["Верните покупателю 500,00 ₽ наличными"]
    assert texts(again.text).count("Верните покупателю") == 1


async def test_the_queued_partial_action_answers_with_the_money_to_give_back_also_when_replayed(client):
    day = await started_day(client)
    first, second = day.stops["courier"][0], day.stops["courier"][1]
    [line] = await OrderLine.select().where(OrderLine.order == first.order_id)
    assert (await pay_cash(client, first.id, "1000", "1000")).status_code == 200
    uid = new_uuid()
    for replayed in (False, True):  # the offline queue sends it, then sends it again after a lost answer
        answer = await act(client, first.id, "partial", uid=uid, **{f"return-{line['id']}": "1"})
        assert answer.status_code == 200 and answer.json()["replayed"] is replayed
        assert plain(answer.json()["refunds"]) == ["Верните покупателю 500,00 ₽ наличными"]
        assert plain([answer.json()["message"]])[0].endswith("Верните покупателю 500,00 ₽ наличными")
    # paid by card at the door: the bank gives it back, the manager arranges it
    [card_line] = await OrderLine.select().where(OrderLine.order == second.order_id)
    slip = await client.post(f"/courier/stop/{second.id}/pay", json={
        "uuid": new_uuid(), "method": "card", "amount": "1000", "slip_ref": "RRN-42"},
        headers={**JSON, **csrf_headers(client)})
    assert slip.status_code == 200
    card = await act(client, second.id, "partial", **{f"return-{card_line['id']}": "1"})
    assert plain(card.json()["refunds"]) == ["Возврат 500,00 ₽ на карту покупателя оформит менеджер"]
    page = await client.get(f"/courier/stop/{second.id}")
    assert plain(by_testid(page.text, "refund")) == ["Возврат 500,00 ₽ на карту покупателя оформит менеджер"]
    assert "Верните покупателю" not in texts(page.text)


async def test_a_partial_delivery_of_an_unpaid_order_has_no_money_to_give_back(client):
    day = await started_day(client)
    first = day.stops["courier"][0]
    [line] = await OrderLine.select().where(OrderLine.order == first.order_id)
    part = await act(client, first.id, "partial", **{f"return-{line['id']}": "1"})
    assert part.status_code == 200 and part.json()["refunds"] == []
    assert count_testid((await client.get(f"/courier/stop/{first.id}")).text, "refund") == 0
