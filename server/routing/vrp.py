"""solve(problem): capacitated VRP with time windows — fewest vehicles first, then distance.

The search, per worker, under one wall-clock deadline:
1. a first solution (parallel cheapest insertion / path cheapest arc) improved by guided local search on the
   whole fleet (the status: "time_limit" when the limit cut this phase before its first local optimum);
2. route elimination: take the used route with the fewest stops away, give its stops to the remaining
   vehicles (they start unperformed) and run GLS until every stop is placed again — then one fewer again;
3. fleet minimisation seeded with the complete answer: SISR's in C (server/routing/sisr_fleet.c: close the
   smallest route, ruin & recreate with absence counters until its stops are all placed again, then the
   next), stopped at the capacity lower bound — both workers on short routes (Solomon R1/RC1) and on big
   days, the second briefly on long routes; without a C compiler (one kind of vehicle) the pure-Python
   ejection pool (server/routing/eject.py) instead;
   (optional, Strategy.ils_slice) iterated local search accepting only answers that place at least as many
   stops, on one vehicle fewer;
4. the rest of the time on distance with the fleet found: SISR ruin & recreate with simulated annealing in C
   (server/routing/sisr.py: ~10^5 iterations a second; per-visit vehicle lists and locked stops kept) from the
   worker's best complete answer; without a C compiler OR-Tools' iterated local search from it
   (ormodel.Model._start_at).
With workers=2 the second worker runs in a spawned process (safe from a thread and from the CLI; a process
that may not have children falls back to one worker); the best answer (fewest dropped, fewest vehicles,
shortest) wins.

Visits that no vehicle could ever serve are reported before the search with their reason ("window",
"capacity", "shift"); visits the search could not fit are reported as "no_room". Nothing is dropped silently.
"""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass

from server.routing import eject, sisr
from server.routing.ormodel import Instance, Model, Outcome
from server.routing.problem import Problem, Solution, Unassigned
from server.routing.timing import fits, impossible_reason, plan_route

SOLVED = {"ROUTING_SUCCESS", "ROUTING_OPTIMAL"}   # OR-Tools statuses of a search that reached a local optimum
GRACE_S = 3.0          # how long past the deadline the second worker may take to hand its answer over


@dataclass(frozen=True)
class Strategy:
    first: str
    phase1_share: float = 0.25     # GLS first phase on the whole fleet, share of the budget
    slice_share: float = 0.2       # one GLS route-elimination attempt
    vehicles_share: float = 0.8    # route elimination ends by this share of the budget
    final: str = "GLS"             # last phase: "GLS" from the best found, or "ILS" (ruin & recreate) afresh
    fixed: int = 0                 # GLS first phase: fixed cost per used vehicle, in longest arcs
    ils_slice: float = 0.0         # after GLS elimination: ILS attempts at one vehicle fewer, this share each
    eject_until: float = 0.0       # after GLS elimination: fleet minimisation (SISR in C, else the ejection
                                   # pool) until this share
    seed: int = 1                  # of the SISR searches' and the ejection pool's random choices
    eject_patience: int = 0        # the ejection pool stops after this many failed attempts (0: at eject_until)


def strategies_for(n_visits: int, workers: int, stops_per_route: float = 50.0) -> list[Strategy]:
    """Per worker. The workers differ by first-solution strategy, by what the time goes to and by the
    seed. "Ejection pool" below is the fleet minimisation: SISR's in C (Solomon 10 s: best-known vehicles on
    56/56 with these shares), else the Python pool. On short routes (tight windows, ~< 20 stops a route:
    Solomon R1/RC1) both give the middle of the budget to the ejection pool (it empties routes GLS route
    elimination cannot); the second runs it longer (for the vehicle count; the Python pool of the first
    stops at its first failed attempt and gives the rest to distance). Otherwise the first gives half the
    time to GLS route elimination (failed attempts are short), the second settles the fleet early (a short
    ejection pool) and gives ~65 % to distance. Distance is SISR (else iterated local search) from the
    worker's best complete answer (GLS from the pool's long answer stalls within a second or two; ILS afresh
    on a tight fleet often leaves 1-3 stops out): RC1 mean gap at best-known vehicles 6.6 % → 2.3 % (ILS),
    a 300-stop city day 295 → 300 stops served (measured with bench/routing.py and bench/routing_city.py)."""
    # big days (> 150 stops): both workers search for fewer couriers, then distance, each from its own start
    # (the first gave its time to GLS: the 300-stop city day 694.6 → 668.3 km for seed 5, 585.3 → 547.9 for 7)
    first = Strategy("PARALLEL_CHEAPEST_INSERTION", phase1_share=0.25, vehicles_share=0.3, eject_until=0.55,
                     final="ILS", seed=3)
    if n_visits <= 150 and stops_per_route < 20:
        first = Strategy("PARALLEL_CHEAPEST_INSERTION", phase1_share=0.2, vehicles_share=0.2, eject_until=0.65,
                         eject_patience=1, final="ILS")
        second = Strategy("PATH_CHEAPEST_ARC", phase1_share=0.1, vehicles_share=0.1, eject_until=0.75, seed=2,
                          final="ILS")
    elif n_visits <= 150:
        # long routes: a failed GLS elimination attempt (the fleet is usually minimal by then) costs 10 %, and
        # elimination ends at half the budget, so that ~half is left for distance (was 20 % / 80 %: R2/RC2 mean
        # gap 5.1 % → 4.6 %, same vehicles, measured on the 19 R2/RC2 instances)
        first = Strategy("PARALLEL_CHEAPEST_INSERTION", slice_share=0.1, vehicles_share=0.5, final="ILS")
        second = Strategy("PATH_CHEAPEST_ARC", phase1_share=0.15, slice_share=0.15, vehicles_share=0.15,
                          eject_until=0.35, final="ILS", seed=2)
    else:   # path cheapest arc leaves a third of a 300-stop city day unplaced in 10 s; insertion places ~all;
        # the SISR fleet search takes that day from 11 couriers to 9 in 3 s (GLS route elimination: none)
        second = Strategy("PARALLEL_CHEAPEST_INSERTION", phase1_share=0.3, slice_share=0.15,
                          vehicles_share=0.3, eject_until=0.6, final="ILS")
    return [first, second][:max(1, workers)]


def _stops_per_route(problem: Problem, visits: list[int]) -> float:
    """Rough number of stops one shift can hold: shift length / (mean service + mean nearest-stop travel)."""
    if not visits or not problem.vehicles:
        return 0.0
    nodes = [problem.visits[i].node for i in visits]
    sample = nodes[:200]
    near = [min((problem.times[a][b] for b in sample if b != a), default=0) for a in sample]
    per_stop = sum(problem.visits[i].service_s for i in visits) / len(visits) + sum(near) / len(near)
    shift = max(v.shift[1] - v.shift[0] for v in problem.vehicles)
    return shift / max(1.0, per_stop)


def _validate(problem: Problem) -> None:
    n = len(problem.distances)
    if len(problem.times) != n or any(len(r) != n for r in problem.distances) or any(
            len(r) != n for r in problem.times):
        raise ValueError("distances and times must be square matrices of the same size")
    ids = [v.id for v in problem.visits]
    if len(set(ids)) != len(ids):
        raise ValueError("visit ids must be unique")
    if len({v.id for v in problem.vehicles}) != len(problem.vehicles):
        raise ValueError("vehicle ids must be unique")
    ncap = {len(v.capacity) for v in problem.vehicles} | {len(v.demand) for v in problem.visits}
    if len(ncap) > 1:
        raise ValueError("every demand and capacity must have the same number of components")
    nodes = [v.node for v in problem.visits] + [x for v in problem.vehicles for x in (v.start_node, v.end_node)]
    if any(not 0 <= x < n for x in nodes):
        raise ValueError("a node index is outside the matrices")


def _fixed_chains(problem: Problem, solvable: dict[str, int], notes: list[str],
                  unassigned: list[Unassigned]) -> dict[int, list[str]]:
    """problem vehicle index → visit ids of its locked prefix. Locks of unknown or impossible visits, locks
    of a visit on two vehicles (the first wins) and locks against the visit's allowed vehicles are left out
    (noted); locked stops beyond the vehicle's capacity are reported unassigned ("capacity")."""
    chains: dict[int, list[str]] = {}
    taken: set[str] = set()
    for k, veh in enumerate(problem.vehicles):
        chain: list[str] = []
        load = [0] * len(veh.capacity)
        for vid in veh.fixed:
            if vid not in solvable or vid in taken:
                notes.append(f"locked stop {vid} of {veh.id} is unknown, impossible or locked twice: left out")
                continue
            visit = problem.visits[solvable[vid]]
            if visit.allowed_vehicles and veh.id not in visit.allowed_vehicles:
                notes.append(f"locked stop {vid} is not allowed on {veh.id}: left out of the lock")
                continue
            more = [a + b for a, b in zip(load, visit.demand, strict=True)]
            if not fits(tuple(more), veh.capacity):
                unassigned.append(Unassigned(vid, "capacity", f"locked on {veh.id}, but the stops locked before "
                                             "it already fill the vehicle"))
                del solvable[vid]
                continue
            load = more
            chain.append(vid)
            taken.add(vid)
        if chain:
            chains[k] = chain
    return chains


def _homogeneous(problem: Problem) -> bool:
    first = problem.vehicles[0]
    return all((v.capacity, v.start_node, v.end_node, v.shift) == (first.capacity, first.start_node,
               first.end_node, first.shift) for v in problem.vehicles) and not any(
        v.allowed_vehicles for v in problem.visits)


def _pipeline(problem: Problem, visits: list[int], fixed_ids: dict[int, list[str]], strategy: Strategy,
              deadline: float) -> tuple[Outcome | None, list[str]]:
    """One worker's search; deadline is wall-clock (time.time()) so it holds across processes."""
    notes: list[str] = []
    node_of = {problem.visits[i].id: pos for pos, i in enumerate(visits)}
    inst = Instance(problem, visits, {k: [node_of[v] for v in ids] for k, ids in fixed_ids.items()})
    t0 = time.time()
    budget = max(0.05, deadline - t0)
    everyone = list(range(len(problem.vehicles)))
    # 1. first solution + guided local search on the whole fleet
    fixed_cost = strategy.fixed * inst.max_arc
    best = Model(inst, everyone, fixed_cost=fixed_cost, penalty=inst.penalty + 2 * fixed_cost).search(
        first=strategy.first, meta="GUIDED_LOCAL_SEARCH",
        seconds=min(budget * strategy.phase1_share, deadline - time.time()))
    if best is None or (best.dropped and best.solutions <= 1 and best.status not in SOLVED):
        # not even a (complete) first solution in the time given — the limit cut the first-solution heuristic,
        # which leaves the rest unperformed: take the whole first one, however late
        whole = Model(inst, everyone).search(first=strategy.first, meta="GREEDY_DESCENT", first_only=True,
                                             seconds=max(2.0, budget))
        if whole is not None and (best is None or whole.key() < best.key()):
            best = whole
        if best is None:
            return None, [f"{strategy.first}: no first solution"]
        best.status = "ROUTING_FAIL_TIMEOUT"
        notes.append(f"{strategy.first}: no complete first solution within the limit; the whole first one took "
                     f"{best.seconds:.2f} s")
        return best, notes
    first_status = best.status
    notes.append(f"{strategy.first}: first phase {best.vehicles} vehicles, {best.distance}, dropped "
                 f"{best.dropped} ({best.status})")
    # 2. route elimination: the smallest route's stops start unperformed on a fleet without it; GLS until all
    #    are placed again (stops as soon as they are); a failure tries the next route (other fleets only)
    vehicles_end = t0 + budget * strategy.vehicles_share
    failed: set[tuple[frozenset[int], int]] = set()
    eliminated = 0
    same_fleet = _homogeneous(problem)
    while vehicles_end - time.time() > 0.05:
        used = [k for k, r in best.routes.items() if r]
        options = sorted((k for k in used if k not in inst.fixed and (frozenset(used), k) not in failed),
                         key=lambda k: (len(best.routes[k]), k))
        if len(used) <= 1 or not options or (len(failed) >= 3 and same_fleet):
            break
        keep = [k for k in used if k != options[0]]
        trial = Model(inst, keep).search(first=strategy.first, meta="GUIDED_LOCAL_SEARCH",
                                         seconds=min(vehicles_end - time.time(), budget * strategy.slice_share),
                                         initial={k: best.routes[k] for k in keep},
                                         stop_when_complete=best.dropped)
        if trial is not None and trial.dropped <= best.dropped:
            eliminated += 1
            best = trial
        else:
            failed.add((frozenset(used), options[0]))
    notes.append(f"route elimination: {eliminated} route(s) removed, {len(failed)} attempt(s) failed")
    # 2b. fleet minimisation seeded with the complete answer: SISR's in C (absence counters) where it applies,
    #     else the ejection pool in pure Python (one kind of vehicle), whose long answer GLS then shortens
    if strategy.eject_until and best.dropped == 0:
        end = t0 + budget * strategy.eject_until
        used = sorted(k for k, r in best.routes.items() if r)
        if end - time.time() > 0.2 and sisr.applicable(inst) and sisr.available():
            routes = sisr.minimise(inst, used, [best.routes[k] for k in used], end, seed=strategy.seed,
                                   min_routes=_fewest_vehicles(inst, used), notes=notes)
            if routes is not None and sum(1 for r in routes if r) < len(used):
                best = _outcome(inst, best, used, routes)
        elif end - time.time() > 0.2 and eject.applicable(inst):
            routes = eject.minimise(inst, [best.routes[k] for k in used], end, seed=strategy.seed, notes=notes,
                                    patience=strategy.eject_patience)
            if len(routes) < len(used):
                best = _outcome(inst, best, used, routes)
                if strategy.final != "GLS" and deadline - time.time() > budget * 0.3:
                    # the pool's answer is long (random moves): GLS shortens it before ILS starts from it
                    fewer = [k for k, r in best.routes.items() if r]
                    polished = Model(inst, fewer).search(first=strategy.first, meta="GUIDED_LOCAL_SEARCH",
                                                         seconds=budget * 0.15, initial=best.routes)
                    if polished is not None and polished.key() < best.key():
                        best = polished
    # 3. (one worker) iterated local search accepting only answers that place at least as many stops, on one
    #    vehicle fewer — it empties routes where GLS cannot (tight windows); repeated while it succeeds
    while strategy.ils_slice and not inst.fixed and deadline - time.time() > budget * (strategy.ils_slice + 0.3):
        used = sorted((k for k, r in best.routes.items() if r), key=lambda k: (len(best.routes[k]), k))
        if len(used) <= 1:
            break
        trial = Model(inst, used[1:]).search(first=strategy.first, meta="ILS_MORE",
                                             seconds=budget * strategy.ils_slice)
        ok = trial is not None and trial.dropped <= best.dropped
        notes.append(f"ILS elimination to {len(used) - 1} vehicles: {'ok' if ok else 'failed'}")
        if not ok:
            break
        best = trial
    # 4. the rest of the time on distance with the fleet found: GLS from the best answer, or ILS afresh
    #    (SISR in C when the compiler and the problem allow, else OR-Tools)
    if strategy.final != "GLS" and best.dropped == 0 and sisr.applicable(inst) and sisr.available() and (
            deadline - time.time() > 0.1):
        used = sorted(k for k, r in best.routes.items() if r)
        routes = sisr.improve(inst, used, [best.routes[k] for k in used], deadline, seed=strategy.seed,
                              notes=notes)
        if routes is not None:
            by_vehicle = {k: [] for k in best.routes}
            by_vehicle.update(zip(used, routes, strict=True))
            found = Outcome(by_vehicle, 0, _distance(inst, by_vehicle), best.status, best.seconds, best.solutions)
            if found.key() < best.key():
                best = found
    left = deadline - time.time()
    if left > 0.1:
        used = [k for k, r in best.routes.items() if r] or everyone
        final = Model(inst, used).search(first=strategy.first, meta="GUIDED_LOCAL_SEARCH" if strategy.final ==
                                         "GLS" else "ILS", seconds=left, initial=best.routes)
        if final is not None and final.key() < best.key():
            best = final
        notes.append(f"last phase ({strategy.final}, {left:.1f} s): {final.vehicles if final else '-'} vehicles, "
                     f"{final.distance if final else '-'}, dropped {final.dropped if final else '-'}")
    best.status = first_status
    return best, notes


def _outcome(inst: Instance, base: Outcome, used: list[int], routes: list[list[int]]) -> Outcome:
    """An answer of routes (all vehicles alike) on the first of the vehicles used."""
    by_vehicle = {k: [] for k in base.routes}
    for k, r in zip(used, routes, strict=False):
        by_vehicle[k] = list(r)
    return Outcome(by_vehicle, base.dropped, _distance(inst, by_vehicle), base.status, base.seconds,
                   base.solutions)


def _fewest_vehicles(inst: Instance, vehicles: list[int]) -> int:
    """A lower bound on the vehicles (of those given) that can carry every stop: per capacity component, the
    fewest of the roomiest vehicles whose capacities add up to the total demand."""
    p = inst.problem
    bound = 1
    for c, row in enumerate(inst.demand):
        total, room, count = sum(row), 0, 0
        for cap in sorted((p.vehicles[k].capacity[c] for k in vehicles), reverse=True):
            if room >= total:
                break
            room += cap
            count += 1
        bound = max(bound, count)
    return bound


def _distance(inst: Instance, by_vehicle: dict[int, list[int]]) -> int:
    p = inst.problem
    distance = 0
    for k, r in by_vehicle.items():
        if r:
            path = [inst.depot_node[p.vehicles[k].start_node], *r, inst.depot_node[p.vehicles[k].end_node]]
            distance += sum(inst.dist[a][b] for a, b in zip(path, path[1:], strict=False))
    return distance


def _child(conn, problem: Problem, visits: list[int], fixed_ids: dict[int, list[str]], strategy: Strategy,
           deadline: float) -> None:
    try:
        conn.send(_pipeline(problem, visits, fixed_ids, strategy, deadline))
    except Exception as exc:  # the parent keeps its own answer
        conn.send((None, [f"worker {strategy.first} failed: {exc!r}"]))
    finally:
        conn.close()


def _start_child(args: tuple) -> tuple | None:
    try:
        ctx = multiprocessing.get_context("spawn")
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(send, *args), daemon=True)
        proc.start()
        send.close()
        return proc, recv
    except Exception:  # e.g. inside a daemonic process: no children allowed; one worker then
        return None


def _collect(child: tuple, deadline: float) -> tuple[Outcome | None, list[str]]:
    proc, recv = child
    try:
        if recv.poll(max(0.0, deadline - time.time()) + GRACE_S):
            return recv.recv()
        return None, ["second worker did not answer in time"]
    except (EOFError, OSError) as exc:
        return None, [f"second worker ended without an answer: {exc!r}"]
    finally:
        recv.close()
        proc.join(0.5)
        if proc.is_alive():
            proc.kill()
            proc.join(0.5)


def solve(problem: Problem, *, time_limit_s: float = 10.0, workers: int = 2) -> Solution:
    """Plan the routes; see the module docstring. Sync and CPU-bound: run it in a thread from async code."""
    started = time.monotonic()
    # keep a little of the limit for collecting the second worker's answer and writing the timetables
    deadline = time.time() + max(0.05, time_limit_s - min(0.3, 0.05 * time_limit_s))
    _validate(problem)
    fixed_everywhere = {vid for veh in problem.vehicles for vid in veh.fixed}
    unassigned: list[Unassigned] = []
    solvable: dict[str, int] = {}
    for i, visit in enumerate(problem.visits):
        why = impossible_reason(problem, visit, fixed_everywhere)
        if why is None:
            solvable[visit.id] = i
        else:
            unassigned.append(why)
    notes: list[str] = []
    chains = _fixed_chains(problem, solvable, notes, unassigned)
    visits = list(solvable.values())
    if not visits:
        return _answer(problem, None, unassigned, [], notes, started, "solved")
    plans = strategies_for(len(visits), workers, _stops_per_route(problem, visits))
    children = [c for s in plans[1:] if (c := _start_child((problem, visits, chains, s, deadline)))]
    outcomes: list[tuple[Outcome | None, list[str]]] = [_pipeline(problem, visits, chains, plans[0], deadline)]
    outcomes += [_collect(c, deadline) for c in children]
    found = [o for o, _ in outcomes if o is not None]
    for _, n in outcomes:
        notes.extend(n)
    best = min(found, key=Outcome.key) if found else None
    status = "no_solution" if best is None else (
        "time_limit" if best.status not in SOLVED else "solved")   # status of the local-optimum phase
    return _answer(problem, best, unassigned, visits, notes, started, status)


def _answer(problem: Problem, best: Outcome | None, unassigned: list[Unassigned], visits: list[int],
            notes: list[str], started: float, status: str) -> Solution:
    routes = []
    placed: set[str] = set()
    if best is not None:
        for k, nodes in sorted(best.routes.items()):
            if nodes:
                stops = [problem.visits[visits[n]] for n in nodes]
                routes.append(plan_route(problem, problem.vehicles[k], stops))
                placed.update(s.id for s in stops)
    for i in visits:
        vid = problem.visits[i].id
        if vid not in placed:
            detail = ("no solution was found in the time given" if best is None
                      else "does not fit into any route with the other stops (capacity, windows, shifts)")
            unassigned.append(Unassigned(vid, "no_room", detail))
    wall = time.monotonic() - started
    if status == "no_solution":
        message = f"no solution found in {wall:.1f} s"
    elif status == "time_limit":
        message = f"stopped by the time limit after {wall:.1f} s: the best routes found so far"
    else:
        message = f"searched {wall:.1f} s"
    return Solution(routes=routes, unassigned=unassigned, status=status, wall_s=wall, message=message,
                    vehicles_used=len(routes), distance=sum(r.distance for r in routes),
                    stats={"notes": notes})
