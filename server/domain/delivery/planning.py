"""Planning the day's deliveries (the manager's planning screen calls these).

plan_day reads the day (_plan_input.py: orders, couriers, routes kept), builds the distance/time matrix
(the configured matrix provider; when it fails, the offline haversine estimate, and the run says so),
solves in a thread under the time limit (server.routing.vrp.solve), then writes routes, stops and the
PlanRun in ONE write transaction (_plan_write.py). Concurrency: the run remembers the day's planning
version (PlanDay) it read and raises it only if nobody changed it meanwhile — two runs at once, or a
courier marking a stop during the solve, make the later writer fail with a Conflict instead of writing a
second set of routes or losing what happened on the road.

Re-planning keeps started routes' done and locked stops (Vehicle.fixed) and starts such a courier from
the last stop done, at "now"; an order moved to a courier is pinned to that courier (allowed_vehicles)
for this and later runs.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from datetime import date, datetime

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.delivery._common import bump_version, local_day_of, local_today, lock_suffix, now_utc
from server.domain.delivery._plan_input import PlanInput, collect, workers, works_on
from server.domain.delivery._plan_write import FALLBACK_NOTE, empty_solution, write_plan
from server.domain.delivery.plan_view import day_plan, plan_run, route_sheet
from server.domain.delivery.tables import DONE_STOP_STATUSES, Courier, DeliveryRoute, RouteStop
from server.domain.orders.tables import Order
from server.domain.outbox.events import emit
from server.errors import Conflict, NotFound, ValidationFailed
from server.routing.matrix import HaversineMatrix, matrix_provider
from server.routing.problem import Problem, Solution
from server.routing.vrp import solve

MAX_TIME_LIMIT_S = 120
log = logging.getLogger("kladovka.delivery")
NO_COURIER_NOTE = "No courier is on shift at this warehouse"

__all__ = ["plan_day", "add_urgent_order", "move_order", "set_stop_locked", "publish_routes", "day_plan",
           "route_sheet", "plan_run"]


def _check_limit(time_limit_s: float) -> float:
    if isinstance(time_limit_s, bool) or not isinstance(time_limit_s, int | float) or not math.isfinite(time_limit_s) \
            or not 0.1 <= time_limit_s <= MAX_TIME_LIMIT_S:
        raise ValidationFailed("The time limit must be from 0.1 to 120 seconds", field="time_limit_s")
    return float(time_limit_s)


async def _solve(inp: PlanInput, time_limit_s: float, notes: list[str]) -> Solution:
    if inp.problem is None or not inp.problem.visits:
        if not inp.couriers:
            notes.append(NO_COURIER_NOTE)
        return empty_solution()
    try:
        distances, times = await matrix_provider().table(inp.points)
    except Exception:  # OSRM down or answering nonsense: plan with the offline estimate, and say so
        notes.append(FALLBACK_NOTE)
        distances, times = HaversineMatrix().compute(inp.points)
    problem = Problem(distances=distances, times=times, visits=inp.problem.visits, vehicles=inp.problem.vehicles)
    try:
        return await asyncio.to_thread(solve, problem, time_limit_s=time_limit_s, workers=workers())
    except Exception as exc:  # a bug or a refused problem: nothing is written, the manager hears why
        log.exception("route optimiser failed")
        raise Conflict("The route optimiser could not plan this day: %(error)s", field="plan",
                       error=f"{type(exc).__name__}: {exc}"[:300]) from exc


async def _plan(day: date, warehouse_id: int, *, actor: str, time_limit_s: float, now: datetime | None = None,
                pins: dict[int, int] | None = None, extra: set[int] | None = None,
                check: Callable[[PlanInput, Solution], None] | None = None) -> dict:
    if not isinstance(day, date):
        raise ValidationFailed("Choose the day to plan", field="day")
    limit = _check_limit(time_limit_s)
    inp = await collect(day, warehouse_id, now=now or now_utc(), pins=pins, extra=extra)
    notes: list[str] = []
    solution = await _solve(inp, limit, notes)
    if check is not None:
        check(inp, solution)
    async with write_tx():
        await bump_version(day, warehouse_id, expected=inp.version)
        run_id = await write_plan(inp, solution, actor=actor, pins=pins or {}, notes=notes)
        await record(actor, "delivery.plan", "plan_run", run_id,
                     {"day": day.isoformat(), "warehouse": warehouse_id, "status": solution.status,
                      "routes": len(solution.routes), "orders": len(inp.orders),
                      **({"pins": {str(k): v for k, v in pins.items()}} if pins else {})})
    return await plan_run(run_id)


async def plan_day(day: date, warehouse_id: int, *, actor: str, time_limit_s: float = 10,
                   now: datetime | None = None) -> dict:
    """Optimises the day's routes of the warehouse; returns the PlanRun row as a dict (with "routes").
    `now` (tests, support): the moment the plan is made for, default the current time."""
    return await _plan(day, warehouse_id, actor=actor, time_limit_s=time_limit_s, now=now)


async def _order(order_id: int) -> dict:
    row = await Order.select().where(Order.id == order_id).first() if isinstance(order_id, int) else None
    if row is None:
        raise NotFound("Order %(id)s not found", id=order_id)
    return row


async def add_urgent_order(order_id: int, day: date, *, actor: str, time_limit_s: float = 5,
                           now: datetime | None = None) -> dict:
    """Puts a packed courier order into the day's routes (a re-plan that keeps what is fixed)."""
    order = await _order(order_id)
    if order["delivery_method"] != "courier":
        raise ValidationFailed("Order %(number)s is not delivered by courier", field="order", number=order["number"])
    if order["status"] != "packed":
        raise Conflict("Order %(number)s is not packed: only packed orders go on a route", field="order",
                       number=order["number"])
    if order["delivery_lat"] is None or order["delivery_lon"] is None:
        raise ValidationFailed("Order %(number)s has no point on the map: place the pin first", field="order",
                               number=order["number"])
    start = order["window_start"] or order["window_end"]
    if start is not None and local_day_of(start) != day:
        raise ValidationFailed("Order %(number)s is to be delivered on %(date)s, not on this day", field="day",
                               number=order["number"], date=local_day_of(start).strftime("%d.%m.%Y"))
    return await _plan(day, order["warehouse"], actor=actor, time_limit_s=time_limit_s, now=now, extra={order_id})


async def move_order(order_id: int, courier_id: int, *, actor: str, time_limit_s: float = 5,
                     now: datetime | None = None, day: date | None = None) -> dict:
    """Moves the order to this courier (pinned: later re-plans keep it there) and re-plans the day.
    Refused, with nothing changed, when that courier cannot take it (capacity, window, shift).
    The day: the order's route's, else its window's, else `day` (the plan the manager is looking at:
    an order without a window waits on every day), else today."""
    order = await _order(order_id)
    courier = await Courier.select().where(Courier.id == courier_id).output(load_json=True).first() \
        if isinstance(courier_id, int) else None
    if courier is None or not courier["active"]:
        raise NotFound("Courier %(id)s not found", id=courier_id)
    if courier["warehouse"] != order["warehouse"]:
        raise ValidationFailed("Courier %(name)s leaves from another warehouse", field="courier", name=courier["name"])
    current = await RouteStop.select(RouteStop.id, RouteStop.status, RouteStop.route.day.as_alias("day"),
                                     RouteStop.route.status.as_alias("route_status")).where(
        (RouteStop.order == order_id) & (RouteStop.route.status != "finished")).order_by(RouteStop.id,
                                                                                          ascending=False).first()
    if current is not None and (current["status"] in DONE_STOP_STATUSES or current["route_status"] == "started"):
        raise Conflict("Order %(number)s is already on the road with its courier", field="order",
                       number=order["number"])
    if order["status"] != "packed":
        raise Conflict("Order %(number)s is not packed: only packed orders go on a route", field="order",
                       number=order["number"])
    if order["delivery_lat"] is None or order["delivery_lon"] is None:  # no courier can reach it: say so
        raise ValidationFailed("Order %(number)s has no point on the map: place the pin first", field="order",
                               number=order["number"])
    start = order["window_start"] or order["window_end"]
    day = current["day"] if current else (local_day_of(start) if start else (day or local_today()))
    if day.isoweekday() not in works_on(courier):
        raise ValidationFailed("Courier %(name)s does not work on %(date)s: see their days on the couriers page",
                               field="courier", name=courier["name"], date=day.strftime("%d.%m.%Y"))
    target = await DeliveryRoute.select(DeliveryRoute.status).where(
        (DeliveryRoute.courier == courier_id) & (DeliveryRoute.day == day)).order_by(
        DeliveryRoute.id, ascending=False).first()
    if target is not None and target["status"] in ("started", "finished"):
        raise Conflict("Courier %(name)s has already left with the route of this day", field="courier",
                       name=courier["name"])

    def placed(inp: PlanInput, solution: Solution) -> None:
        missed = next((u for u in solution.unassigned if u.visit_id == str(order_id)), None)
        early = next((u for u in inp.unassigned if u["order_id"] == order_id), None)
        reason = missed.reason if missed else early["reason"] if early else None
        if reason is None:
            return
        about = {"field": "courier", "name": courier["name"], "number": order["number"], "reason": reason}
        if reason == "capacity":
            raise Conflict("Courier %(name)s cannot take order %(number)s: the vehicle has no room for it; "
                           "nothing was changed", **about)
        if reason == "window":
            raise Conflict("Courier %(name)s cannot take order %(number)s: it cannot be reached within its "
                           "window; nothing was changed", **about)
        raise Conflict("Courier %(name)s cannot take order %(number)s: it does not fit into the route "
                       "(shift, windows, load); nothing was changed", **about)

    return await _plan(day, order["warehouse"], actor=actor, time_limit_s=time_limit_s, now=now,
                       pins={order_id: courier_id}, check=placed)


async def set_stop_locked(stop_id: int, locked: bool, *, actor: str) -> None:
    """A locked stop keeps its place and its courier when the day is re-planned."""
    async with write_tx():
        rows = await RouteStop.raw(f"SELECT * FROM route_stop WHERE id = {{}}{lock_suffix()}", stop_id) \
            if isinstance(stop_id, int) else []
        if not rows:
            raise NotFound("Stop %(id)s not found", id=stop_id)
        stop = rows[0]
        route = await DeliveryRoute.select().where(DeliveryRoute.id == stop["route"]).first()
        if route["status"] == "finished" or stop["status"] in DONE_STOP_STATUSES:
            raise Conflict("This stop is done: it stays where it is anyway", field="locked")
        await RouteStop.update({RouteStop.locked: bool(locked)}).where(RouteStop.id == stop_id)
        await DeliveryRoute.update({DeliveryRoute.version: DeliveryRoute.version + 1}).where(
            DeliveryRoute.id == route["id"])
        await bump_version(route["day"], route["warehouse"])
        await record(actor, "delivery.stop_lock", "route_stop", stop_id, {"locked": bool(locked)})
        await emit("delivery.stop_changed", {"route_id": route["id"], "stop_id": stop_id, "order_id": stop["order"],
                                             "status": stop["status"], "courier_id": route["courier"],
                                             "warehouse_id": route["warehouse"], "day": route["day"].isoformat(),
                                             "change": "locked" if locked else "unlocked"})


async def publish_routes(day: date, warehouse_id: int, *, actor: str) -> int:
    """The day's draft routes go to their couriers (each is told on its live channel). Returns how many."""
    async with write_tx():
        rows = await DeliveryRoute.raw(
            f"SELECT * FROM delivery_route WHERE day = {{}} AND warehouse = {{}} AND status = 'draft'{lock_suffix()}",
            day, warehouse_id)
        if not rows:
            return 0
        now = now_utc()
        ids = [r["id"] for r in rows]
        await DeliveryRoute.update({DeliveryRoute.status: "published", DeliveryRoute.published_at: now,
                                    DeliveryRoute.version: DeliveryRoute.version + 1}).where(
            DeliveryRoute.id.is_in(ids))
        await bump_version(day, warehouse_id)
        for r in rows:
            await emit("delivery.route_published", {"route_id": r["id"], "courier_id": r["courier"],
                                                    "day": day.isoformat(), "warehouse_id": warehouse_id,
                                                    "change": "published"})
        await record(actor, "delivery.publish", "warehouse", warehouse_id, {"day": day.isoformat(), "routes": ids})
    return len(rows)
