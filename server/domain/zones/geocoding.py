"""Address → point. The shop runs without any geocoder: addresses from the site come with coordinates,
and where they don't the manager places the pin on the order card. A geocoder can be plugged in
(server/integrations/geocoder.py would hold an HTTP adapter); no paid API is needed anywhere.
"""

from __future__ import annotations

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


_CURRENT: Geocoder = NullGeocoder()


def geocoder() -> Geocoder:
    return _CURRENT


def use_geocoder(g: Geocoder) -> None:
    """Plugs a geocoder in (tests, an integration configured at start-up)."""
    global _CURRENT
    _CURRENT = g
