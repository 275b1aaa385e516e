"""One OR-Tools routing model over a subset of the vehicles, and one search on it.

Routing nodes: 0..m-1 are the solvable visits (in the order of `Instance.visits`), then one node per distinct
depot matrix node. Arc costs are metres; the time transit of an arc is the service at its tail plus the travel
time; capacities are one dimension per demand component. Every non-locked visit is optional (a disjunction
with a penalty larger than any insertion detour), so a search always has a feasible answer and a visit that
does not fit shows up as dropped, never lost.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_ils_pb2

from server.routing.problem import Problem

STATUS = {v: k for k, v in routing_enums_pb2.RoutingSearchStatus.Value.items()}
LATE_FIXED_COST_PER_S = 100   # a locked stop may end up late; each second late costs this much (vs metres)


class Instance:
    """Matrices re-indexed by routing node, shared by every model built for one solve."""

    def __init__(self, problem: Problem, visits: list[int], fixed: dict[int, list[int]]) -> None:
        self.problem = problem
        self.visits = visits                       # problem visit indexes, routing node = position
        self.fixed = fixed                         # problem vehicle index → routing nodes locked first
        self.fixed_nodes = {n for chain in fixed.values() for n in chain}
        depots = sorted({v.start_node for v in problem.vehicles} | {v.end_node for v in problem.vehicles})
        m = len(visits)
        self.depot_node = {d: m + j for j, d in enumerate(depots)}
        nodes = [problem.visits[i].node for i in visits] + depots
        service = [problem.visits[i].service_s for i in visits] + [0] * len(depots)
        D, T = problem.distances, problem.times
        self.dist = [[D[a][b] for b in nodes] for a in nodes]
        self.time = [[service[ia] + T[a][b] for b in nodes] for ia, a in enumerate(nodes)]
        self.max_arc = max(1, max(max(row) for row in self.dist))
        self.mean_arc = max(1.0, sum(map(sum, self.dist)) / max(1, len(nodes) * (len(nodes) - 1)))
        ncap = len(problem.vehicles[0].capacity) if problem.vehicles else 0
        self.demand = [[problem.visits[i].demand[k] for i in visits] + [0] * len(depots) for k in range(ncap)]
        ends = [v.shift[1] for v in problem.vehicles] + [problem.visits[i].window[1] for i in visits]
        # room for a late return after locked stops: the longest any route could possibly take
        self.horizon = max([1, *ends]) + sum(service) + sum(max(row) for row in self.time) + 1
        self.allowed: list[set[int] | None] = []
        for i in visits:
            ids = set(problem.visits[i].allowed_vehicles)
            self.allowed.append({k for k, v in enumerate(problem.vehicles) if v.id in ids} if ids else None)

    @property
    def penalty(self) -> int:
        """Dropping a visit costs more than any detour that inserts it."""
        return 2 * self.max_arc + 1


@dataclass
class Outcome:
    routes: dict[int, list[int]]                   # problem vehicle index → routing nodes (visits) in order
    dropped: int
    distance: int
    status: str
    seconds: float
    solutions: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def vehicles(self) -> int:
        return sum(1 for r in self.routes.values() if r)

    def key(self) -> tuple[int, int, int]:
        return (self.dropped, self.vehicles, self.distance)


class Model:
    def __init__(self, inst: Instance, vehicles: list[int], *, fixed_cost: int = 0, penalty: int | None = None) -> None:
        self.inst, self.vehicles = inst, vehicles
        p = inst.problem
        n = len(inst.dist)
        starts = [inst.depot_node[p.vehicles[k].start_node] for k in vehicles]
        ends = [inst.depot_node[p.vehicles[k].end_node] for k in vehicles]
        self.manager = pywrapcp.RoutingIndexManager(n, len(vehicles), starts, ends)
        self.routing = routing = pywrapcp.RoutingModel(self.manager)
        dist_cb = routing.RegisterTransitMatrix(inst.dist)
        routing.SetArcCostEvaluatorOfAllVehicles(dist_cb)
        if fixed_cost:
            routing.SetFixedCostOfAllVehicles(fixed_cost)
        time_cb = routing.RegisterTransitMatrix(inst.time)
        routing.AddDimension(time_cb, inst.horizon, inst.horizon, False, "time")
        self.time = tdim = routing.GetDimensionOrDie("time")
        for k, demand in enumerate(inst.demand):
            cb = routing.RegisterUnaryTransitVector(demand)
            routing.AddDimensionWithVehicleCapacity(cb, 0, [p.vehicles[v].capacity[k] for v in vehicles], True,
                                                    f"load{k}")
        for pos, k in enumerate(vehicles):
            lo, hi = p.vehicles[k].shift
            tdim.CumulVar(routing.Start(pos)).SetRange(lo, hi)
            if k in inst.fixed:   # locked stops may make the courier late back: soft, dearer than any stop
                tdim.CumulVar(routing.End(pos)).SetRange(lo, inst.horizon)
                tdim.SetCumulVarSoftUpperBound(routing.End(pos), hi, inst.penalty + 1)
            else:
                tdim.CumulVar(routing.End(pos)).SetRange(lo, hi)
        position = {k: pos for pos, k in enumerate(vehicles)}
        solver = routing.solver()
        for node, vi in enumerate(inst.visits):
            visit = p.visits[vi]
            idx = self.manager.NodeToIndex(node)
            cumul = tdim.CumulVar(idx)
            if node in inst.fixed_nodes:
                cumul.SetMin(visit.window[0])
                tdim.SetCumulVarSoftUpperBound(idx, visit.window[1], LATE_FIXED_COST_PER_S)
            else:
                cumul.SetRange(visit.window[0], visit.window[1])
            allowed = inst.allowed[node]
            if allowed is not None:
                here = [position[k] for k in allowed if k in position]
                if here:
                    # SetAllowedVehiclesForIndex's SWIG binding refuses every list in 9.15 (absl::Span<int>)
                    routing.VehicleVar(idx).SetValues([-1, *here])
                elif node not in inst.fixed_nodes:
                    routing.ActiveVar(idx).SetValue(0)
            if node not in inst.fixed_nodes:
                routing.AddDisjunction([idx], penalty or inst.penalty)
        for k, chain in inst.fixed.items():
            if k not in position:
                continue
            pos = position[k]
            prev = routing.Start(pos)
            for node in chain:
                idx = self.manager.NodeToIndex(node)
                solver.Add(routing.NextVar(prev) == idx)
                routing.VehicleVar(idx).SetValue(pos)
                prev = idx

    def search(self, *, first: str, meta: str, seconds: float, initial: dict[int, list[int]] | None = None,
               lam: float = 0.1, stop_when_complete: int | None = None,
               extra: dict[str, bool] | None = None, first_only: bool = False) -> Outcome | None:
        """Run one search; None when it found nothing (only possible when locks conflict or time is ~0).

        meta: an OR-Tools metaheuristic name, or "ILS" (iterated local search: SISR ruin & recreate with
        simulated-annealing acceptance) or "ILS_MORE" (the same, accepting only answers that drop no more visits
        — for route elimination). ILS always starts from its own first solution (initial is ignored).
        stop_when_complete: stop as soon as a solution drops at most this many visits (route elimination).
        """
        routing = self.routing
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, first)
        if meta in ("ILS", "ILS_MORE"):
            self._iterated(params, more_performed=meta == "ILS_MORE")
            if initial:
                self._start_at(params, initial)
        else:
            params.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, meta)
        params.guided_local_search_lambda_coefficient = lam
        for name, on in (extra or {}).items():
            setattr(params.local_search_operators, name, pywrapcp.BOOL_TRUE if on else pywrapcp.BOOL_FALSE)
        params.time_limit.FromMilliseconds(max(10, int(seconds * 1000)))
        if first_only:
            params.solution_limit = 1
        count = [0]
        done = [False]
        m = len(self.inst.visits)

        def at_solution() -> None:
            count[0] += 1
            if stop_when_complete is not None:
                dropped = sum(1 for node in range(m)
                              if routing.NextVar(self.manager.NodeToIndex(node)).Value()
                              == self.manager.NodeToIndex(node))
                if dropped <= stop_when_complete:
                    done[0] = True

        routing.AddAtSolutionCallback(at_solution)
        if stop_when_complete is not None:
            routing.AddSearchMonitor(routing.solver().CustomLimit(lambda: done[0]))
        t0 = time.monotonic()
        if meta.startswith("ILS"):
            sol = routing.SolveWithIteratedLocalSearch(params)
        elif initial:
            routing.CloseModelWithParameters(params)
            routes = [[self.manager.NodeToIndex(n) for n in initial.get(k, [])] for k in self.vehicles]
            start = routing.ReadAssignmentFromRoutes(routes, True)
            sol = routing.SolveFromAssignmentWithParameters(start, params) if start else None
            if start is None:
                sol = routing.SolveWithParameters(params)
        else:
            sol = routing.SolveWithParameters(params)
        took = time.monotonic() - t0
        status = STATUS.get(routing.status(), str(routing.status()))
        if sol is None:
            return None
        return self.read(sol, status, took, count[0])

    def _start_at(self, params, initial: dict[int, list[int]]) -> None:
        """Make the first solution of an iterated local search the given routes: SolveFromAssignment does not
        search with ILS (OR-Tools 9.15), so the first solution is built by path-cheapest-arc on an evaluator
        where the routes' own arcs cost 0 and every other arc more than any route — it follows them exactly.
        Recreating after each ruin stays local cheapest insertion on the real costs."""
        routing, manager = self.routing, self.manager
        follows: dict[int, int] = {}
        for pos, k in enumerate(self.vehicles):
            prev = routing.Start(pos)
            for node in initial.get(k, []):
                idx = manager.NodeToIndex(node)
                follows[prev] = idx
                prev = idx
            follows[prev] = routing.End(pos)
        other = 1 + self.inst.max_arc * (len(self.inst.dist) + 1)

        def evaluator(i: int, j: int) -> int:
            return 0 if follows.get(i) == j else other

        self._evaluator = evaluator   # SWIG keeps no reference of its own
        routing.SetFirstSolutionEvaluator(evaluator)
        params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.EVALUATOR_STRATEGY
        recreate = params.iterated_local_search_parameters.ruin_recreate_parameters.recreate_strategy
        recreate.heuristic = routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION

    def _iterated(self, params, *, more_performed: bool) -> None:
        params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
        ils = params.iterated_local_search_parameters
        ils.perturbation_strategy = routing_ils_pb2.PerturbationStrategy.RUIN_AND_RECREATE
        rr = ils.ruin_recreate_parameters
        ruin = rr.ruin_strategies.add()
        ruin.sisr.max_removed_sequence_size = 10
        ruin.sisr.avg_num_removed_visits = 10
        ruin.sisr.bypass_factor = 0.01
        rr.ruin_composition_strategy = routing_ils_pb2.RuinCompositionStrategy.RUN_ALL_SEQUENTIALLY
        ils.improve_perturbed_solution = True
        ref = ils.reference_solution_acceptance_strategy
        if more_performed:
            ref.more_nodes_performed.SetInParent()
        else:   # temperatures in cost units: ~3 mean arcs down to ~1/300 of one (measured on Solomon)
            sa = ref.simulated_annealing
            sa.cooling_schedule_strategy = routing_ils_pb2.CoolingScheduleStrategy.EXPONENTIAL
            sa.automatic_temperatures = False
            sa.initial_temperature = 3.0 * self.inst.mean_arc
            sa.final_temperature = 0.003 * self.inst.mean_arc

    def read(self, sol, status: str, took: float, solutions: int) -> Outcome:
        routing, manager = self.routing, self.manager
        routes: dict[int, list[int]] = {}
        distance = 0
        seen = 0
        for pos, k in enumerate(self.vehicles):
            idx = routing.Start(pos)
            nodes: list[int] = []
            prev_node = manager.IndexToNode(idx)
            while not routing.IsEnd(idx):
                idx = sol.Value(routing.NextVar(idx))
                node = manager.IndexToNode(idx)
                distance += self.inst.dist[prev_node][node]
                prev_node = node
                if not routing.IsEnd(idx):
                    nodes.append(node)
            if not nodes:
                distance -= self.inst.dist[manager.IndexToNode(routing.Start(pos))][prev_node]
            routes[k] = nodes
            seen += len(nodes)
        return Outcome(routes, len(self.inst.visits) - seen, distance, status, took, solutions)
