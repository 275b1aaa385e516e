"""Writing a solved plan, in the caller's one write transaction: the day's draft routes are replaced;
published and started routes are kept (their ids and sheet tokens) with their done stops, while their
open stops are rewritten from the solution (locked and en-route ones keep their rows, in the solver's
order); a published route left without stops is removed. The PlanRun row records the run."""

from __future__ import annotations

from datetime import datetime

from server.domain.delivery._common import at_seconds, new_sheet_token, now_utc
from server.domain.delivery._plan_input import PlanInput
from server.domain.delivery._reasons import explain
from server.domain.delivery.tables import DONE_STOP_STATUSES, DeliveryRoute, PlanRun, RouteStop
from server.domain.outbox.events import emit
from server.routing.problem import Solution

TIME_LIMIT_NOTE = "Time limit reached: the best plan found is shown"
FALLBACK_NOTE = "The road network service did not answer: straight-line distances were used"


async def write_plan(inp: PlanInput, solution: Solution, *, actor: str, pins: dict[int, int],
                     notes: list[str]) -> int:
    """Returns the PlanRun id."""
    now = now_utc()
    wh = inp.warehouse["id"]
    kept = {cid: r for cid, r in inp.routes.items() if r["status"] in ("published", "started")}
    drafts = [r["id"] for r in inp.routes.values() if r["status"] == "draft"]
    flags = {s["order"]: (s["locked"], s["pinned"]) for s in inp.stops}
    # the arrival a published (or started) route promised stays its planned ETA across re-plans
    promised = {s["order"]: s["planned_eta"] for s in inp.stops if s.get("planned_eta") is not None
                and s["route"] in {r["id"] for r in kept.values()}}
    for oid in pins:
        flags[oid] = (False, True)
    if drafts:
        await RouteStop.delete().where(RouteStop.route.is_in(drafts))
        await DeliveryRoute.delete().where(DeliveryRoute.id.is_in(drafts))
    keep_rows: dict[tuple[int, int], int] = {}  # (route id, order id) → stop id kept in place
    for route in kept.values():
        for s in inp.stops:
            if s["route"] != route["id"] or s["status"] in DONE_STOP_STATUSES:
                continue
            if (s["locked"] or s["status"] in ("on_the_way", "arrived")) and s["order"] not in pins:
                keep_rows[(route["id"], s["order"])] = s["id"]
            else:
                await RouteStop.delete().where(RouteStop.id == s["id"])
    changed: set[int] = set()
    used: set[int] = set()
    for planned in solution.routes:
        cid = int(planned.vehicle_id)
        used.add(cid)
        route = kept.get(cid)
        values = {DeliveryRoute.distance_m: planned.distance, DeliveryRoute.duration_s: planned.end_s - planned.start_s,
                  DeliveryRoute.planned_start: at_seconds(inp.origin, planned.start_s),
                  DeliveryRoute.planned_end: at_seconds(inp.origin, planned.end_s)}
        if route is None:
            made = await DeliveryRoute.insert(DeliveryRoute(
                day=inp.day, warehouse=wh, courier=cid, status="draft", sheet_token=new_sheet_token(),
                created_at=now, **{c._meta.name: v for c, v in values.items()})).returning(DeliveryRoute.id)
            route_id, seq = made[0]["id"], 0
        else:
            route_id = route["id"]
            await DeliveryRoute.update({**values, DeliveryRoute.version: DeliveryRoute.version + 1}).where(
                DeliveryRoute.id == route_id)
            seq = max((s["seq"] for s in inp.stops if s["route"] == route_id and s["status"] in DONE_STOP_STATUSES),
                      default=0)
            changed.add(cid)
        for visit in planned.visits:
            seq += 1
            oid = int(visit.visit_id)
            eta, leave = at_seconds(inp.origin, visit.arrival_s), at_seconds(inp.origin, visit.departure_s)
            late = _late_by(eta, inp.orders.get(oid))
            stop_id = keep_rows.pop((route_id, oid), None)
            if stop_id is not None:
                await RouteStop.update({RouteStop.seq: seq, RouteStop.eta: eta, RouteStop.eta_departure: leave,
                                        RouteStop.planned_eta: promised.get(oid, eta),
                                        RouteStop.late_by_s: late}).where(RouteStop.id == stop_id)
                continue
            locked, pinned = flags.get(oid, (False, False))
            await RouteStop.insert(RouteStop(route=route_id, order=oid, seq=seq, eta=eta, eta_departure=leave,
                                             planned_eta=promised.get(oid, eta), late_by_s=late,
                                             locked=locked, pinned=pinned))
    for cid, route in kept.items():
        if cid in used:
            continue
        left = await RouteStop.count().where(RouteStop.route == route["id"])
        if route["status"] == "published" and not left:
            await DeliveryRoute.delete().where(DeliveryRoute.id == route["id"])
        changed.add(cid)
    couriers = list(inp.couriers.values())

    def entry(order_id: int, reason: str, detail: str) -> dict:
        order = inp.orders.get(order_id)
        return {"order_id": order_id, "number": order["number"] if order else "", "reason": reason,
                "detail": explain(reason, order, couriers, detail), "solver_detail": detail}

    unassigned = [entry(u["order_id"], u["reason"], u.get("detail", "")) for u in inp.unassigned]
    unassigned += [entry(int(u.visit_id), u.reason, u.detail) for u in solution.unassigned]
    status = solution.status
    if status == "time_limit":
        notes = [TIME_LIMIT_NOTE, *notes]
    run = await PlanRun.insert(PlanRun(
        day=inp.day, warehouse=wh, at=now, actor=actor, status=status, timed_out=status == "time_limit",
        message="\n".join(notes), vehicles_used=len(solution.routes), distance_m=sum(r.distance for r in solution.routes),
        wall_s=round(solution.wall_s, 3), orders=len(inp.orders), unassigned=unassigned,
        warnings=inp.warnings)).returning(PlanRun.id)
    run_id = run[0]["id"]
    for cid in sorted(changed):
        await emit("delivery.route_changed", {"route_id": kept[cid]["id"], "courier_id": cid, "change": "replanned",
                                              "day": inp.day.isoformat(), "warehouse_id": wh})
    await emit("delivery.planned", {"day": inp.day.isoformat(), "warehouse_id": wh, "plan_run_id": run_id,
                                    "status": status})
    return run_id


def _late_by(eta: datetime, order: dict | None) -> int:
    """Seconds the arrival is after the order's window end (a locked stop the solver had to keep late)."""
    end = (order or {}).get("window_end")
    return max(0, int((eta - end).total_seconds())) if end is not None else 0


def empty_solution() -> Solution:
    return Solution(routes=[], unassigned=[], status="solved", wall_s=0.0, message="")

