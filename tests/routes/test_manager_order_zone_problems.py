"""Manager PWA: an order that does not fit its zone (a day it does not deliver on, a window outside its
slots, below its minimum) is taken, marked on the board and explained on the card in Russian; the
manager changes the day and window on the card (CSRF, a refused window keeps what was typed, the
flags follow); cashiers see but cannot change."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from server.domain.orders.dto import CustomerInput, DeliveryInput, IntakeLine, OrderIntake
from server.domain.orders.intake import intake_order
from server.domain.orders.tables import Order
from server.domain.zones.fields import ZoneInput
from server.domain.zones.zones import create_zone
from tests.domain.stock_helpers import make_variants, make_warehouse, receive
from tests.domain.zones.zone_helpers import CENTRE, box
from tests.routes.manager_helpers import board_row, count_testid, post_fields, sign_in, texts

MSK = ZoneInfo("Europe/Moscow")


def _msk(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MSK).astimezone(UTC)


async def _sunday_order() -> int:
    """Zone «Центр» (Mon–Sat, 10:00–14:00 and 14:00–18:00, minimum 1 500 ₽); an order of 890 ₽ for Sunday
    22:00–23:00 Moscow time."""
    await create_zone(ZoneInput(name="Центр", geometry=box(*CENTRE), min_order=150000, days=[1, 2, 3, 4, 5, 6],
                                slots=[["10:00", "14:00"], ["14:00", "18:00"]]), actor="test")
    wh = await make_warehouse("MAIN")
    (variant,) = await make_variants("KEN-250")
    await receive(wh, (variant, 10, 10000))
    order = OrderIntake(channel="api", lines=[IntakeLine(sku="KEN-250", qty=1, price=89000)],
                        customer=CustomerInput(name="Анна Петрова", phone="+7 916 123-45-67"),
                        delivery=DeliveryInput(method="courier", address="Москва, ул. Тверская, д. 1", lat=CENTRE[0],
                                               lon=CENTRE[1], window_start=_msk("2030-12-15T22:00"),
                                               window_end=_msk("2030-12-15T23:00")))
    return (await intake_order(order)).order_id


async def test_the_board_marks_and_the_card_explains_why_the_order_does_not_fit(client):
    order_id = await _sunday_order()
    await sign_in(client, "manager")
    board = await client.get("/manager/orders")
    row = board_row(board.text, order_id)
    assert count_testid(row, "order-zone-problem") == 2
    assert "зона не возит в этот день" in texts(row) and "меньше минимума" in texts(row)
    assert "Зона «Центр» не доставляет по воскресеньям" in texts(row)  # spelled out for screen readers
    card = await client.get(f"/manager/orders/{order_id}")
    words = texts(card.text).replace("\u00a0", " ")
    assert "Зона «Центр» не доставляет по воскресеньям" in words
    assert "Сумма заказа 890,00 ₽ меньше минимальной для зоны (1 500,00 ₽)" in words
    assert "Зона доставляет: Пн, Вт, Ср, Чт, Пт, Сб; интервалы 10:00–14:00, 14:00–18:00" in words
    assert 'data-testid="order-window-form"' in card.text and 'value="2030-12-15"' in card.text
    assert 'value="22:00"' in card.text and 'value="23:00"' in card.text


async def test_the_manager_moves_the_window_and_the_card_follows(client):
    order_id = await _sunday_order()
    await sign_in(client, "manager")
    url = f"/manager/orders/{order_id}/window"
    outside = await post_fields(client, url, [("window_date", "2030-12-16"), ("window_from", "22:00"),
                                              ("window_to", "23:00")])
    assert outside.status_code == 303
    card = await client.get(f"/manager/orders/{order_id}")
    words = texts(card.text)
    assert "Окно доставки сохранено, но не подходит зоне" in words
    assert "Окно 22:00–23:00 вне интервалов зоны (10:00–14:00, 14:00–18:00)" in words
    assert "не доставляет по воскресеньям" not in words
    fits = await post_fields(client, url, [("window_date", "2030-12-16"), ("window_from", "10:00"),
                                           ("window_to", "12:00")])
    assert fits.status_code == 303
    card = await client.get(f"/manager/orders/{order_id}")
    assert "Окно доставки сохранено" in texts(card.text) and 'data-testid="order-zone-outside-slots"' not in card.text
    row = await Order.select(Order.window_start, Order.window_end).where(Order.id == order_id).first()
    assert (row["window_start"], row["window_end"]) == (_msk("2030-12-16T10:00"), _msk("2030-12-16T12:00"))


async def test_a_refused_window_says_why_keeps_the_typed_values_and_changes_nothing(client):
    order_id = await _sunday_order()
    await sign_in(client, "manager")
    refused = await post_fields(client, f"/manager/orders/{order_id}/window",
                                [("window_date", "2030-12-16"), ("window_from", "14:00"), ("window_to", "12:00")])
    assert refused.status_code == 422
    assert "Интервал доставки должен заканчиваться позже, чем начинается" in texts(refused.text)
    assert 'value="14:00"' in refused.text and 'value="12:00"' in refused.text
    row = await Order.select(Order.window_start).where(Order.id == order_id).first()
    assert row["window_start"] == _msk("2030-12-15T22:00")


async def test_the_window_form_needs_csrf_and_a_manager(client):
    order_id = await _sunday_order()
    await sign_in(client, "cashier")
    card = await client.get(f"/manager/orders/{order_id}")
    assert "Зона «Центр» не доставляет по воскресеньям" in texts(card.text)
    assert 'data-testid="order-window-form"' not in card.text
    fields = [("window_date", "2030-12-16"), ("window_from", "10:00"), ("window_to", "12:00")]
    assert (await post_fields(client, f"/manager/orders/{order_id}/window", fields)).status_code == 403
    await sign_in(client, "manager")
    no_token = await client.post(f"/manager/orders/{order_id}/window", data=dict(fields), follow_redirects=False)
    assert no_token.status_code == 403
    row = await Order.select(Order.window_start).where(Order.id == order_id).first()
    assert row["window_start"] == _msk("2030-12-15T22:00")
