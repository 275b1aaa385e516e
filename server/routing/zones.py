"""Delivery zones as shapes: GeoJSON geometry checked with reasons a person can act on, and an index
that finds the zone of a point among thousands quickly.

Pure Python + shapely (no Piccolo, no Litestar). GeoJSON positions are [lon, lat]; `lookup` takes
(lat, lon) as people say it. A point on a zone's border belongs to the zone (`covers`).

Overlapping zones: the one with the higher `priority` wins, then the smaller area (a district cut
out of a larger zone), then the lower id (so the answer never depends on the order of loading).

The index: an STRtree over the zones' bounding boxes narrows a lookup to the few zones whose box
holds the point; each candidate is tested with a prepared geometry (shapely.prepare), whose first
test builds an internal index of its edges. `naive_lookup` loops over every zone with no index —
the baseline of bench/zones.py and the reference of the property test.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from server.errors import ValidationFailed

GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
MAX_POSITIONS = 20_000  # per zone: far more than any hand-drawn or exported city district
# Reasons GEOS gives (shapely.is_valid_reason) → our msgid; the location "[x y]" becomes lon, lat.
_REASONS = [
    ("Ring Self-intersection", "The zone's outline crosses itself near %(lat)s, %(lon)s (lat, lon)"),
    ("Self-intersection", "The zone's outline crosses itself near %(lat)s, %(lon)s (lat, lon)"),
    ("Hole lies outside shell", "A hole of the zone lies outside its outline, near %(lat)s, %(lon)s (lat, lon)"),
    ("Interior is disconnected", "The zone falls apart into pieces near %(lat)s, %(lon)s (lat, lon): "
                                 "draw them as separate polygons"),
    ("Nested shells", "One polygon of the zone lies inside another near %(lat)s, %(lon)s (lat, lon)"),
    ("Nested holes", "One hole of the zone lies inside another near %(lat)s, %(lon)s (lat, lon)"),
    ("Duplicate Rings", "The zone repeats the same outline twice near %(lat)s, %(lon)s (lat, lon)"),
    ("Too few points", "A part of the zone has too few distinct points near %(lat)s, %(lon)s (lat, lon)"),
]
_LOCATION = re.compile(r"\[\s*(-?[\d.eE+-]+)\s+(-?[\d.eE+-]+)\s*\]")


@dataclass(frozen=True)
class ZoneShape:
    id: int
    geometry: dict  # GeoJSON Polygon / MultiPolygon, [lon, lat]
    priority: int = 0


def _problem(message: str, field: str, **params) -> ValidationFailed:
    return ValidationFailed(message, field=field, **params)


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _ring_problems(ring, where: str, field: str) -> list[ValidationFailed]:
    if not isinstance(ring, list) or not all(isinstance(p, list | tuple) for p in ring):
        return [_problem("The outline %(where)s is not a list of [lon, lat] points", field, where=where)]
    problems: list[ValidationFailed] = []
    for n, p in enumerate(ring, start=1):
        if len(p) < 2 or not _number(p[0]) or not _number(p[1]):
            return [_problem("Point %(n)s of the outline %(where)s is not a pair of numbers [lon, lat]", field,
                             n=n, where=where)]
        lon, lat = p[0], p[1]
        if not -90 <= lat <= 90:
            hint = -90 <= lon <= 90 and -180 <= lat <= 180
            problems.append(_problem(
                "Point %(n)s of the outline %(where)s has latitude %(lat)s, out of range −90…90: GeoJSON gives "
                "[lon, lat], the numbers seem swapped" if hint else
                "Point %(n)s of the outline %(where)s has latitude %(lat)s, out of range −90…90", field,
                n=n, where=where, lat=lat))
        elif not -180 <= lon <= 180:
            problems.append(_problem("Point %(n)s of the outline %(where)s has longitude %(lon)s, out of range "
                                     "−180…180", field, n=n, where=where, lon=lon))
        if len(problems) >= 3:
            break
    if problems:
        return problems
    distinct = {(p[0], p[1]) for p in ring}
    if len(distinct) < 3:
        return [_problem("The outline %(where)s has %(n)s distinct points; a zone needs at least 3", field,
                         where=where, n=len(distinct))]
    if (ring[0][0], ring[0][1]) != (ring[-1][0], ring[-1][1]):
        return [_problem("The outline %(where)s is not closed: its last point must repeat the first one", field,
                         where=where)]
    return []


def _structure_problems(geometry, field: str) -> list[ValidationFailed]:
    if not isinstance(geometry, dict):
        return [_problem("The zone's geometry must be a GeoJSON object", field)]
    kind = geometry.get("type")
    if kind not in GEOMETRY_TYPES:
        return [_problem("The zone's geometry must be a Polygon or MultiPolygon, not %(type)s", field,
                         type=str(kind)[:40])]
    coords = geometry.get("coordinates")
    polygons = [coords] if kind == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons or (kind == "MultiPolygon" and not all(
            isinstance(p, list) for p in polygons)):
        return [_problem("The zone's geometry has no coordinates", field)]
    problems: list[ValidationFailed] = []
    total = 0
    for i, rings in enumerate(polygons, start=1):
        if not isinstance(rings, list) or not rings:
            problems.append(_problem("Polygon %(n)s of the zone has no outline", field, n=i))
            continue
        for j, ring in enumerate(rings):
            where = (f"{i}" if kind == "MultiPolygon" else "") + ("" if j == 0 else f" (hole {j})")
            where = where.strip() or "1"
            problems += _ring_problems(ring, where, field)
            total += len(ring) if isinstance(ring, list) else 0
    if total > MAX_POSITIONS:
        problems.append(_problem("The zone has %(n)s points; at most %(max)s are accepted", field, n=total,
                                 max=MAX_POSITIONS))
    return problems


def _validity_problem(geom: BaseGeometry, field: str) -> ValidationFailed | None:
    reason = shapely.is_valid_reason(geom)
    if reason == "Valid Geometry":
        return None
    found = _LOCATION.search(reason or "")
    lon, lat = (round(float(found.group(1)), 6), round(float(found.group(2)), 6)) if found else ("?", "?")
    for prefix, message in _REASONS:
        if (reason or "").startswith(prefix):
            return _problem(message, field, lat=lat, lon=lon)
    return _problem("The zone's geometry is not valid: %(reason)s", field, reason=(reason or "")[:200])


def parse_geometry(geometry, *, field: str = "geometry", near: tuple[float, float] | None = None) -> BaseGeometry:
    """A GeoJSON Polygon/MultiPolygon (a dict or its JSON text) → a valid shapely geometry, or
    ValidationFailed with every problem found (field `field`). `near` (lat, lon), e.g. the shop's
    city: a zone whose centre is far from it while the swapped numbers land near it is refused as
    [lat, lon] given instead of [lon, lat]."""
    if isinstance(geometry, str):
        try:
            geometry = json.loads(geometry)
        except ValueError:
            raise ValidationFailed("The zone's geometry is not valid JSON", field=field) from None
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
    problems = _structure_problems(geometry, field)
    if problems:
        raise _all(problems)
    geom = shape(geometry)
    problem = _validity_problem(geom, field)
    if problem is not None:
        raise _all([problem])
    if geom.area <= 0:
        raise _all([_problem("The zone has no area: its points lie on one line", field)])
    if near is not None:
        swapped = _swapped_problem(geom, near, field)
        if swapped is not None:
            raise _all([swapped])
    return geom


def _swapped_problem(geom: BaseGeometry, near: tuple[float, float], field: str) -> ValidationFailed | None:
    c = geom.centroid
    here = _km(near, (c.y, c.x))
    flipped = _km(near, (c.x, c.y))
    if here > 500 and flipped < 200:
        return _problem("The zone lies %(km)s km away from the shop, but would be in town with the numbers "
                        "swapped: GeoJSON gives [lon, lat]", field, km=round(here))
    return None


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _all(problems: list[ValidationFailed]) -> ValidationFailed:
    if len(problems) == 1:
        return problems[0]
    return ValidationFailed("The zone's geometry has %(n)s problems", field=problems[0].field, problems=problems,
                            n=len(problems))


def validate_geometry(geometry, *, field: str = "geometry", near: tuple[float, float] | None = None) -> dict:
    """The geometry as normalised GeoJSON (a dict), after `parse_geometry`'s checks."""
    return to_geojson(parse_geometry(geometry, field=field, near=near))


def to_geojson(geom: BaseGeometry) -> dict:
    """Plain lists (not tuples) so the result is JSON-equal to what was stored."""
    return json.loads(shapely.to_geojson(geom))


class ZoneIndex:
    """The zones of a shop, ready for point lookups. Built once per change of the zones."""

    def __init__(self, zones: Iterable[ZoneShape]):
        self.ids: list[int] = []
        self.geoms: list[BaseGeometry] = []
        self._rank: list[tuple[int, float, int]] = []  # sort key: −priority, area, id
        for z in zones:
            geom = shape(z.geometry)
            if geom.is_empty:
                continue
            shapely.prepare(geom)
            self.ids.append(z.id)
            self.geoms.append(geom)
            self._rank.append((-int(z.priority), geom.area, z.id))
        self.tree = shapely.STRtree(self.geoms)

    def __len__(self) -> int:
        return len(self.ids)

    def candidates(self, lat: float, lon: float) -> list[int]:
        """Every zone holding the point, best first."""
        if not self.geoms or not (_number(lat) and _number(lon)):
            return []
        # a point intersects a polygon exactly when the polygon covers it (border included)
        found = [int(i) for i in self.tree.query(Point(lon, lat))
                 if shapely.intersects_xy(self.geoms[int(i)], lon, lat)]
        if len(found) > 1:
            found.sort(key=self._rank.__getitem__)
        return [self.ids[i] for i in found]

    def lookup(self, lat: float | None, lon: float | None) -> int | None:
        """The id of the zone of the point (lat, lon), or None when no zone holds it."""
        if lat is None or lon is None:
            return None
        best = self.candidates(lat, lon)
        return best[0] if best else None


    def lookup_many(self, points: list[tuple[float | None, float | None]]) -> list[int | None]:
        """`lookup` for many (lat, lon) points at once, in one vectorised tree query (re-assigning every
        open order, a planning map): the same answers, much less Python per point."""
        answers: list[int | None] = [None] * len(points)
        usable = [n for n, (lat, lon) in enumerate(points) if lat is not None and lon is not None
                  and _number(lat) and _number(lon)]
        if not usable or not self.geoms:
            return answers
        geoms = shapely.points([(points[n][1], points[n][0]) for n in usable])
        best: dict[int, int] = {}
        for i, j in zip(*self.tree.query(geoms, predicate="intersects").tolist(), strict=True):
            current = best.get(i)
            if current is None or self._rank[j] < self._rank[current]:
                best[i] = j
        for i, j in best.items():
            answers[usable[i]] = self.ids[j]
        return answers


def plain_shapes(zones: Iterable[ZoneShape]) -> list[tuple[int, BaseGeometry, int]]:
    """(id, unprepared geometry, priority) for `naive_lookup`."""
    return [(z.id, shape(z.geometry), int(z.priority)) for z in zones]


def naive_lookup(zones: list[tuple[int, BaseGeometry, int]], lat: float, lon: float) -> int | None:
    """Baseline over unprepared shapes (id, geometry, priority): a loop over all of them."""
    point = Point(lon, lat)
    best: tuple[tuple[int, float, int], int] | None = None
    for zone_id, geom, priority in zones:
        if geom.covers(point):
            key = (-priority, geom.area, zone_id)
            if best is None or key < best[0]:
                best = (key, zone_id)
    return None if best is None else best[1]
