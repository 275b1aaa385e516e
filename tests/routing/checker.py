"""Independent feasibility checker for server.routing solutions.

It trusts nothing the solver computed: arrival/start/departure times, loads and distances are recomputed
from the Problem's matrices along each route (leaving at the route's own start_s, which must lie in the
shift), and the solver's reported numbers are compared with them. Returns a list of human-readable
violations; [] means feasible.
"""

from __future__ import annotations

from server.routing.problem import Problem, Solution

REASONS = {"window", "capacity", "shift", "no_room"}


def check_solution(problem: Problem, solution: Solution, *, late_ok_for_fixed: bool = True) -> list[str]:
    errors: list[str] = []
    visits = {v.id: v for v in problem.visits}
    vehicles = {v.id: v for v in problem.vehicles}
    if solution.status not in {"solved", "time_limit", "no_solution"}:
        errors.append(f"unknown status {solution.status!r}")
    # every visit exactly once: in one route or in unassigned
    seen: dict[str, int] = {}
    for r in solution.routes:
        for pv in r.visits:
            seen[pv.visit_id] = seen.get(pv.visit_id, 0) + 1
    for u in solution.unassigned:
        seen[u.visit_id] = seen.get(u.visit_id, 0) + 1
        if u.reason not in REASONS:
            errors.append(f"visit {u.visit_id}: unknown reason {u.reason!r}")
    for vid in visits:
        if seen.get(vid, 0) != 1:
            errors.append(f"visit {vid} appears {seen.get(vid, 0)} times (routes + unassigned)")
    for vid in seen:
        if vid not in visits:
            errors.append(f"unknown visit {vid} in the answer")
    used = [r.vehicle_id for r in solution.routes]
    if len(set(used)) != len(used):
        errors.append("a vehicle has more than one route")
    unassigned = {u.visit_id for u in solution.unassigned}
    fixed_everywhere = {f for v in problem.vehicles for f in v.fixed}
    for r in solution.routes:
        veh = vehicles.get(r.vehicle_id)
        if veh is None:
            errors.append(f"route of unknown vehicle {r.vehicle_id}")
            continue
        if not r.visits:
            errors.append(f"{veh.id}: empty route listed")
        stops = [visits[pv.visit_id] for pv in r.visits if pv.visit_id in visits]
        ids = [s.id for s in stops]
        # locked prefix, in order (locks of stops that had to be reported unassigned are skipped)
        want = [f for f in veh.fixed if f not in unassigned]
        if ids[:len(want)] != want:
            errors.append(f"{veh.id}: route starts {ids[:len(want)]}, locked prefix is {want}")
        for s in stops:
            if s.allowed_vehicles and veh.id not in s.allowed_vehicles:
                errors.append(f"visit {s.id} on {veh.id}, allowed only {s.allowed_vehicles}")
        # capacity
        load = [0] * len(veh.capacity)
        for s in stops:
            load = [a + b for a, b in zip(load, s.demand, strict=True)]
        if any(a > c for a, c in zip(load, veh.capacity, strict=True)):
            errors.append(f"{veh.id}: load {load} over capacity {veh.capacity}")
        if tuple(load) != tuple(r.load):
            errors.append(f"{veh.id}: reported load {r.load}, recomputed {load}")
        # times, recomputed
        if not veh.shift[0] <= r.start_s <= veh.shift[1]:
            errors.append(f"{veh.id}: leaves at {r.start_s}, outside the shift {veh.shift}")
        t, node, dist = r.start_s, veh.start_node, 0
        for pv, s in zip(r.visits, stops, strict=True):
            arrival = t + problem.times[node][s.node]
            start = max(arrival, s.window[0])
            dist += problem.distances[node][s.node]
            late = arrival > s.window[1]
            if late and not (late_ok_for_fixed and s.id in fixed_everywhere):
                errors.append(f"visit {s.id}: arrives {arrival} after its window {s.window}")
            t, node = start + s.service_s, s.node
            if (pv.arrival_s, pv.start_s, pv.departure_s) != (arrival, start, t):
                errors.append(f"visit {s.id}: reported {pv.arrival_s}/{pv.start_s}/{pv.departure_s}, "
                              f"recomputed {arrival}/{start}/{t}")
        end = t + problem.times[node][veh.end_node]
        dist += problem.distances[node][veh.end_node]
        if end > veh.shift[1] and not (late_ok_for_fixed and veh.fixed):
            errors.append(f"{veh.id}: back at {end}, after the shift ends {veh.shift[1]}")
        if end != r.end_s:
            errors.append(f"{veh.id}: reported end {r.end_s}, recomputed {end}")
        if dist != r.distance:
            errors.append(f"{veh.id}: reported distance {r.distance}, recomputed {dist}")
    if solution.vehicles_used != len(solution.routes):
        errors.append(f"vehicles_used {solution.vehicles_used} != {len(solution.routes)} routes")
    return errors
