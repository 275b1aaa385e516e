"""The planning map's live stream (GET /manager/delivery/live, Server-Sent Events over
live_events.delivery_channel()): on the test's own event loop, as the order board's stream test does —
sign in, open the stream with raw ASGI (the test decides when the client goes), make the change through
the domain, deliver the outbox, read the event."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
from delivery_plan_helpers import delivery_day
from harness import login

from server.domain.delivery import planning
from server.domain.delivery.courier_day import record_position, start_route
from server.domain.delivery.live_events import delivery_channel
from server.domain.delivery.stop_actions import mark_stop
from server.domain.delivery.tables import DeliveryRoute, RouteStop
from server.domain.outbox.worker import run_once
from tests.routes.manager_helpers import form, sign_in

PATH = "/manager/delivery/live"


class Stream:
    """One open SSE request to the app, read as it arrives."""

    def __init__(self, app, cookie: str) -> None:
        self.app, self.cookie = app, cookie
        self.chunks: list[bytes] = []
        self.got, self.gone = asyncio.Event(), asyncio.Event()
        self.started: dict = {}

    async def _receive(self) -> dict:
        if "request" not in self.started:
            self.started["request"] = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: dict) -> None:
        if message["type"] == "http.response.start":
            self.started["status"] = message["status"]
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))
            self.got.set()

    def open(self) -> None:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": PATH, "raw_path": PATH.encode(), "root_path": "", "query_string": b"",
                 "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80),
                 "headers": [(b"host", b"127.0.0.1"), (b"accept", b"text/event-stream"),
                             (b"cookie", self.cookie.encode())]}
        self.task = asyncio.create_task(self.app(scope, self._receive, self._send))

    def text(self) -> str:
        return b"".join(self.chunks).decode()

    async def until(self, predicate) -> None:
        while not predicate(self.text()):
            self.got.clear()
            await asyncio.wait_for(self.got.wait(), timeout=10)

    def events(self) -> list[dict]:
        out, name = [], None
        for line in self.text().splitlines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: {\"") and name == "delivery":
                out.append(json.loads(line[6:]))
        return out

    async def close(self) -> None:
        self.gone.set()
        await asyncio.wait_for(self.task, timeout=10)


async def _deliver_outbox() -> None:
    while (await run_once()).claimed:
        pass


async def test_the_stream_sends_a_position_and_a_stop_change_and_unsubscribes_when_the_client_goes(app):
    day = await delivery_day(orders=2, couriers=1)
    await create_manager()
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", follow_redirects=True) as web:
            await login(web, "manager")
            plain = await web.get(PATH, follow_redirects=False)  # someone opening the address
            assert plain.status_code == 303 and plain.headers["location"] == "/manager/delivery"
            cookie = "; ".join(f"{k}={v}" for k, v in web.cookies.items())
        await planning.plan_day(day.day, day.warehouse, actor="manager", time_limit_s=1)
        await planning.publish_routes(day.day, day.warehouse, actor="manager")
        await _deliver_outbox()  # what happened before the map opened is not this test's
        route = await DeliveryRoute.select(DeliveryRoute.id).first()
        stop = await RouteStop.select(RouteStop.id).where(RouteStop.route == route["id"]).order_by(RouteStop.seq).first()

        stream = Stream(app, cookie)
        stream.open()
        await stream.until(lambda text: "event: ready" in text)
        assert stream.started["status"] == 200
        assert "event: delivery" not in stream.text()

        await record_position("courier1", 55.7211, 37.6612, 9.0, None)
        await _deliver_outbox()
        def mine(kind: str, key: str, value) -> list[dict]:  # Redis may carry other runs' news
            return [e for e in stream.events() if e["kind"] == kind and e.get(key) == value]

        await stream.until(lambda _text: mine("position", "lat", 55.7211))
        (position,) = mine("position", "lat", 55.7211)
        assert (position["courier_id"], position["lon"]) == (day.couriers["courier1"], 37.6612)

        await start_route(route["id"], actor="courier1")
        await mark_stop(stop["id"], "arrived", actor="courier1", client_uuid=str(uuid.uuid4()))
        await _deliver_outbox()
        await stream.until(lambda _text: mine("stop_changed", "stop_id", stop["id"]))
        (changed,) = mine("stop_changed", "stop_id", stop["id"])
        assert (changed["route_id"], changed["status"]) == (route["id"], "arrived")

        await stream.close()
        from litestar.channels import ChannelsPlugin

        assert not app.plugins.get(ChannelsPlugin)._channels.get(delivery_channel())  # unsubscribed


async def test_only_managers_and_the_owner_hear_the_stream(client):
    for role in ("cashier", "picker", "courier"):
        await sign_in(client, role, username=f"{role}-live")
        refused = await client.get(PATH, headers={"Accept": "text/event-stream"}, follow_redirects=False)
        assert refused.status_code == 403, role
        await client.post("/logout", data=form(client))
    anonymous = await client.get(PATH, headers={"Accept": "text/event-stream"}, follow_redirects=False)
    assert anonymous.status_code in (302, 303, 401) and anonymous.status_code != 200


async def create_manager() -> None:
    from server.domain.users.accounts import create_user

    await create_user("manager", "demo", ["manager"])
