"""The planning map's live stream (GET /manager/delivery/live, Server-Sent Events over
live_events.delivery_channel()): on the test's own event loop, as the order board's stream test does —
sign in, open the stream with raw ASGI (the test decides when the client goes), make the change through
the domain, deliver the outbox, read the event."""

from __future__ import annotations

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
from tests.planning_clock import morning_planning  # noqa: F401  (autouse: plans at any hour)
from tests.routes.manager_helpers import form, sign_in
from tests.routes.sse_stream import Stream

PATH = "/manager/delivery/live"


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

        stream = Stream(app, PATH, cookie, event="delivery")
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
