"""An order taken after its slot's cut-off says so through HTTP: the order API gives the "past_cutoff" code
with its words in the request's language, the board marks it, the card explains it."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from api_helpers import bearer

from server.domain.zones.fields import ZoneInput
from server.domain.zones.zones import create_zone
from tests.domain.zones.zone_helpers import CENTRE, box
from tests.routes.manager_helpers import board_row, count_testid, sign_in, texts
from tests.routes.zone_order_helpers import courier_order

MSK = ZoneInfo("Europe/Moscow")


async def _late_and_in_time() -> tuple[int, int, str, str]:
    """A zone with a week's cut-off: an order for a slot three days ahead is past it (intake is now), one
    for a month ahead is not. Returns the two ids, the late one's day and its cut-off's day (dd.mm.yyyy)."""
    await create_zone(ZoneInput(name="Центр", geometry=box(*CENTRE), slots=[["10:00", "14:00"]],
                                cutoff_minutes=10080), actor="test")
    today = datetime.now(UTC).astimezone(MSK).date()
    day, far = today + timedelta(days=3), today + timedelta(days=30)
    late = await courier_order(datetime.combine(day, time(10), MSK), datetime.combine(day, time(12), MSK))
    fine = await courier_order(datetime.combine(far, time(10), MSK), datetime.combine(far, time(12), MSK))
    return late, fine, day.strftime("%d.%m.%Y"), (day - timedelta(days=7)).strftime("%d.%m.%Y")


async def test_the_order_api_says_past_cutoff_in_the_requests_language(client):
    late, fine, day, cutoff = await _late_and_in_time()
    headers = await bearer("manager")
    body = (await client.get(f"/api/v1/orders/{late}", headers=headers)).json()
    assert body["status"] == "new"
    ((problem),) = body["zone"]["problems"]
    assert problem["code"] == "past_cutoff"
    assert problem["message"].startswith(f"Заказ на интервал 10:00–14:00 {day} поступил в ")
    assert problem["message"].endswith(f"— после окончания приёма в {cutoff} 10:00")
    english = (await client.get(f"/api/v1/orders/{late}", headers={**headers, "Accept-Language": "en"})).json()
    assert english["zone"]["problems"][0]["message"].startswith(f"The order for the slot 10:00–14:00 on {day} came in")
    assert (await client.get(f"/api/v1/orders/{fine}", headers=headers)).json()["zone"]["problems"] == []


async def test_the_board_marks_it_and_the_card_explains_it(client):
    late, fine, day, cutoff = await _late_and_in_time()
    await sign_in(client, "manager")
    board = await client.get("/manager/orders")
    row = board_row(board.text, late)
    assert count_testid(row, "order-zone-problem") == 1 and 'data-kind="past_cutoff"' in row
    assert "после срока приёма" in texts(row)
    assert "order-zone-problem" not in board_row(board.text, fine)
    card = await client.get(f"/manager/orders/{late}")
    assert 'data-testid="order-zone-past-cutoff"' in card.text
    assert f"после окончания приёма в {cutoff} 10:00" in texts(card.text)
