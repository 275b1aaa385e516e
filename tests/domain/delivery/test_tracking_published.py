"""The tracking page's "published" phase counts the addresses before this one (tracking_state.py,
tracking_eta.stops_ahead): the day planned by the solver and published through publish_routes, every stop
before this one in the planned order (nothing is done yet); an order the manager moves to another courier
(move_order re-plans the day) no longer counts, nor one cancelled meanwhile (the start takes it off)."""

from __future__ import annotations

from delivery_helpers import POINTS, at_local, city, courier, local_today, packed

from server.domain.delivery.courier_day import start_route
from server.domain.delivery.planning import move_order, plan_day, publish_routes, set_stop_locked
from server.domain.delivery.tables import DeliveryRoute, RouteStop
from server.domain.delivery.tracking_state import tracking_for_order
from server.domain.orders.status import change_status
from server.domain.orders.tables import Order

LIMIT = 1


async def _tracking(order_id: int, now):
    order = await Order.select(Order.id, Order.status, Order.delivery_method, Order.window_start,
                               Order.window_end).where(Order.id == order_id).first()
    return await tracking_for_order(order, now)


async def _route_orders(route_id: int) -> list[int]:
    """The route's orders in the planned order (seq)."""
    rows = await RouteStop.select(RouteStop.order).where(RouteStop.route == route_id).order_by(RouteStop.seq)
    return [r["order"] for r in rows]


async def _ahead(orders: list[int], now) -> list[tuple[str, int]]:
    out = []
    for order_id in orders:
        found = await _tracking(order_id, now)
        out.append((found.phase, found.arrival.stops_ahead))
    return out


async def test_a_published_route_counts_every_stop_before_in_the_planned_order_but_a_moved_or_cancelled_one():
    c = await city(local_today())
    await courier(c, "ivan", shift=("00:00", "23:59"))
    orders = [await packed(c, POINTS[i], window=None) for i in range(4)]
    morning, now = at_local(c.day, 8), at_local(c.day, 9)
    await plan_day(c.day, c.warehouse, actor="manager", time_limit_s=LIMIT, now=morning)
    assert await publish_routes(c.day, c.warehouse, actor="manager") == 1
    route = await DeliveryRoute.select().where(DeliveryRoute.day == c.day).first()
    assert route["status"] == "published" and route["started_at"] is None
    planned = await _route_orders(route["id"])
    assert sorted(planned) == sorted(orders)  # one courier: all four on his route
    assert await _ahead(planned, now) == [("published", 0), ("published", 1), ("published", 2), ("published", 3)]

    # Pyotr comes to work; the manager keeps Ivan's stops where they are and moves the second one to Pyotr
    await courier(c, "petr", shift=("00:00", "23:59"))
    for stop in await RouteStop.select(RouteStop.id).where(RouteStop.route == route["id"]):
        await set_stop_locked(stop["id"], True, actor="manager")
    moved = planned[1]
    await move_order(moved, c.couriers["petr"], actor="manager", time_limit_s=LIMIT, now=morning)
    still = await _route_orders(route["id"])
    assert moved not in still and sorted(still) == sorted(o for o in planned if o != moved)
    assert await _ahead(still, now) == [("published", 0), ("published", 1), ("published", 2)]
    assert (await _tracking(moved, now)).phase == "assigning"  # on Pyotr's draft: not published yet

    # the customer of the first stop left cancels: the courier will not go there
    await change_status(still[0], "cancelled", actor="manager")
    assert await _tracking(still[0], now) is None
    assert await _ahead(still[1:], now) == [("published", 0), ("published", 1)]

    started = await start_route(route["id"], actor="ivan")  # the start takes it off: the count stays
    assert len(started["skipped"]) == 1
    assert await _ahead(still[1:], now) == [("started", 0), ("started", 1)]
