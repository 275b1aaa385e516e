"""A generated city day: 300 stops, 12 couriers, Moscow-like coordinates, through server.routing.solve.

    .venv/bin/python bench/routing_city.py                    # seed 5, 10 s
    .venv/bin/python bench/routing_city.py --seed 7 --time-limit 30 --workers 1

Stops in a few dense districts plus a spread around a warehouse north of the centre; two-hour delivery slots
(30 % "any time today"), weights 0.3–20 kg and volumes 1–80 l, 3–8 min service; twelve couriers (cars and
vans of different capacity, shifts 09–18, 10–21, 12–22). Haversine matrix × 1.3 at 25 km/h. Prints the solve
time, vehicles used, distance and what stayed unassigned (by reason), and checks the answer with the
independent checker of the tests.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "routing"))

from checker import check_solution  # noqa: E402

from server.routing.matrix import HaversineMatrix  # noqa: E402
from server.routing.problem import Point, Problem, Vehicle, Visit  # noqa: E402
from server.routing.vrp import solve  # noqa: E402

WAREHOUSE = Point(55.8070, 37.5800)            # north of the centre, near Dmitrovskoye shosse
DISTRICTS = [Point(55.7558, 37.6173), Point(55.7300, 37.5600), Point(55.7900, 37.6800),
             Point(55.6800, 37.6300), Point(55.8300, 37.4900), Point(55.7500, 37.7600)]
H = 3600


def city_day(seed: int, stops: int = 300, couriers: int = 12) -> Problem:
    rnd = random.Random(seed)
    points = [WAREHOUSE]
    for _ in range(stops):
        if rnd.random() < 0.85:
            c = rnd.choice(DISTRICTS)
            points.append(Point(c.lat + rnd.gauss(0, 0.012), c.lon + rnd.gauss(0, 0.02)))
        else:
            points.append(Point(55.75 + rnd.uniform(-0.08, 0.08), 37.62 + rnd.uniform(-0.14, 0.14)))
    dist, times = HaversineMatrix().compute(points)
    slots = [(10 * H, 12 * H), (12 * H, 14 * H), (14 * H, 16 * H), (16 * H, 18 * H), (18 * H, 20 * H),
             (19 * H, 21 * H)]
    visits = []
    for i in range(1, stops + 1):
        window = (9 * H, 21 * H) if rnd.random() < 0.3 else rnd.choice(slots)
        weight = int(rnd.choice([300, 800, 1500, 3000, 5000, 8000, 12000, 20000]) * rnd.uniform(0.8, 1.2))
        volume = int(weight * rnd.uniform(2, 5))     # cm³
        visits.append(Visit(id=f"order{i}", node=i, demand=(weight, volume), service_s=rnd.randint(3, 8) * 60,
                            window=window))
    fleet = []
    shifts = [(9 * H, 18 * H), (10 * H, 21 * H), (12 * H, 22 * H)]
    for k in range(couriers):
        van = k % 3 == 0
        fleet.append(Vehicle(id=f"courier{k + 1}", capacity=(400_000 if van else 150_000,
                                                              1_500_000 if van else 500_000),
                             start_node=0, end_node=0, shift=shifts[k % 3]))
    return Problem(distances=dist, times=times, visits=visits, vehicles=fleet)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--stops", type=int, default=300)
    ap.add_argument("--couriers", type=int, default=12)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    t0 = time.monotonic()
    problem = city_day(args.seed, args.stops, args.couriers)
    built = time.monotonic() - t0
    t1 = time.monotonic()
    sol = solve(problem, time_limit_s=args.time_limit, workers=args.workers)
    took = time.monotonic() - t1
    errors = check_solution(problem, sol)
    reasons = Counter(u.reason for u in sol.unassigned)
    print(f"city day: {args.stops} stops, {args.couriers} couriers, seed {args.seed}; matrix {built:.2f} s")
    print(f"solve: {took:.2f} s wall (limit {args.time_limit:g} s, {args.workers} workers), status {sol.status}")
    print(f"vehicles used: {sol.vehicles_used} of {args.couriers}; distance {sol.distance / 1000:.1f} km; "
          f"stops served {sum(len(r.visits) for r in sol.routes)}; unassigned {len(sol.unassigned)}"
          + (f" ({', '.join(f'{k} {v}' for k, v in sorted(reasons.items()))})" if reasons else ""))
    for r in sol.routes:
        print(f"  {r.vehicle_id:<10} {len(r.visits):>3} stops {r.distance / 1000:>6.1f} km "
              f"{r.start_s // H:02d}:{r.start_s % H // 60:02d}–{r.end_s // H:02d}:{r.end_s % H // 60:02d} "
              f"load {r.load[0] / 1000:.0f} kg")
    print("feasibility check: " + ("ok" if not errors else f"{len(errors)} violations: {errors[:3]}"))
    for note in sol.stats.get("notes", []):
        print(f"  - {note}")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
