"""What the planning map takes from the zones part of the app: the tile settings every manager map uses
(server/routes/manager/_map.py: KLADOVKA_MAP_TILES, empty → a blank background) and the delivery zones as
GeoJSON (server/domain/zones/geojson_io.zones_geojson)."""

from __future__ import annotations

from server.domain.zones.geojson_io import zones_geojson as _all_zones
from server.routes.manager._map import map_settings

__all__ = ["map_settings", "zones_geojson"]


async def zones_geojson(warehouse_id: int) -> dict | None:
    """The active zones serving this warehouse (a zone without a warehouse serves every one)."""
    collection = await _all_zones(warehouse_id, active_only=True)
    return collection if collection.get("features") else None
