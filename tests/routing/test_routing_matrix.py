"""Matrix providers: the haversine estimate, and OsrmMatrix against a loopback server that answers like OSRM."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from server.routing.matrix import HaversineMatrix, MatrixError, OsrmMatrix, haversine_m, matrix_provider
from server.routing.problem import Point

pytestmark = pytest.mark.db_free

KREMLIN = Point(55.7520, 37.6175)
MGU = Point(55.7033, 37.5302)        # Moscow State University main building, ~7.4 km away


class FakeOsrm(BaseHTTPRequestHandler):
    mode = "ok"
    seen: list[str] = []

    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):  # noqa: N802 (http.server's name)
        FakeOsrm.seen.append(self.path)
        url = urlsplit(self.path)   # not urlparse: it cuts the path at ";"
        parts = url.path.split("/")          # /table/v1/driving/lon,lat;lon,lat
        coords = [tuple(map(float, c.split(","))) for c in parts[4].split(";")]
        n = len(coords)
        if FakeOsrm.mode == "slow":
            time.sleep(1.0)
        if FakeOsrm.mode == "500":
            return self._send(500, b"internal error")
        if FakeOsrm.mode == "garbage":
            return self._send(200, b"<html>not json</html>")
        if FakeOsrm.mode == "refused":
            return self._send(400, json.dumps({"code": "InvalidQuery", "message": "Query string malformed"}))
        if parse_qs(url.query).get("annotations") != ["distance,duration"]:
            return self._send(400, json.dumps({"code": "InvalidOptions"}))
        dist = [[abs(i - j) * 1000.4 for j in range(n)] for i in range(n)]
        dur = [[abs(i - j) * 100.6 for j in range(n)] for i in range(n)]
        if FakeOsrm.mode == "null":
            dist[0][1] = None
        if FakeOsrm.mode == "short":
            dur = dur[:-1]
        body = {"code": "Ok", "distances": dist, "durations": dur,
                "sources": [{"location": list(c)} for c in coords]}
        self._send(200, json.dumps(body))

    def _send(self, status, body):
        body = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def osrm():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOsrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeOsrm.mode, FakeOsrm.seen = "ok", []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_haversine_is_great_circle_times_road_factor_at_average_speed():
    assert 7_000 < haversine_m(KREMLIN, MGU) < 7_800
    one_degree = haversine_m(Point(55.0, 37.0), Point(56.0, 37.0))
    assert abs(one_degree - 111_195) < 100
    dist, times = HaversineMatrix().compute([KREMLIN, MGU, KREMLIN])
    assert dist[0][0] == 0 and dist[0][2] == 0 and dist[0][1] == dist[1][0]
    assert dist[0][1] == round(haversine_m(KREMLIN, MGU) * 1.3)
    assert times[0][1] == round(dist[0][1] / (25 / 3.6))
    d2, t2 = HaversineMatrix(road_factor=1.0, speed_kmh=50).compute([KREMLIN, MGU])
    assert d2[0][1] == round(haversine_m(KREMLIN, MGU)) and t2[0][1] == round(d2[0][1] / (50 / 3.6))
    with pytest.raises(ValueError):
        HaversineMatrix(speed_kmh=0)


async def test_haversine_table_is_the_async_face_of_compute():
    assert await HaversineMatrix().table([KREMLIN, MGU]) == HaversineMatrix().compute([KREMLIN, MGU])


async def test_osrm_table_is_read_from_the_service(osrm):
    dist, dur = await OsrmMatrix(osrm).table([KREMLIN, MGU, Point(55.8, 37.7)])
    assert dist == [[0, 1000, 2001], [1000, 0, 1000], [2001, 1000, 0]]
    assert dur[0][2] == 201
    path = FakeOsrm.seen[-1]
    assert path.startswith("/table/v1/driving/37.617500,55.752000;37.530200,55.703300;")  # lon,lat order
    assert "annotations=distance%2Cduration" in path or "annotations=distance,duration" in path


async def test_osrm_one_point_needs_no_request(osrm):
    assert await OsrmMatrix(osrm).table([KREMLIN]) == ([[0]], [[0]])
    assert FakeOsrm.seen == []


@pytest.mark.parametrize(("mode", "words"), [("500", "HTTP 500"), ("garbage", "not JSON"),
                                             ("refused", "InvalidQuery"), ("null", "no route"),
                                             ("short", "durations")])
async def test_osrm_bad_answers_raise_matrix_error(osrm, mode, words):
    FakeOsrm.mode = mode
    with pytest.raises(MatrixError, match=words):
        await OsrmMatrix(osrm).table([KREMLIN, MGU])


async def test_osrm_timeout_and_unreachable_raise_matrix_error(osrm):
    FakeOsrm.mode = "slow"
    with pytest.raises(MatrixError, match="did not answer"):
        await OsrmMatrix(osrm, timeout_s=0.2).table([KREMLIN, MGU])
    with pytest.raises(MatrixError, match="cannot be reached"):
        await OsrmMatrix("http://127.0.0.1:9", timeout_s=2).table([KREMLIN, MGU])


def test_matrix_provider_follows_the_environment(monkeypatch):
    monkeypatch.delenv("KLADOVKA_OSRM_URL", raising=False)
    assert isinstance(matrix_provider(), HaversineMatrix)
    monkeypatch.setenv("KLADOVKA_OSRM_URL", "http://osrm.local:5000/")
    provider = matrix_provider()
    assert isinstance(provider, OsrmMatrix) and provider.base_url == "http://osrm.local:5000"
