"""Point-in-zone lookups per second for a thousand delivery zones: server/routing/zones.ZoneIndex (an
STRtree over the zones' boxes, then prepared geometries) against a naive loop over every unprepared
polygon, in the same run, on the same points.

    .venv/bin/python bench/zones.py                       # 1,000 zones, 20,000 lookups (2,000 for the loop)
    .venv/bin/python bench/zones.py --zones 1000 --points 50000 --naive-points 5000 --seed 7

The zones tile a 40 × 40 km city around Moscow's centre like a Voronoi diagram: a jittered grid of
seeds, each cell its Voronoi polygon clipped to the city, with 12 % extra overlapping "district" zones of
higher priority on top (so the overlap rule is exercised). Points are uniform over a box 10 % larger
than the city (some fall outside every zone). Both sides must give the same zone for every point of the
naive sample (and `lookup_many`, the batch form, the same as one by one on all points) — checked, and the
run fails if not. Prints figures only; asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import shapely  # noqa: E402
from shapely.geometry import MultiPoint, box  # noqa: E402

from server.routing.zones import ZoneIndex, ZoneShape, naive_lookup, plain_shapes, to_geojson  # noqa: E402

CENTRE = (55.7558, 37.6173)
HALF_KM = 20.0


def city_box() -> tuple[float, float, float, float]:
    dlat = HALF_KM / 111.2
    dlon = HALF_KM / (111.2 * math.cos(math.radians(CENTRE[0])))
    return CENTRE[1] - dlon, CENTRE[0] - dlat, CENTRE[1] + dlon, CENTRE[0] + dlat  # minx, miny, maxx, maxy


def make_zones(count: int, rng: random.Random) -> list[ZoneShape]:
    minx, miny, maxx, maxy = city_box()
    base = max(1, round(count / 1.12))
    side = math.ceil(math.sqrt(base))
    seeds = []
    for i in range(side):
        for j in range(side):
            if len(seeds) == base:
                break
            x = minx + (i + 0.5 + rng.uniform(-0.35, 0.35)) * (maxx - minx) / side
            y = miny + (j + 0.5 + rng.uniform(-0.35, 0.35)) * (maxy - miny) / side
            seeds.append((x, y))
    city = box(minx, miny, maxx, maxy)
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=city)
    zones = []
    for n, cell in enumerate(cells.geoms, start=1):
        part = cell.intersection(city)
        if part.is_empty or part.area <= 0:
            continue
        zones.append(ZoneShape(n, to_geojson(shapely.set_precision(part, 1e-7)), 0))
    extra = count - len(zones)
    for k in range(max(0, extra)):
        cx, cy = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        r = rng.uniform(0.004, 0.02)
        ring = [(cx + r * 1.7 * math.cos(a), cy + r * math.sin(a)) for a in
                (2 * math.pi * t / 10 for t in range(10))]
        district = shapely.Polygon(ring)
        zones.append(ZoneShape(100_000 + k, to_geojson(district), 5))
    return zones[:count]


def points(n: int, rng: random.Random) -> list[tuple[float, float]]:
    minx, miny, maxx, maxy = city_box()
    padx, pady = (maxx - minx) * 0.05, (maxy - miny) * 0.05
    return [(rng.uniform(miny - pady, maxy + pady), rng.uniform(minx - padx, maxx + padx)) for _ in range(n)]


def rate(fn, pts) -> tuple[float, list]:
    started = time.perf_counter()
    answers = [fn(lat, lon) for lat, lon in pts]
    return len(pts) / (time.perf_counter() - started), answers


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--zones", type=int, default=1000)
    ap.add_argument("--points", type=int, default=20_000)
    ap.add_argument("--naive-points", type=int, default=2_000)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    zones = make_zones(args.zones, rng)
    started = time.perf_counter()
    index = ZoneIndex(zones)
    build_s = time.perf_counter() - started
    plain = plain_shapes(zones)
    sample = points(args.points, rng)
    index.lookup(*sample[0])  # the first test of each prepared shape builds its edge index: warm it like a server
    for lat, lon in sample[: min(len(sample), 5000)]:
        index.lookup(lat, lon)
    indexed_rate, indexed = rate(index.lookup, sample)
    started = time.perf_counter()
    batch = index.lookup_many(sample)
    batch_rate = len(sample) / (time.perf_counter() - started)
    naive_sample = sample[: args.naive_points]
    naive_rate, naive = rate(lambda la, lo: naive_lookup(plain, la, lo), naive_sample)
    mismatches = sum(1 for a, b in zip(indexed, naive, strict=False) if a != b) + sum(
        1 for a, b in zip(indexed, batch, strict=True) if a != b)
    inside = sum(1 for a in indexed if a is not None)
    vertices = sum(len(shapely.get_coordinates(g)) for _, g, _ in plain)
    print(f"zones: {len(zones)} ({vertices} vertices; {sum(1 for z in zones if z.priority)} overlapping districts), "
          f"index built in {build_s * 1000:.0f} ms")
    print(f"points: {len(sample)} ({inside / len(sample):.0%} inside a zone)")
    print(f"STRtree + prepared: {indexed_rate:,.0f} lookups/s  ({1e6 / indexed_rate:.1f} µs each)")
    print(f"STRtree, batch:     {batch_rate:,.0f} lookups/s  (lookup_many over all {len(sample)} points at once)")
    print(f"naive loop:         {naive_rate:,.0f} lookups/s  ({1e6 / naive_rate:.1f} µs each, "
          f"{len(naive_sample)} points)")
    print(f"ratio: one by one {indexed_rate / naive_rate:.0f}× the naive loop, batch {batch_rate / naive_rate:.0f}×; "
          f"mismatches: {mismatches} (index vs naive on {len(naive_sample)} points, batch vs one by one on "
          f"{len(sample)})")
    return 1 if mismatches else 0


if __name__ == "__main__":
    raise SystemExit(main())
