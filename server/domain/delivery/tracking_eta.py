"""When the courier comes, as the customer's tracking page /t/<token> tells it.

Only for an order on a delivery route of today (the shop's local day) that the courier can see — the
route is published or started, never a draft or a finished one — whose stop is still open (planned, on
the way, arrived) and whose order is not delivered, closed, cancelled or returned. Anything else: None.
Which of these the page says — published and not started yet, or started — and what it says before and
after (waiting for a courier, delivered, not delivered) is tracking_state.py's; it calls arrival_at_stop.

What the page gets (`Arrival`), all from the stop's row and a count, nothing about the courier or the
other stops but how many are still before this one:
- the expected arrival as a window. Its centre is the stop's current ETA (`RouteStop.eta`, which eta.py
  re-computes from the road when the route starts and after each stop done — so the latest figure; the
  plan's `planned_eta` when no ETA is stored). A courier early for the order's delivery window waits for
  its start, so the centre is never before it; an ETA already in the past (the courier is still busy
  before this stop and nothing was re-computed since) is moved to now. The window is ±15 minutes around
  that centre, both ends rounded to the nearest 10 minutes of the shop's local clock (always 30 minutes
  wide: 14:35 → «с 14:20 до 14:50»), and it never opens before the order's own window does. Why a fixed
  ±15 and not the order's window: the order's window is the promise (often hours wide) and the page shows
  it already; this says where in it the courier will be, as precisely as an ETA that follows the road
  honestly allows.
- how many stops of the same route are still to do before this one (open stops with a smaller seq;
  done, failed or partly delivered stops and other routes do not count; on a route published and not
  started yet, all of its stops before this one in the planned order but those whose order is no longer
  packed — cancelled meanwhile, they leave the route when the courier starts it — `stops_ahead`);
- how late the courier is, in minutes rounded to 5, when the expected arrival is more than
  LATE_THRESHOLD_S (10 minutes) after the order's window end (the larger of eta.py's `late_by_s` and the
  delay an ETA in the past shows), or, for an order without a window end, after the plan's ETA; 0 when
  on time.

Times are UTC datetimes; the page formats them in the shop's time zone (settings.timezone), as every
local time of the app. `compose` is pure (no database, no clock) and tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from server.config import get_settings
from server.domain.delivery.tables import RouteStop
from server.domain.orders.tables import Order
from server.errors import NotFound

OPEN_STOPS = ("planned", "on_the_way", "arrived")
VISIBLE_ROUTES = ("published", "started")
FINISHED_ORDERS = ("delivered", "closed", "cancelled", "returned")
LEAVING_ORDERS = ("packed", "out_for_delivery")  # the orders courier_day.start_route keeps on the route
HALF_WIDTH = timedelta(minutes=15)
STEP_MIN = 10
LATE_THRESHOLD_S = 600  # more than 10 minutes late: the page apologises
LATE_STEP_MIN = 5


@dataclass(frozen=True)
class StopFacts:
    """What the stop's row and the order say (UTC datetimes)."""

    eta: datetime | None
    planned_eta: datetime | None
    window_start: datetime | None
    window_end: datetime | None
    late_by_s: int
    stops_ahead: int


@dataclass(frozen=True)
class Arrival:
    window_from: datetime | None  # None: no ETA known yet (the page shows only the stops ahead)
    window_to: datetime | None
    stops_ahead: int
    late_minutes: int  # 0: on time (or late by at most LATE_THRESHOLD_S)


def now_utc() -> datetime:
    """The clock (tests replace it)."""
    return datetime.now(UTC)


def round_to_step(moment: datetime, tz: ZoneInfo, step_min: int = STEP_MIN) -> datetime:
    """The nearest whole `step_min` minutes of the local clock in `tz` (halfway rounds up), in UTC."""
    local = moment.astimezone(tz)
    floor = local.replace(minute=local.minute - local.minute % step_min, second=0, microsecond=0).astimezone(UTC)
    rest = moment - floor
    return floor + timedelta(minutes=step_min) if rest >= timedelta(minutes=step_min) / 2 else floor


def late_minutes(arrival: datetime, facts: StopFacts) -> int:
    """Minutes late (rounded to 5) beyond the threshold, else 0: against the window's end, or the plan."""
    if facts.window_end is not None:
        late_s = max(int(facts.late_by_s or 0), int((arrival - facts.window_end).total_seconds()))
    elif facts.planned_eta is not None:
        late_s = int((arrival - facts.planned_eta).total_seconds())
    else:
        late_s = 0
    if late_s <= LATE_THRESHOLD_S:
        return 0
    step = LATE_STEP_MIN * 60
    return (late_s + step // 2) // step * LATE_STEP_MIN


def compose(facts: StopFacts, now: datetime, tz: ZoneInfo) -> Arrival:
    """The window, the stops ahead and the delay for one open stop (see the module's docstring)."""
    eta = facts.eta or facts.planned_eta
    if eta is None:
        return Arrival(None, None, facts.stops_ahead, 0)
    arrival = max(eta, now)  # an ETA in the past: the courier is not there yet
    centre = max(arrival, facts.window_start) if facts.window_start is not None else arrival
    start, end = round_to_step(centre - HALF_WIDTH, tz), round_to_step(centre + HALF_WIDTH, tz)
    if facts.window_start is not None and start < facts.window_start < end:
        start = facts.window_start
    return Arrival(start, end, facts.stops_ahead, late_minutes(arrival, facts))


async def _stop_of(order_id: int, today) -> dict | None:
    """The order's stop on a published or started route of `today` (the newest route if several)."""
    return await RouteStop.select(
        RouteStop.id, RouteStop.route, RouteStop.seq, RouteStop.status, RouteStop.eta, RouteStop.planned_eta,
        RouteStop.late_by_s).where(
        (RouteStop.order == order_id) & (RouteStop.route.day == today)
        & RouteStop.route.status.is_in(list(VISIBLE_ROUTES))).order_by(
        RouteStop.route, ascending=False).first()


async def arrival_for_order(order: dict, now: datetime | None = None) -> Arrival | None:
    """`order` has id, status, window_start, window_end. None when the page should say nothing."""
    if order["status"] in FINISHED_ORDERS:
        return None
    now = now or now_utc()
    tz = ZoneInfo(get_settings().timezone)
    stop = await _stop_of(order["id"], now.astimezone(tz).date())
    if stop is None or stop["status"] not in OPEN_STOPS:
        return None
    return await arrival_at_stop(stop, order, now, tz)


async def stops_ahead(stop: dict, *, leaving_only: bool = False) -> int:
    """Open stops of the stop's route with a smaller seq (the route's rows as they are now: a re-plan that
    moved an order to another courier took its row off this route). `leaving_only` (a route not started
    yet): only stops whose order is still packed — courier_day.start_route takes the others (cancelled
    meanwhile) off the route when the courier leaves, so the courier will not go there."""
    where = ((RouteStop.route == stop["route"]) & (RouteStop.seq < stop["seq"])
             & RouteStop.status.is_in(list(OPEN_STOPS)))
    if leaving_only:
        where = where & RouteStop.order.status.is_in(list(LEAVING_ORDERS))
    return int(await RouteStop.count().where(where))


async def arrival_at_stop(stop: dict, order: dict, now: datetime, tz: ZoneInfo, *,
                          leaving_only: bool = False) -> Arrival:
    """The Arrival for one open stop row (route, seq, eta, planned_eta, late_by_s) of `order`;
    `leaving_only` as in stops_ahead."""
    ahead = await stops_ahead(stop, leaving_only=leaving_only)
    return compose(StopFacts(eta=stop["eta"], planned_eta=stop["planned_eta"], window_start=order["window_start"],
                             window_end=order["window_end"], late_by_s=stop["late_by_s"] or 0,
                             stops_ahead=ahead), now, tz)


async def arrival_by_token(token: str, now: datetime | None = None) -> dict:
    """{"status": the order's status code, "arrival": Arrival | None} for a tracking token; NotFound."""
    token = (token or "").strip()
    order = None
    if 0 < len(token) <= 64:
        order = await Order.select(Order.id, Order.status, Order.window_start, Order.window_end).where(
            Order.tracking_token == token).first()
    if order is None:
        raise NotFound("No order with this tracking link")
    return {"status": order["status"], "arrival": await arrival_for_order(order, now)}
