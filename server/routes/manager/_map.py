"""The map settings every manager map uses (zones screen, order pin, delivery planning): the tile URL from
KLADOVKA_MAP_TILES — unset: OpenStreetMap's tile pattern; set but empty: no tiles (a blank background,
zones and points are still drawn) — and its attribution (KLADOVKA_MAP_ATTRIBUTION)."""

from __future__ import annotations

import os

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
DEFAULT_CENTRE = (55.751, 37.618)  # when there is nothing to fit the map to: Moscow, the demo shop's city


def map_settings() -> dict[str, str]:
    tiles = os.environ.get("KLADOVKA_MAP_TILES")
    url = OSM_TILES if tiles is None else tiles.strip()
    attribution = os.environ.get("KLADOVKA_MAP_ATTRIBUTION")
    if attribution is None:
        attribution = OSM_ATTRIBUTION if url == OSM_TILES else ""
    return {"tiles": url, "attribution": attribution.strip(),
            "centre": f"{DEFAULT_CENTRE[0]},{DEFAULT_CENTRE[1]}"}
