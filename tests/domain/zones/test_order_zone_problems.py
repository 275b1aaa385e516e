"""An order against its zone's days, slots and minimum: flagged on intake (the order is taken all the
same), checked again when the manager changes the window or the pin, when the goods change and when
the zones change; windows are UTC, slots the shop's local time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from order_helpers import intake, shop
from zone_helpers import CENTRE, box, make_zone

from server.domain.audit.log import history
from server.domain.orders.dto import DeliveryInput
from server.domain.orders.intake import intake_order
from server.domain.orders.line_changes import reduce_line
from server.domain.orders.queries import list_orders
from server.domain.orders.status import order_lines
from server.domain.orders.tables import Order
from server.domain.stock.tables import Warehouse
from server.domain.zones import assign
from server.domain.zones.assign import order_zone, place_order_pin, zones_of_orders
from server.domain.zones.fields import ZoneInput
from server.domain.zones.window import change_order_window
from server.domain.zones.zones import update_zone
from server.errors import Conflict, ValidationFailed

MSK = ZoneInfo("Europe/Moscow")
SUNDAY = date(2030, 12, 15)
MONDAY = date(2030, 12, 16)
SLOTS = [["10:00", "14:00"], ["14:00", "18:00"]]
WEEKDAYS = [1, 2, 3, 4, 5, 6]


def at(day: date, hhmm: str, tz: ZoneInfo = MSK) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime.combine(day, time(h, m), tz).astimezone(UTC)


async def _order(start: datetime | None, end: datetime | None, qty: int = 2, lat: float | None = CENTRE[0]) -> int:
    if not await Warehouse.exists():
        await shop(("KEN-250", 10))
    order = intake(("KEN-250", qty))  # 890 ₽ each
    order.delivery = DeliveryInput(method="courier", address="Москва, ул. Тверская, д. 1", lat=lat, lon=CENTRE[1],
                                   window_start=start, window_end=end)
    return (await intake_order(order)).order_id


async def _problems(order_id: int) -> list[dict]:
    row = await Order.select(Order.zone_problems).where(Order.id == order_id).output(load_json=True).first()
    return row["zone_problems"]


def _kinds(problems: list[dict]) -> list[str]:
    return [p["kind"] for p in problems]


async def test_a_fitting_order_has_no_problems():
    await make_zone("Центр", days=WEEKDAYS, slots=SLOTS, min_order=150000)
    order_id = await _order(at(MONDAY, "10:00"), at(MONDAY, "14:00"))
    assert await _problems(order_id) == []
    assert (await order_zone(order_id))["problems"] == []


async def test_a_sunday_order_below_the_minimum_is_taken_and_flagged_with_both_reasons():
    await make_zone("Центр", days=WEEKDAYS, slots=SLOTS, min_order=150000)
    order_id = await _order(at(SUNDAY, "10:00"), at(SUNDAY, "12:00"), qty=1)
    row = await Order.select(Order.status, Order.zone_status).where(Order.id == order_id).first()
    assert (row["status"], row["zone_status"]) == ("new", "in_zone")  # taken, not refused
    problems = await _problems(order_id)
    assert problems == [
        {"kind": "closed_day", "msgid": "Zone «%(zone)s» does not deliver on Sundays", "params": {"zone": "Центр"}},
        {"kind": "below_minimum", "msgid": "The order total %(total)s is below the zone's minimum (%(minimum)s)",
         "params": {"total": "890\u00a0₽", "minimum": "1\u00a0500\u00a0₽"}}]
    card = await order_zone(order_id)
    assert card["problems"] == problems and card["below_minimum"] is True
    rows, _ = await list_orders()
    assert _kinds(rows[0]["zone_problems"]) == ["closed_day", "below_minimum"]  # the board's mark
    assert _kinds((await zones_of_orders([order_id]))[order_id]["problems"]) == ["closed_day", "below_minimum"]


async def test_a_window_outside_the_slots_names_the_window_and_the_slots_in_local_time():
    await make_zone("Центр", days=WEEKDAYS, slots=SLOTS)
    order_id = await _order(at(MONDAY, "22:00"), at(MONDAY, "23:00"))
    assert await _problems(order_id) == [{"kind": "outside_slots",
                                          "msgid": "The window %(window)s is outside the zone's slots (%(slots)s)",
                                          "params": {"window": "22:00–23:00", "slots": "10:00–14:00, 14:00–18:00"}}]


async def test_the_shops_time_zone_decides(monkeypatch):
    """The same UTC window, 07:00–08:00: 10:00–11:00 in Moscow fits; 02:00–03:00 in New York does not."""
    await make_zone("Центр", days=[1, 2, 3, 4, 5, 6, 7], slots=SLOTS)
    start = datetime(2030, 12, 16, 7, 0, tzinfo=UTC)
    moscow = await _order(start, start + timedelta(hours=1))
    assert await _problems(moscow) == []
    monkeypatch.setattr(assign, "shop_zone", lambda: ZoneInfo("America/New_York"))
    other = await _order(start, start + timedelta(hours=1))
    assert (await _problems(other))[0]["params"]["window"] == "02:00–03:00"


async def test_outside_every_zone_or_without_a_point_has_no_zone_problems():
    await make_zone("Юг", box(55.5, 37.6), days=WEEKDAYS, slots=SLOTS, min_order=10**7)
    outside = await _order(at(SUNDAY, "22:00"), at(SUNDAY, "23:00"))
    no_point = await _order(at(SUNDAY, "22:00"), at(SUNDAY, "23:00"), lat=None)
    assert await _problems(outside) == [] and await _problems(no_point) == []


async def test_the_manager_changes_the_window_and_the_flags_follow():
    await make_zone("Центр", days=WEEKDAYS, slots=SLOTS)
    order_id = await _order(at(MONDAY, "10:00"), at(MONDAY, "12:00"))
    problems = await change_order_window(order_id, SUNDAY.isoformat(), "10:00", "12:00", actor="manager")
    assert _kinds(problems) == ["closed_day"] and _kinds(await _problems(order_id)) == ["closed_day"]
    row = await Order.select(Order.window_start, Order.window_end).where(Order.id == order_id).first()
    assert (row["window_start"], row["window_end"]) == (at(SUNDAY, "10:00"), at(SUNDAY, "12:00"))
    assert (await order_zone(order_id))["window"] == {"date": SUNDAY.isoformat(), "from": "10:00", "to": "12:00"}
    assert await change_order_window(order_id, MONDAY.isoformat(), "9:00", "10:30", actor="manager") != []
    assert await change_order_window(order_id, MONDAY.isoformat(), "", "", actor="manager") == []  # the whole day
    assert (await order_zone(order_id))["window"] == {"date": MONDAY.isoformat(), "from": "", "to": ""}
    assert await change_order_window(order_id, "", "", "", actor="manager") == []  # no window at all
    actions = [h for h in await history("order", order_id) if h["action"] == "order.window"]
    assert len(actions) == 4


@pytest.mark.parametrize(("day", "first", "last", "field"), [
    ("16.12.2030", "10:00", "12:00", "window_date"), ("2030-12-16", "10", "12:00", "window_from"),
    ("2030-12-16", "12:00", "10:00", "window_to"), ("", "10:00", "12:00", "window_date")])
async def test_a_bad_window_is_refused_and_nothing_changes(day, first, last, field):
    await make_zone("Центр", days=WEEKDAYS, slots=SLOTS)
    order_id = await _order(at(MONDAY, "10:00"), at(MONDAY, "12:00"))
    with pytest.raises(ValidationFailed) as caught:
        await change_order_window(order_id, day, first, last, actor="manager")
    assert caught.value.field == field
    row = await Order.select(Order.window_start).where(Order.id == order_id).first()
    assert row["window_start"] == at(MONDAY, "10:00")


async def test_a_finished_order_keeps_its_window():
    order_id = await _order(at(MONDAY, "10:00"), at(MONDAY, "12:00"))
    await Order.update({Order.status: "delivered"}).where(Order.id == order_id)
    with pytest.raises(Conflict):
        await change_order_window(order_id, MONDAY.isoformat(), "14:00", "16:00", actor="manager")


async def test_the_pin_and_the_zones_changing_check_the_order_again():
    zone = await make_zone("Центр", days=WEEKDAYS, slots=SLOTS)
    order_id = await _order(at(SUNDAY, "10:00"), at(SUNDAY, "12:00"), lat=None)
    assert await _problems(order_id) == []  # no point, no zone
    placed = await place_order_pin(order_id, CENTRE[0], CENTRE[1], actor="manager")
    assert _kinds(placed["problems"]) == ["closed_day"] and _kinds(await _problems(order_id)) == ["closed_day"]
    await update_zone(zone, ZoneInput(name="Центр", geometry=box(*CENTRE), days=[7], slots=[["09:00", "11:00"]]),
                      actor="test")
    assert _kinds(await _problems(order_id)) == ["outside_slots"]
    await update_zone(zone, ZoneInput(name="Центр", geometry=box(*CENTRE), days=[7], slots=SLOTS, min_order=10**6),
                      actor="test")
    assert _kinds(await _problems(order_id)) == ["below_minimum"]
    await place_order_pin(order_id, 10, 10, actor="manager")
    assert await _problems(order_id) == []


async def test_fewer_goods_can_fall_below_the_minimum():
    await make_zone("Центр", days=[1, 2, 3, 4, 5, 6, 7], min_order=150000)
    order_id = await _order(None, None, qty=2)  # 1 780 ₽
    assert await _problems(order_id) == []
    line = (await order_lines(order_id))[0]
    await reduce_line(order_id, line["id"], 1, actor="manager")
    assert _kinds(await _problems(order_id)) == ["below_minimum"]
