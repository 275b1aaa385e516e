"""Route optimiser on the Solomon VRPTW benchmark: vehicles and distance vs the best known, and vs plain OR-Tools.

    .venv/bin/python bench/routing.py                          # all 56 instances, 10 s each (+ the baseline)
    .venv/bin/python bench/routing.py --instances 'R1*' --time-limit 5 --no-baseline
    .venv/bin/python bench/routing.py --instances 'R103,R107,RC1*' --no-baseline

For each instance it runs server.routing.vrp.solve (in this process, with its worker processes), checks the
answer with an independent feasibility check in exact doubles (capacity, windows, depot horizon, every customer
once), and prints vehicles / distance (unrounded Euclidean) / gap to bks.csv. The baseline is plain OR-Tools on
the same integer model: default parameters, PATH_CHEAPEST_ARC, no metaheuristic, same time limit, every
customer mandatory — 'nothing' when it returns no solution.
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import math
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.routing import solomon  # noqa: E402
from server.routing.vrp import solve  # noqa: E402

DEFAULT_DIR = ROOT.parent / "shared" / "bench" / "solomon"


def check(inst: solomon.SolomonInstance, routes: list[list[int]]) -> list[str]:
    """Exact-double feasibility of routes of customer numbers; [] when feasible."""
    row = {num: i for i, num in enumerate(inst.numbers)}
    errors = []
    seen = [c for r in routes for c in r]
    if sorted(seen) != sorted(inst.numbers[1:]):
        errors.append("customers missing or repeated")
    if len(routes) > inst.vehicles:
        errors.append(f"{len(routes)} routes > fleet {inst.vehicles}")
    for r in routes:
        if sum(inst.demand[row[c]] for c in r) > inst.capacity:
            errors.append(f"route {r[:3]}… over capacity")
        t, at = float(inst.ready[0]), 0
        for c in r:
            i = row[c]
            t = max(t + inst.euclid(at, i), inst.ready[i])
            if t > inst.due[i] + 1e-9:
                errors.append(f"customer {c} served at {t:.3f} > due {inst.due[i]}")
            t += inst.service[i]
            at = i
        if t + inst.euclid(at, 0) > inst.due[0] + 1e-9:
            errors.append(f"route {r[:3]}… back after the depot closes")
    return errors


def baseline(problem, seconds: float) -> tuple[int, float, list[list[int]]] | None:
    """Plain OR-Tools: defaults + PATH_CHEAPEST_ARC, no metaheuristic, mandatory visits."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = len(problem.distances)
    service = [0] + [v.service_s for v in problem.visits]
    manager = pywrapcp.RoutingIndexManager(n, len(problem.vehicles), 0)
    routing = pywrapcp.RoutingModel(manager)
    dist = routing.RegisterTransitMatrix(problem.distances)
    routing.SetArcCostEvaluatorOfAllVehicles(dist)
    tm = routing.RegisterTransitMatrix([[service[a] + problem.times[a][b] for b in range(n)] for a in range(n)])
    horizon = problem.vehicles[0].shift[1]
    routing.AddDimension(tm, horizon, horizon, False, "time")
    tdim = routing.GetDimensionOrDie("time")
    for v in problem.visits:
        tdim.CumulVar(manager.NodeToIndex(v.node)).SetRange(*v.window)
    demand = routing.RegisterUnaryTransitVector([0] + [v.demand[0] for v in problem.visits])
    routing.AddDimensionWithVehicleCapacity(demand, 0, [v.capacity[0] for v in problem.vehicles], True, "load")
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    sol = routing.SolveWithParameters(params)
    if sol is None:
        return None
    routes = []
    for k in range(len(problem.vehicles)):
        idx, r = sol.Value(routing.NextVar(routing.Start(k))), []
        while not routing.IsEnd(idx):
            r.append(int(problem.visits[manager.IndexToNode(idx) - 1].id))
            idx = sol.Value(routing.NextVar(idx))
        if r:
            routes.append(r)
    return len(routes), 0.0, routes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--instances", default="*", help="glob(s) on instance names, comma-separated, e.g. "
                    "'RC1*' or 'R103,R107' (default: all)")
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-baseline", action="store_true", help="skip the plain OR-Tools run")
    args = ap.parse_args()
    bks = {r["instance"]: r for r in csv.DictReader((args.dir / "bks.csv").open(encoding="utf-8"))}
    globs = [g.strip() for g in args.instances.split(",") if g.strip()]
    files = sorted(p for p in args.dir.glob("*.txt") if any(fnmatch.fnmatch(p.stem, g) for g in globs))
    print(f"{'inst':<6} {'BKS':>10} {'ours':>12} {'gap%':>6} {'dv':>3} {'status':<10} {'s':>5}  "
          f"{'baseline':>12} {'ours/base':>9}")
    rows = []
    for path in files:
        inst = solomon.read(path)
        problem = solomon.to_problem(inst)
        t0 = time.monotonic()
        sol = solve(problem, time_limit_s=args.time_limit, workers=args.workers)
        took = time.monotonic() - t0
        routes = [[int(v.visit_id) for v in r.visits] for r in sol.routes]
        errors = check(inst, routes)
        dist = solomon.euclidean_length(inst, routes)
        b = bks.get(inst.name) or bks.get(path.stem)
        bv, bd = (int(b["vehicles"]), float(b["distance"])) if b else (0, math.nan)
        gap = (dist / bd - 1) * 100 if b else math.nan
        base_txt, ratio_txt, ratio = "-", "-", None
        if not args.no_baseline:
            base = baseline(problem, args.time_limit)
            if base is None or check(inst, base[2]):
                base_txt, ratio_txt = "nothing", "-"
            else:
                bdist = solomon.euclidean_length(inst, base[2])
                ratio = dist / bdist
                base_txt, ratio_txt = f"{base[0]}/{bdist:.1f}", f"{ratio:.3f}"
        ok = not errors and not sol.unassigned
        rows.append({"name": inst.name, "ok": ok, "v": len(routes), "bv": bv, "gap": gap, "ratio": ratio,
                     "base": base_txt})
        print(f"{inst.name:<6} {bv:>3}/{bd:>6.1f} {len(routes):>3}/{dist:>8.2f} {gap:>6.2f} {len(routes) - bv:>+3} "
              f"{sol.status if ok else 'INFEASIBLE':<10} {took:>5.1f}  {base_txt:>12} {ratio_txt:>9}"
              + (f"  {errors[:2]}" if errors else ""), flush=True)
    if not rows:
        print("no instance matched")
        return 1
    feasible = [r for r in rows if r["ok"]]
    at_bks = [r for r in feasible if r["v"] <= r["bv"]]
    worst = max((r["v"] - r["bv"] for r in feasible), default=0)
    same_v = [r["gap"] for r in feasible if r["v"] == r["bv"]]
    gaps = [r["gap"] for r in feasible]
    print(f"\nfeasible: {len(feasible)}/{len(rows)}; at best-known vehicles: {len(at_bks)}/{len(rows)}; "
          f"most vehicles above best-known: +{worst} ({'never' if worst <= 1 else 'SOMETIMES'} > BKS+1); "
          f"instances at BKS+1: {sum(1 for r in feasible if r['v'] - r['bv'] == 1)}")
    if gaps:
        print(f"distance gap, all feasible: mean {statistics.mean(gaps):.2f} %, max {max(gaps):.2f} %")
    if same_v:
        print(f"distance gap where vehicles = best-known: mean {statistics.mean(same_v):.2f} %, "
              f"max {max(same_v):.2f} % ({len(same_v)} instances; within 2 %: {sum(1 for g in same_v if g <= 2)})")
    if not args.no_baseline:
        ratios = [r["ratio"] for r in rows if r["ratio"] is not None]
        nothing = [r["name"] for r in rows if r["base"] == "nothing"]
        print(f"plain OR-Tools baseline: nothing on {len(nothing)} ({', '.join(nothing) or '-'}); "
              + (f"distance ours/baseline mean {statistics.mean(ratios):.3f} where both answered"
                 if ratios else "no comparable answer"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
