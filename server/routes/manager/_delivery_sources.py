"""What the planning map takes from the zones part of the app: the tile URL (setting KLADOVKA_MAP_TILES;
none: a blank background) and the warehouse's delivery zones as GeoJSON."""

from __future__ import annotations

import os


def map_settings() -> dict[str, str]:
    return {"tiles": (os.environ.get("KLADOVKA_MAP_TILES") or "").strip(),
            "attribution": (os.environ.get("KLADOVKA_MAP_ATTRIBUTION") or "").strip()}


async def zones_geojson(warehouse_id: int) -> dict | None:
    """The delivery zones as a GeoJSON FeatureCollection (None until zones exist)."""
    return None
