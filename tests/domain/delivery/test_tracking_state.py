"""Where the delivery is, as the tracking page says it (server/domain/delivery/tracking_state.py): packed and
waiting for a courier, on a route the manager published, on the way once the courier started it, delivered
or not — through the real publish, start and stop actions — and nothing for other methods and states."""

from __future__ import annotations

from datetime import timedelta

from delivery_helpers import POINTS, PRICE, at_local, city, courier, new_uuid, packed, route

from server.domain.delivery.courier_day import mark_stop, start_route
from server.domain.delivery.planning import publish_routes
from server.domain.delivery.tables import DeliveryRoute, RouteStop
from server.domain.delivery.tracking_state import tracking_by_token, tracking_for_order
from server.domain.orders.status import change_status
from server.domain.orders.tables import Order


async def _order(order_id: int) -> dict:
    return await Order.select(Order.id, Order.status, Order.delivery_method, Order.window_start,
                              Order.window_end).where(Order.id == order_id).first()


async def _token(order_id: int) -> str:
    return (await Order.select(Order.tracking_token).where(Order.id == order_id).first())["tracking_token"]


async def _phase(order_id: int, now) -> str | None:
    found = await tracking_for_order(await _order(order_id), now)
    return found.phase if found else None


async def test_packed_then_published_then_started_then_delivered_or_failed():
    c = await city()
    await courier(c, "ivan")
    paid = 2 * PRICE
    ids = [await packed(c, POINTS[i], method="prepaid_online", paid=paid) for i in range(3)]
    now = at_local(c.day, 9)
    found = await tracking_by_token(await _token(ids[1]), now)
    assert found["status"] == "packed" and found["tracking"].phase == "assigning"
    assert found["tracking"].arrival is None

    route_id, stops = await route(c, "ivan", ids, status="draft")  # the manager's plan, not published
    assert [await _phase(i, now) for i in ids] == ["assigning"] * 3

    assert await publish_routes(c.day, c.warehouse, actor="manager") == 1
    published = await tracking_for_order(await _order(ids[0]), now)
    assert published.phase == "published"
    # the stop's ETA 10:30 as the plan left it, inside the order's window 10:00–18:00
    assert published.arrival.window_from == at_local(c.day, 10, 20)
    assert published.arrival.window_to == at_local(c.day, 10, 50)
    assert published.arrival.late_minutes == 0

    await start_route(route_id, actor="ivan")  # the courier leaves: DeliveryRoute.status "started"
    assert (await DeliveryRoute.select(DeliveryRoute.started_at).where(DeliveryRoute.id == route_id).first())[
        "started_at"] is not None
    started = await tracking_for_order(await _order(ids[2]), now)
    assert started.phase == "started" and started.arrival.stops_ahead == 2
    assert started.arrival.window_from is not None

    await mark_stop(stops[0], "delivered", actor="ivan", client_uuid=new_uuid())
    delivered = await tracking_for_order(await _order(ids[0]), now)
    assert delivered.phase == "delivered" and delivered.done_at is not None and delivered.arrival is None
    assert (await tracking_for_order(await _order(ids[2]), now)).arrival.stops_ahead == 1

    await mark_stop(stops[1], "failed", actor="ivan", client_uuid=new_uuid(), reason="not_home")
    failed = await tracking_by_token(await _token(ids[1]), now)
    assert failed["status"] == "returned" and failed["tracking"].phase == "failed"
    assert failed["tracking"].arrival is None


async def test_assigning_only_for_a_packed_courier_order_with_no_route_of_today_or_later_to_come():
    c = await city()
    await courier(c, "ivan")
    now = at_local(c.day, 9)
    confirmed = await packed(c, POINTS[0], status="confirmed")
    assert await _phase(confirmed, now) is None  # not packed yet: the status steps say enough
    pickup = await packed(c, POINTS[1])
    await Order.update({Order.delivery_method: "pickup"}).where(Order.id == pickup)
    assert await _phase(pickup, now) is None
    cancelled = await packed(c, POINTS[2])
    await change_status(cancelled, "cancelled", actor="manager")
    assert await _phase(cancelled, now) is None

    tomorrow = await packed(c, POINTS[3])
    route_id, _ = await route(c, "ivan", [tomorrow])
    await DeliveryRoute.update({DeliveryRoute.day: c.day + timedelta(days=1)}).where(DeliveryRoute.id == route_id)
    assert await _phase(tomorrow, now) is None  # a courier is assigned: the page's delivery date says when
    await DeliveryRoute.update({DeliveryRoute.day: c.day - timedelta(days=1)}).where(DeliveryRoute.id == route_id)
    assert await _phase(tomorrow, now) == "assigning"  # yesterday's route never left with it: re-planned
    await DeliveryRoute.update({DeliveryRoute.day: c.day, DeliveryRoute.status: "finished"}).where(
        DeliveryRoute.id == route_id)
    assert await _phase(tomorrow, now) == "assigning"  # a finished route without it


async def test_a_late_plan_apologises_before_the_start_and_no_eta_still_says_the_courier_sets_out():
    c = await city()
    await courier(c, "ivan")
    late = await packed(c, POINTS[0], window=(9, 10))
    route_id, stops = await route(c, "ivan", [late])  # ETA 10:30 after the window's end 10:00
    found = await tracking_for_order(await _order(late), at_local(c.day, 9))
    assert found.phase == "published" and found.arrival.late_minutes == 30
    await RouteStop.update({RouteStop.eta: None, RouteStop.planned_eta: None}).where(RouteStop.id == stops[0])
    found = await tracking_for_order(await _order(late), at_local(c.day, 9))
    assert found.phase == "published" and found.arrival.window_from is None
