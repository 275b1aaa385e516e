"""The planning screen shows what the zones say of the day (a zone closed on that weekday, orders outside
every zone) in Russian, and a stop that will be late for its window by how many minutes."""

from __future__ import annotations

import secrets

from delivery_plan_helpers import delivery_day

from server.domain.delivery.tables import DeliveryRoute, RouteStop
from server.domain.orders.tables import Order
from server.domain.zones.tables import DeliveryZone
from tests.planning_clock import morning_planning  # noqa: F401  (autouse: plans at any hour)
from tests.routes.manager_helpers import HTMX, by_testid, form, sign_in

URL = "/manager/delivery"
FAR_AWAY = {"type": "Polygon", "coordinates": [[[0, 0], [0.01, 0], [0.01, 0.01], [0, 0.01], [0, 0]]]}


async def test_zone_warnings_and_a_late_stop_are_shown_in_russian(client):
    day = await delivery_day(orders=3, couriers=1)
    closed = [d for d in range(1, 8) if d != day.day.isoweekday()]
    zone = await DeliveryZone.insert(DeliveryZone(name="Юг", geometry=FAR_AWAY, days=closed)).returning(DeliveryZone.id)
    await Order.update({Order.delivery_zone_id: zone[0]["id"], Order.zone_status: "in_zone"}).where(
        Order.id == day.orders[0])
    await Order.update({Order.delivery_zone_id: None, Order.zone_status: "outside"}).where(Order.id == day.orders[1])
    centre = await DeliveryZone.insert(DeliveryZone(name="Центр", geometry=FAR_AWAY)).returning(DeliveryZone.id)
    await Order.update({Order.delivery_zone_id: centre[0]["id"], Order.zone_status: "in_zone"}).where(
        Order.id == day.orders[2])
    await sign_in(client, "manager")
    answer = await client.post(f"{URL}/optimise", data=form(client, day=day.day.isoformat(), warehouse=str(day.warehouse),
                                                           time_limit="1"), headers=HTMX, follow_redirects=False)
    assert answer.status_code == 200, answer.text[:500]
    warnings = by_testid(answer.text, "run-warning")
    numbers = {o["id"]: o["number"] for o in await Order.select(Order.id, Order.number)}
    assert len(warnings) == 2
    assert warnings[0].startswith("Зона Юг не доставляет по ") and numbers[day.orders[0]] in warnings[0]
    assert warnings[1] == f"Заказы {numbers[day.orders[1]]} вне всех зон доставки: всё равно запланированы"
    await RouteStop.delete(force=True)
    await DeliveryRoute.delete().where(DeliveryRoute.day == day.day)
    made = await DeliveryRoute.insert(DeliveryRoute(day=day.day, warehouse=day.warehouse,
                                                    courier=day.couriers["courier1"], status="published",
                                                    sheet_token=secrets.token_urlsafe(16))).returning(DeliveryRoute.id)
    await RouteStop.insert(RouteStop(route=made[0]["id"], order=day.orders[2], seq=1, late_by_s=14 * 60 + 10))
    page = await client.get(f"{URL}?day={day.day.isoformat()}&warehouse={day.warehouse}")
    assert by_testid(page.text, "stop-late") == ["опоздание 15 мин"]
