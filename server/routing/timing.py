"""Pure helpers around a Problem: why a visit cannot be served at all, and the timetable of a route.

Both recompute from the matrices only (nothing from the solver), so the solver's answer is turned into
PlannedRoute rows the same way whatever search produced it.
"""

from __future__ import annotations

from server.routing.problem import PlannedRoute, PlannedVisit, Problem, Unassigned, Vehicle, Visit


def allowed_vehicle_indexes(problem: Problem, visit: Visit) -> list[int]:
    if not visit.allowed_vehicles:
        return list(range(len(problem.vehicles)))
    wanted = set(visit.allowed_vehicles)
    return [k for k, v in enumerate(problem.vehicles) if v.id in wanted]


def fits(demand: tuple[int, ...], capacity: tuple[int, ...]) -> bool:
    return all(d <= c for d, c in zip(demand, capacity, strict=True))


def impossible_reason(problem: Problem, visit: Visit, fixed_ids: set[str]) -> Unassigned | None:
    """Unassigned(...) when no allowed vehicle could serve this visit even on a route of its own."""
    vehicles = allowed_vehicle_indexes(problem, visit)
    if not vehicles:
        return Unassigned(visit.id, "no_room", "none of its allowed vehicles is on shift: "
                          + ", ".join(visit.allowed_vehicles))
    w0, w1 = visit.window
    if w1 < w0:
        return Unassigned(visit.id, "window", f"the window ends ({w1} s) before it starts ({w0} s)")
    if any(d < 0 for d in visit.demand) or visit.service_s < 0:
        return Unassigned(visit.id, "capacity", "negative demand or service time")
    roomy = [k for k in vehicles if fits(visit.demand, problem.vehicles[k].capacity)]
    if not roomy:
        return Unassigned(visit.id, "capacity", f"demand {visit.demand} exceeds the capacity of every "
                          "allowed vehicle")
    if visit.id in fixed_ids:   # a locked stop stays on its route even when late (its window is soft)
        return None
    times = problem.times
    in_time = [k for k in roomy
               if problem.vehicles[k].shift[0] + times[problem.vehicles[k].start_node][visit.node] <= w1]
    if not in_time:
        return Unassigned(visit.id, "window", "cannot be reached before the window ends, even straight "
                          "from the start of a shift")
    for k in in_time:
        veh = problem.vehicles[k]
        start = max(veh.shift[0] + times[veh.start_node][visit.node], w0)
        if start + visit.service_s + times[visit.node][veh.end_node] <= veh.shift[1]:
            return None
    return Unassigned(visit.id, "shift", "the courier cannot serve it and be back before the end of the shift")


def plan_route(problem: Problem, vehicle: Vehicle, visits: list[Visit]) -> PlannedRoute:
    """Timetable of a route driven in this order: leave as late as the first stop allows, wait when early."""
    d, t = problem.distances, problem.times
    start_s = vehicle.shift[0]
    if visits:
        latest = min(vehicle.shift[1], visits[0].window[0] - t[vehicle.start_node][visits[0].node])
        start_s = max(start_s, latest)
    now, node, dist = start_s, vehicle.start_node, 0
    planned: list[PlannedVisit] = []
    load = [0] * len(vehicle.capacity)
    for v in visits:
        arrival = now + t[node][v.node]
        begin = max(arrival, v.window[0])
        now = begin + v.service_s
        dist += d[node][v.node]
        node = v.node
        planned.append(PlannedVisit(v.id, arrival, begin, now))
        for k, q in enumerate(v.demand):
            load[k] += q
    end_s = now + t[node][vehicle.end_node]
    dist += d[node][vehicle.end_node]
    return PlannedRoute(vehicle.id, planned, dist, start_s, end_s, tuple(load))
