"""Property: the zone index (STRtree + prepared shapes) answers exactly what a loop over every zone
answers — overlaps (priority, then the smaller zone, then the lower id), borders and points outside
all included. Pure (no database): runs in the SQLite pass only."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.routing.zones import ZoneIndex, ZoneShape, naive_lookup, plain_shapes

pytestmark = pytest.mark.db_free

coord = st.integers(min_value=0, max_value=40)  # a grid of 0.005° steps: shared borders and corners happen


@st.composite
def zone(draw, zone_id: int) -> ZoneShape:
    x0, y0 = draw(coord), draw(coord)
    w, h = draw(st.integers(1, 20)), draw(st.integers(1, 20))
    kind = draw(st.sampled_from(["box", "triangle", "l-shape"]))
    step = 0.005
    x1, y1 = x0 + w, y0 + h
    if kind == "box":
        ring = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    elif kind == "triangle":
        ring = [(x0, y0), (x1, y0), (x0, y1)]
    else:
        mx, my = x0 + max(1, w // 2), y0 + max(1, h // 2)
        ring = [(x0, y0), (x1, y0), (x1, my), (mx, my), (mx, y1), (x0, y1)]
        if mx >= x1 or my >= y1:
            ring = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    coords = [[37.5 + x * step, 55.6 + y * step] for x, y in ring]
    geometry = {"type": "Polygon", "coordinates": [coords + [coords[0]]]}
    return ZoneShape(zone_id, geometry, draw(st.integers(-2, 2)))


@st.composite
def zones(draw) -> list[ZoneShape]:
    n = draw(st.integers(0, 25))
    return [draw(zone(i + 1)) for i in range(n)]


point = st.tuples(st.integers(-2, 62), st.integers(-2, 62)).map(lambda p: (55.6 + p[1] * 0.0025, 37.5 + p[0] * 0.0025))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(zones(), st.lists(point, min_size=1, max_size=40))
def test_index_lookup_equals_the_naive_loop(shapes, points):
    index = ZoneIndex(shapes)
    plain = plain_shapes(shapes)
    for lat, lon in points:
        assert index.lookup(lat, lon) == naive_lookup(plain, lat, lon), (lat, lon)
    assert index.lookup_many(points) == [index.lookup(lat, lon) for lat, lon in points]


def test_the_index_and_the_loop_agree_on_a_border_and_a_shared_corner():
    a = ZoneShape(1, {"type": "Polygon", "coordinates": [[[37.5, 55.6], [37.6, 55.6], [37.6, 55.7], [37.5, 55.7],
                                                           [37.5, 55.6]]]})
    b = ZoneShape(2, {"type": "Polygon", "coordinates": [[[37.6, 55.6], [37.7, 55.6], [37.7, 55.7], [37.6, 55.7],
                                                           [37.6, 55.6]]]}, priority=1)
    index = ZoneIndex([a, b])
    assert index.lookup(55.65, 37.6) == 2  # on the shared border: both cover it, the higher priority wins
    assert index.lookup(55.65, 37.55) == 1
    assert index.lookup(55.8, 37.55) is None
    assert index.lookup(None, 37.55) is None
    assert index.candidates(55.65, 37.6) == [2, 1]
    assert index.lookup_many([(55.65, 37.6), (None, 37.6), (55.8, 37.55), (55.65, 37.55)]) == [2, None, None, 1]
