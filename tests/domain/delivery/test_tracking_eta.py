"""What the tracking page says about the courier's arrival (server/domain/delivery/tracking_eta.py): the
window around the latest ETA rounded to 10 minutes of the local clock, the open stops before this one on
the same route, the apology beyond 10 minutes late, and nothing for a draft, finished or other day's
route, a stop done or an order delivered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from delivery_helpers import POINTS, at_local, city, courier, packed, route

from server.domain.delivery.tables import DeliveryRoute, RouteStop
from server.domain.delivery.tracking_eta import (
    LATE_THRESHOLD_S,
    StopFacts,
    arrival_by_token,
    arrival_for_order,
    compose,
    round_to_step,
)
from server.domain.orders.tables import Order

MSK = ZoneInfo("Europe/Moscow")


def msk(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 12, 7, hour, minute, second, tzinfo=MSK).astimezone(UTC)


def facts(eta, *, planned=None, start=None, end=None, late_by_s=0, ahead=0) -> StopFacts:
    return StopFacts(eta=eta, planned_eta=planned, window_start=start, window_end=end, late_by_s=late_by_s,
                     stops_ahead=ahead)


def shown(arrival) -> tuple[str, str]:
    return arrival.window_from.astimezone(MSK).strftime("%H:%M"), arrival.window_to.astimezone(MSK).strftime("%H:%M")


def test_the_window_is_half_an_hour_around_the_eta_rounded_to_ten_minutes():
    now = msk(9)
    assert shown(compose(facts(msk(14, 37)), now, MSK)) == ("14:20", "14:50")
    assert shown(compose(facts(msk(14, 35)), now, MSK)) == ("14:20", "14:50")  # halfway rounds up
    assert shown(compose(facts(msk(14, 34, 59)), now, MSK)) == ("14:20", "14:50")
    assert shown(compose(facts(msk(14, 29)), now, MSK)) == ("14:10", "14:40")
    assert shown(compose(facts(msk(23, 55)), now, MSK)) == ("23:40", "00:10")
    assert shown(compose(facts(None, planned=msk(11, 2)), now, MSK)) == ("10:50", "11:20")  # the plan's ETA
    assert compose(facts(None, ahead=3), now, MSK).window_from is None  # no ETA: the stops ahead only
    assert compose(facts(None, ahead=3), now, MSK).stops_ahead == 3


def test_the_rounding_follows_the_local_clock_not_utc():
    kathmandu = ZoneInfo("Asia/Kathmandu")  # UTC+05:45
    moment = datetime(2026, 12, 7, 8, 37, tzinfo=UTC)  # 14:22 there
    assert round_to_step(moment, kathmandu).astimezone(kathmandu).strftime("%H:%M") == "14:20"
    assert round_to_step(moment, ZoneInfo("UTC")).strftime("%H:%M") == "08:40"


def test_the_window_never_opens_before_the_orders_window_and_a_past_eta_moves_to_now():
    early = compose(facts(msk(9, 40), start=msk(10), end=msk(14)), msk(8), MSK)  # the courier waits for 10:00
    assert shown(early) == ("10:00", "10:20")
    stale = compose(facts(msk(12), start=msk(10), end=msk(14)), msk(12, 20), MSK)  # not there at 12:20 yet
    assert shown(stale) == ("12:10", "12:40") and stale.late_minutes == 0


def test_late_beyond_ten_minutes_after_the_window_end_or_the_planned_eta():
    now = msk(9)
    end = msk(14)
    assert compose(facts(msk(14, 10), start=msk(10), end=end, late_by_s=LATE_THRESHOLD_S), now, MSK).late_minutes == 0
    assert compose(facts(msk(14, 11), start=msk(10), end=end, late_by_s=660), now, MSK).late_minutes == 10
    assert compose(facts(msk(14, 17), start=msk(10), end=end, late_by_s=17 * 60), now, MSK).late_minutes == 15
    assert compose(facts(msk(14, 18), start=msk(10), end=end, late_by_s=18 * 60), now, MSK).late_minutes == 20
    assert compose(facts(msk(13, 30), start=msk(10), end=end), now, MSK).late_minutes == 0  # on time
    # an ETA in the past: the courier is late by as long as the window's end has passed
    assert compose(facts(msk(13, 50), start=msk(10), end=end), msk(14, 20), MSK).late_minutes == 20
    # no window end: against the plan's ETA
    assert compose(facts(msk(12, 11), planned=msk(12)), now, MSK).late_minutes == 10
    assert compose(facts(msk(12, 9), planned=msk(12)), now, MSK).late_minutes == 0
    assert compose(facts(msk(15)), now, MSK).late_minutes == 0  # nothing to be late against


async def _token(order_id: int) -> str:
    return (await Order.select(Order.tracking_token).where(Order.id == order_id).first())["tracking_token"]


async def _order(order_id: int) -> dict:
    return await Order.select(Order.id, Order.status, Order.window_start, Order.window_end).where(
        Order.id == order_id).first()


async def _day():
    """Ivan's published route of today: four stops (windows 10–18), Pyotr's with two before 10:00."""
    c = await city()
    await courier(c, "ivan")
    await courier(c, "pyotr")
    mine = [await packed(c, POINTS[i], qty=1) for i in range(4)]
    theirs = [await packed(c, POINTS[10 + i], qty=1) for i in range(2)]
    route_id, stops = await route(c, "ivan", mine)
    await route(c, "pyotr", theirs)
    for n, sid in enumerate(stops):
        await RouteStop.update({RouteStop.eta: at_local(c.day, 11 + n, 7),
                                RouteStop.planned_eta: at_local(c.day, 11 + n)}).where(RouteStop.id == sid)
    return c, route_id, stops, mine


async def test_the_stops_ahead_are_the_open_ones_before_it_on_the_same_route_and_the_latest_eta_counts():
    c, route_id, stops, mine = await _day()
    now = at_local(c.day, 9)
    last = await arrival_for_order(await _order(mine[3]), now)
    assert last.stops_ahead == 3
    assert last.window_from == at_local(c.day, 13, 50) and last.window_to == at_local(c.day, 14, 20)
    assert (await arrival_for_order(await _order(mine[0]), now)).stops_ahead == 0
    await RouteStop.update({RouteStop.status: "delivered"}).where(RouteStop.id == stops[0])
    await RouteStop.update({RouteStop.status: "failed"}).where(RouteStop.id == stops[1])
    await RouteStop.update({RouteStop.status: "on_the_way"}).where(RouteStop.id == stops[2])
    await RouteStop.update({RouteStop.eta: at_local(c.day, 12, 31)}).where(RouteStop.id == stops[3])  # re-computed
    last = await arrival_for_order(await _order(mine[3]), now)
    assert last.stops_ahead == 1  # the delivered and the failed stop no longer count, Pyotr's never did
    assert last.window_from == at_local(c.day, 12, 20) and last.window_to == at_local(c.day, 12, 50)
    found = await arrival_by_token(await _token(mine[3]), now)
    assert found["status"] == "packed" and found["arrival"] == last


async def test_nothing_unless_published_or_started_today_and_still_to_deliver():
    c, route_id, stops, mine = await _day()
    now = at_local(c.day, 9)
    await DeliveryRoute.update({DeliveryRoute.status: "started"}).where(DeliveryRoute.id == route_id)
    assert await arrival_for_order(await _order(mine[1]), now) is not None
    for status in ("draft", "finished"):
        await DeliveryRoute.update({DeliveryRoute.status: status}).where(DeliveryRoute.id == route_id)
        assert await arrival_for_order(await _order(mine[1]), now) is None, status
    await DeliveryRoute.update({DeliveryRoute.status: "published"}).where(DeliveryRoute.id == route_id)
    assert await arrival_for_order(await _order(mine[1]), now + timedelta(days=1)) is None  # not today's route
    await DeliveryRoute.update({DeliveryRoute.day: c.day - timedelta(days=1)}).where(DeliveryRoute.id == route_id)
    assert await arrival_for_order(await _order(mine[1]), now) is None
    await DeliveryRoute.update({DeliveryRoute.day: c.day}).where(DeliveryRoute.id == route_id)
    for status in ("delivered", "failed", "partial"):
        await RouteStop.update({RouteStop.status: status}).where(RouteStop.id == stops[1])
        assert await arrival_for_order(await _order(mine[1]), now) is None, status
    await RouteStop.update({RouteStop.status: "arrived"}).where(RouteStop.id == stops[1])
    assert await arrival_for_order(await _order(mine[1]), now) is not None
    await Order.update({Order.status: "delivered"}).where(Order.id == mine[1])
    assert await arrival_for_order(await _order(mine[1]), now) is None
    packed_only = await packed(c, POINTS[5], qty=1)  # on no route at all
    assert (await arrival_by_token(await _token(packed_only), now))["arrival"] is None
