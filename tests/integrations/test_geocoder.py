"""The Nominatim-compatible geocoder adapter against a fake HTTP transport: a found address, nothing
found, the service failing or answering nonsense — never an exception, "not found" instead. And the
default: no geocoder configured, no network. Pure (no database): the SQLite pass only."""

from __future__ import annotations

import httpx
import pytest

from server.domain.zones.geocoding import NullGeocoder, geocoder, geocoder_configured, use_geocoder
from server.integrations.geocoder import NominatimGeocoder

pytestmark = pytest.mark.db_free


def _adapter(handler) -> NominatimGeocoder:
    return NominatimGeocoder("http://geo.test/", transport=httpx.MockTransport(handler), user_agent="test-agent")


async def test_found_address_gives_the_point_and_asks_politely():
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["url"], seen["agent"] = request.url, request.headers["user-agent"]
        return httpx.Response(200, json=[{"lat": "55.7650", "lon": "37.6050", "display_name": "Тверская, Москва"}])

    point = await _adapter(handler).geocode("  Москва,   ул. Тверская, д. 1 ")
    assert (point.lat, point.lon, point.label) == (55.765, 37.605, "Тверская, Москва")
    assert seen["url"].path == "/search" and seen["url"].params["q"] == "Москва, ул. Тверская, д. 1"
    assert seen["url"].params["format"] == "jsonv2" and seen["agent"] == "test-agent"


@pytest.mark.parametrize("answer", [
    httpx.Response(200, json=[]),
    httpx.Response(500, text="down"),
    httpx.Response(200, text="<html>not json"),
    httpx.Response(200, json=[{"lat": "north", "lon": "37"}]),
    httpx.Response(200, json=[{"lat": "155", "lon": "37"}]),
    httpx.Response(200, json={"error": "Unable to geocode"}),
])
async def test_failures_and_nonsense_are_not_found(answer):
    assert await _adapter(lambda request: answer).geocode("Москва") is None


async def test_a_timeout_is_not_found():
    def handler(request):
        raise httpx.ConnectTimeout("slow", request=request)

    assert await _adapter(handler).geocode("Москва") is None
    assert await _adapter(handler).geocode("   ") is None


async def test_by_default_there_is_no_geocoder(monkeypatch):
    monkeypatch.delenv("KLADOVKA_GEOCODER_URL", raising=False)
    use_geocoder(None)
    assert isinstance(geocoder(), NullGeocoder) and not geocoder_configured()
    assert await geocoder().geocode("Москва, ул. Тверская, д. 1") is None
    monkeypatch.setenv("KLADOVKA_GEOCODER_URL", "http://geo.test")
    use_geocoder(None)
    assert isinstance(geocoder(), NominatimGeocoder) and geocoder_configured()
    use_geocoder(None)
    monkeypatch.delenv("KLADOVKA_GEOCODER_URL")
    assert isinstance(geocoder(), NullGeocoder)
