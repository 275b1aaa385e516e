"""/api/v1/orders: take an order (idempotent), read it, list, change its status; bad input refused."""

from __future__ import annotations

from api_helpers import assert_russian_problem, bearer, ean13, make_goods, warehouse

from server.domain.orders.tables import Order, OrderLine
from server.domain.outbox.tables import OutboxEvent
from server.domain.stock.documents import create_document
from server.domain.stock.dto import DocumentInput, LineInput
from server.domain.stock.tables import Reservation

ORDERS = "/api/v1/orders"
BOX = ean13("460123400002")  # a box of 6


async def _shop() -> None:
    wh, _bins = await warehouse("MAIN")
    ken = await make_goods("KEN-250", (BOX, 6))
    await make_goods("EFI-250", product="Эфиопия Иргачеффе")
    await create_document(DocumentInput(kind="receipt", warehouse_id=wh, lines=[LineInput(ken, 10, price=40000)]),
                          post=True)


def _body(**extra) -> dict:
    return {"channel": "site", "external_id": "10045",
            "customer": {"name": "Анна Петрова", "email": "anna@example.ru", "phone": "8 (916) 123-45-67"},
            "lines": [{"sku": "KEN-250", "qty": 2, "price": "1290.50"}, {"barcode": BOX, "qty": 1, "price": 1000},
                      {"sku": "EFI-250", "qty": 1, "price": "990.00", "discount": "90"}],
            "delivery": {"method": "courier", "address": "Москва, Тверская, 1", "cost": "300",
                         "window_start": "2026-12-01T10:00:00+03:00", "window_end": "2026-12-01T13:00:00+03:00"},
            "payment": {"method": "cash_on_delivery"}, "comment": "Позвонить за час", **extra}


async def _rows() -> tuple[int, int, int, int]:
    return (await Order.count(), await OrderLine.count(), await OutboxEvent.count(), await Reservation.count())


async def test_an_order_is_taken_read_listed_and_moved_along(client):
    headers = await bearer("manager", name="shop-site")
    await _shop()
    response = await client.post(ORDERS, json=_body(), headers={**headers, "Idempotency-Key": "c0ffee-1"})
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["number"], created["status"], created["total"]) == ("З-000001", "new", "9781.00")
    assert [(x["sku"], x["qty"], x["reserved"], x["shortage"]) for x in created["lines"]] == [
        ("KEN-250", 2, 2, 0), ("KEN-250", 6, 6, 0), ("EFI-250", 1, 0, 1)]

    card = (await client.get(f"{ORDERS}/{created['id']}", headers=headers)).json()
    assert card["customer"]["phone"] == "+79161234567" and card["contact"]["name"] == "Анна Петрова"
    assert card["lines"][0]["price"] == "1290.50" and card["lines"][2]["amount"] == "900.00"
    assert card["totals"] == {"goods": "9571.00", "discount": "90.00", "delivery": "300.00", "total": "9781.00"}
    assert card["delivery"]["window_start"].startswith("2026-12-01T07:00:00")
    assert card["history"][0]["from"] is None and card["history"][0]["to"] == "new"
    assert card["allowed_transitions"] == ["confirmed", "cancelled"]

    listed = (await client.get(ORDERS, params={"q": "+7 916 123 45 67", "channel": "site"}, headers=headers)).json()
    assert [x["number"] for x in listed["items"]] == ["З-000001"] and listed["next_offset"] is None

    moved = await client.post(f"{ORDERS}/{created['id']}/status", json={"status": "confirmed"}, headers=headers)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["status"], moved.json()["status_label"]) == ("confirmed", "Подтверждён")
    refused = await client.post(f"{ORDERS}/{created['id']}/status", json={"status": "delivered"}, headers=headers)
    assert "Подтверждён" in assert_russian_problem(refused, 409)["detail"]
    paid = await client.post(f"{ORDERS}/{created['id']}/payments", json={"amount": "100.50"}, headers=headers)
    assert paid.json()["payment"]["paid"] == "100.50"
    assert_russian_problem(await client.get(f"{ORDERS}/999", headers=headers), 404)


async def test_a_retry_answers_the_first_order_and_another_body_with_the_same_key_is_409(client):
    headers = await bearer("manager")
    await _shop()
    keyed = {**headers, "Idempotency-Key": "order-10045"}
    first = await client.post(ORDERS, json=_body(), headers=keyed)
    assert first.status_code == 201, first.text
    rows = await _rows()
    again = await client.post(ORDERS, json=_body(), headers=keyed)
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    by_external_id = await client.post(ORDERS, json=_body(), headers=headers)
    assert by_external_id.status_code == 200 and by_external_id.json()["id"] == first.json()["id"]
    assert await _rows() == rows
    changed = _body(comment="Другой комментарий")
    problem = assert_russian_problem(await client.post(ORDERS, json=changed, headers=keyed), 409)
    assert "З-000001" in problem["detail"] and problem["errors"][0]["field"] == "idempotency_key"
    assert_russian_problem(await client.post(ORDERS, json=changed, headers=headers), 409)
    assert await _rows() == rows


async def test_bad_orders_are_refused_with_every_problem_and_nothing_is_written(client):
    headers = await bearer("manager")
    await _shop()
    rows = await _rows()

    async def refused(body, status: int, fields: set | None = None) -> dict:
        if isinstance(body, bytes):
            response = await client.post(ORDERS, content=body, headers={**headers, "content-type": "application/json"})
        else:
            response = await client.post(ORDERS, json=body, headers=headers)
        return assert_russian_problem(response, status, fields=fields)

    lines = [{"sku": "NOPE-1", "qty": 1, "price": "1.00"}, {"sku": "KEN-250", "qty": 0, "price": "1.00"},
             {"sku": "KEN-250", "qty": -1, "price": "1.00"}, {"barcode": "4600000000000", "qty": 1, "price": "1"},
             {"sku": "KEN-250", "qty": 1, "price": "-1.00"}]
    problem = await refused({"lines": lines, "customer": {"phone": "12"}}, 422,
                            {"lines[0]", "lines[1]", "lines[2]", "lines[3]", "lines[4]", "customer.phone"})
    assert "NOPE-1" in problem["errors"][1]["detail"] and "больше нуля" in problem["errors"][2]["detail"]
    money = await refused({"lines": [{"sku": "KEN-250", "qty": 1, "price": "1.234"}]}, 400, {"lines[0].price"})
    assert "рубл" in money["errors"][0]["detail"]
    await refused({"lines": [{"sku": "KEN-250", "qty": 1.5, "price": "1"}]}, 400, {"lines[0].qty"})
    await refused({"lines": [{"sku": "KEN-250", "barcode": BOX, "qty": 1, "price": "1"}]}, 422, {"lines[0]"})
    await refused({"lines": []}, 400)
    await refused(b'{"lines": [{"sku": "KEN-250", "qty": 1, "price": "1"}', 400)
    await refused(b"\xff\xfe not json", 400)
    assert_russian_problem(await client.post(ORDERS, json=_body(), headers={**headers, "Idempotency-Key": "a b"}),
                           400)
    assert await _rows() == rows
