"""Zones for the tests: boxes around Moscow points, GeoJSON [lon, lat]."""

from __future__ import annotations

import json

from server.domain.zones.fields import ZoneInput
from server.domain.zones.zones import create_zone

CENTRE = (55.7558, 37.6173)  # lat, lon


def box(lat: float, lon: float, half: float = 0.05) -> dict:
    """A square (half-side in degrees) around (lat, lon) as a GeoJSON Polygon."""
    w, e, s, n = lon - half, lon + half, lat - half, lat + half
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


async def make_zone(name: str = "Центр", geometry: dict | None = None, **fields) -> int:
    return await create_zone(ZoneInput(name=name, geometry=geometry or box(*CENTRE), **fields), actor="test")


def collection(*features: dict) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False)


def feature(name: str, geometry: dict, **props) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": {"name": name, **props}}
