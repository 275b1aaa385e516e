"""Address → point. The shop runs without any geocoder: addresses from the site come with coordinates,
and where they don't the manager places the pin on the order card. A geocoder can be plugged in
(server/integrations/geocoder.py would hold an HTTP adapter); no paid API is needed anywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class GeoPoint:
    lat: float
    lon: float
    label: str = ""  # the address as the geocoder understood it


class Geocoder(Protocol):
    async def geocode(self, address: str) -> GeoPoint | None:
        """The point of the address, or None when it is not found (never raises for "not found")."""
        ...


class NullGeocoder:
    """The default: knows no address, makes no network call."""

    async def geocode(self, address: str) -> GeoPoint | None:
        return None


_CURRENT: Geocoder | None = None


def geocoder() -> Geocoder:
    """The geocoder in use: one plugged in with use_geocoder, else the Nominatim-compatible adapter when
    KLADOVKA_GEOCODER_URL is set, else NullGeocoder."""
    global _CURRENT
    if _CURRENT is None:
        url = (os.environ.get("KLADOVKA_GEOCODER_URL") or "").strip()
        if url:
            from server.integrations.geocoder import NominatimGeocoder

            _CURRENT = NominatimGeocoder(url, user_agent=os.environ.get("KLADOVKA_GEOCODER_USER_AGENT")
                                         or "Kladovka shop server")
        else:
            _CURRENT = NullGeocoder()
    return _CURRENT


def use_geocoder(g: Geocoder | None) -> None:
    """Plugs a geocoder in (tests, an integration configured at start-up); None: back to the setting."""
    global _CURRENT
    _CURRENT = g


def geocoder_configured() -> bool:
    """Whether "find the address" can find anything (a geocoder other than NullGeocoder)."""
    return not isinstance(geocoder(), NullGeocoder)
