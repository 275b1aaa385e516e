"""An address → point adapter for a Nominatim-compatible search API (OpenStreetMap's Nominatim, or one
the shop runs itself; no paid API, no key). Configured with KLADOVKA_GEOCODER_URL (e.g.
https://nominatim.openstreetmap.org — mind its usage policy: at most one request a second and a real
User-Agent, KLADOVKA_GEOCODER_USER_AGENT). Unset: server/domain/zones/geocoding.NullGeocoder, no network.

GET {base}/search?q=<address>&format=jsonv2&limit=1[&countrycodes=ru] → [{"lat": "55.7", "lon": "37.6",
"display_name": "…"}]. Any failure (timeout, HTTP error, a body that is not that) is "not found": the
manager then places the pin by hand. Never raises for the caller.
"""

from __future__ import annotations

import logging
import math

import httpx

from server.domain.zones.geocoding import GeoPoint

log = logging.getLogger(__name__)


class NominatimGeocoder:
    def __init__(self, base_url: str, *, user_agent: str = "Kladovka shop server", timeout_s: float = 5.0,
                 countrycodes: str = "ru", transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.user_agent = user_agent
        self.timeout_s = timeout_s
        self.countrycodes = countrycodes
        self.transport = transport

    async def geocode(self, address: str) -> GeoPoint | None:
        address = " ".join((address or "").split())[:300]
        if not address:
            return None
        params = {"q": address, "format": "jsonv2", "limit": "1"}
        if self.countrycodes:
            params["countrycodes"] = self.countrycodes
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s, transport=self.transport,
                                         headers={"User-Agent": self.user_agent}) as client:
                response = await client.get(f"{self.base_url}/search", params=params)
                response.raise_for_status()
                found = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("geocoder %s: %s", self.base_url, exc)
            return None
        if not isinstance(found, list) or not found or not isinstance(found[0], dict):
            return None
        try:
            lat, lon = float(found[0]["lat"]), float(found[0]["lon"])
        except (KeyError, TypeError, ValueError):
            return None
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            return None
        return GeoPoint(lat=lat, lon=lon, label=str(found[0].get("display_name") or "")[:300])
