"""Distance and travel-time matrices between points.

`matrix_provider()` is what callers use: an OSRM-compatible `table` service when the environment variable
KLADOVKA_OSRM_URL is set (e.g. http://127.0.0.1:5000), else the offline haversine estimate. A caller that wants
to survive an OSRM outage catches `MatrixError` and falls back to `HaversineMatrix()`.
"""

from __future__ import annotations

import math
import os
from typing import Protocol

import httpx

from server.routing.problem import Point

EARTH_RADIUS_M = 6_371_008.8


class MatrixError(Exception):
    """The matrix service did not give a usable answer (timeout, HTTP error, malformed or partial table)."""


class MatrixProvider(Protocol):
    async def table(self, points: list[Point]) -> tuple[list[list[int]], list[list[int]]]:
        """(metres, seconds) between every pair of points, row = from, column = to."""
        ...


def haversine_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


class HaversineMatrix:
    """Offline estimate: great-circle distance × road_factor, driven at speed_kmh."""

    def __init__(self, road_factor: float = 1.3, speed_kmh: float = 25.0) -> None:
        if road_factor <= 0 or speed_kmh <= 0:
            raise ValueError("road_factor and speed_kmh must be positive")
        self.road_factor = road_factor
        self.speed_kmh = speed_kmh

    def compute(self, points: list[Point]) -> tuple[list[list[int]], list[list[int]]]:
        """The synchronous core of table() (also handy in benches and tests)."""
        mps = self.speed_kmh / 3.6
        n = len(points)
        dist = [[0] * n for _ in range(n)]
        time = [[0] * n for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                d = haversine_m(points[i], points[j]) * self.road_factor
                dist[i][j] = dist[j][i] = round(d)
                time[i][j] = time[j][i] = round(d / mps)
        return dist, time

    async def table(self, points: list[Point]) -> tuple[list[list[int]], list[list[int]]]:
        return self.compute(points)


class OsrmMatrix:
    """OSRM `table` service: GET {base}/table/v1/{profile}/{lon,lat;…}?annotations=distance,duration."""

    def __init__(self, base_url: str, *, profile: str = "driving", timeout_s: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.profile = profile
        self.timeout_s = timeout_s
        self._transport = transport

    def url(self, points: list[Point]) -> str:
        coords = ";".join(f"{p.lon:.6f},{p.lat:.6f}" for p in points)
        return f"{self.base_url}/table/v1/{self.profile}/{coords}"

    async def table(self, points: list[Point]) -> tuple[list[list[int]], list[list[int]]]:
        n = len(points)
        if n == 0:
            return [], []
        if n == 1:
            return [[0]], [[0]]
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s, transport=self._transport) as client:
                resp = await client.get(self.url(points), params={"annotations": "distance,duration"})
        except httpx.TimeoutException as exc:
            raise MatrixError(f"OSRM at {self.base_url} did not answer within {self.timeout_s:g} s") from exc
        except httpx.HTTPError as exc:
            raise MatrixError(f"OSRM at {self.base_url} cannot be reached: {exc}") from exc
        if resp.status_code != 200:
            raise MatrixError(f"OSRM at {self.base_url} answered HTTP {resp.status_code}: {resp.text[:200]}")
        try:
            body = resp.json()
        except ValueError as exc:
            raise MatrixError(f"OSRM at {self.base_url} answered something that is not JSON") from exc
        if not isinstance(body, dict) or body.get("code") != "Ok":
            code = body.get("code") if isinstance(body, dict) else None
            message = body.get("message", "") if isinstance(body, dict) else ""
            raise MatrixError(f"OSRM at {self.base_url} refused the table: {code} {message}".strip())
        return _square(body.get("distances"), n, "distances"), _square(body.get("durations"), n, "durations")


def _square(rows: object, n: int, what: str) -> list[list[int]]:
    if not isinstance(rows, list) or len(rows) != n:
        raise MatrixError(f"OSRM answer has no {n}×{n} '{what}' table")
    out: list[list[int]] = []
    for row in rows:
        if not isinstance(row, list) or len(row) != n:
            raise MatrixError(f"OSRM answer has no {n}×{n} '{what}' table")
        cells = []
        for value in row:
            if value is None:   # OSRM's "no route between these two points"
                raise MatrixError(f"OSRM found no route between some points ('{what}' has null)")
            if not isinstance(value, int | float) or value < 0 or not math.isfinite(value):
                raise MatrixError(f"OSRM answer has a bad value in '{what}': {value!r}")
            cells.append(round(value))
        out.append(cells)
    return out


def matrix_provider() -> MatrixProvider:
    """OsrmMatrix when KLADOVKA_OSRM_URL is set, else HaversineMatrix (road factor 1.3, 25 km/h)."""
    url = os.environ.get("KLADOVKA_OSRM_URL", "").strip()
    if url:
        return OsrmMatrix(url)
    return HaversineMatrix()
