"""The courier app's live stream (GET /courier/live/{courier_id}, Server-Sent Events over
live_events.courier_channel()): the manager publishing the routes and moving an order away from the
courier reach the courier's own stream (through the outbox, as the planning map's stream test does: open
the stream with raw ASGI on the test's event loop, change through the domain, deliver the outbox, read);
another courier, the owner and anonymous users are refused; the pages carry the stream's address."""

from __future__ import annotations

import httpx
from delivery_plan_helpers import delivery_day
from harness import login

from server.domain.delivery import planning
from server.domain.delivery.live_events import courier_channel
from server.domain.delivery.tables import DeliveryRoute, RouteStop
from server.domain.outbox.worker import run_once
from tests.planning_clock import morning_planning  # noqa: F401  (autouse: plans at any hour)
from tests.routes.courier_helpers import two_couriers_day
from tests.routes.manager_helpers import form, sign_in
from tests.routes.sse_stream import Stream


async def _deliver_outbox() -> None:
    while (await run_once()).claimed:
        pass


async def test_publishing_and_moving_an_order_away_reach_the_couriers_own_stream(app):
    day = await delivery_day(orders=2, couriers=2)
    await planning.plan_day(day.day, day.warehouse, actor="manager", time_limit_s=1)
    routes = await DeliveryRoute.select(DeliveryRoute.id, DeliveryRoute.courier).order_by(DeliveryRoute.id)
    mine = routes[0]  # the courier the solver gave orders to
    login_of = {cid: name for name, cid in day.couriers.items()}
    me, other = mine["courier"], next(cid for cid in day.couriers.values() if cid != mine["courier"])
    path = f"/courier/live/{me}"
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", follow_redirects=True) as web:
            await login(web, login_of[me])
            plain = await web.get(path, follow_redirects=False)  # someone opening the address
            assert plain.status_code == 303 and plain.headers["location"] == "/courier/"
            page = await web.get("/courier/")  # no route published yet: the page listens all the same
            assert f'data-live-url="{path}"' in page.text and 'data-testid="no-route"' in page.text
            cookie = "; ".join(f"{k}={v}" for k, v in web.cookies.items())
        await _deliver_outbox()  # the plan's own news is not this test's

        stream = Stream(app, path, cookie, event="route")
        stream.open()
        await stream.until(lambda text: "event: ready" in text)
        assert stream.started["status"] == 200 and "event: route" not in stream.text()

        def heard(kind: str) -> list[dict]:  # Redis may carry other runs' news: this route's only
            return [e for e in stream.events() if e["kind"] == kind and e.get("courier_id") == me]

        await planning.publish_routes(day.day, day.warehouse, actor="manager")
        await _deliver_outbox()
        await stream.until(lambda _text: heard("route_published"))
        (published,) = heard("route_published")
        assert (published["route_id"], published["change"]) == (mine["id"], "published")

        stop = await RouteStop.select(RouteStop.order).where(RouteStop.route == mine["id"]).first()
        await planning.move_order(stop["order"], other, actor="manager", time_limit_s=1)
        await _deliver_outbox()
        await stream.until(lambda _text: heard("route_changed"))
        (changed,) = heard("route_changed")
        assert (changed["route_id"], changed["change"]) == (mine["id"], "replanned")
        assert await RouteStop.count().where((RouteStop.route == mine["id"]) & (RouteStop.order == stop["order"])) == 0

        await stream.close()
        from litestar.channels import ChannelsPlugin

        assert not app.plugins.get(ChannelsPlugin)._channels.get(courier_channel(me))  # unsubscribed


async def test_only_the_courier_themself_hears_their_stream(client):
    day = await two_couriers_day()
    routes = {r["courier"] for r in await DeliveryRoute.select(DeliveryRoute.courier)}
    assert len(routes) == 2
    await login(client, "courier")
    page = await client.get(f"/courier/stop/{day.stops['courier'][0].id}")
    mine = int(page.text.split('data-live-url="/courier/live/')[1].split('"')[0])
    (theirs,) = routes - {mine}
    refused = await client.get(f"/courier/live/{theirs}", headers={"Accept": "text/event-stream"},
                               follow_redirects=False)
    assert refused.status_code == 403 and "свой маршрут" in refused.text
    await client.post("/logout", data=form(client))
    anonymous = await client.get(f"/courier/live/{mine}", headers={"Accept": "text/event-stream"},
                                 follow_redirects=False)
    assert anonymous.status_code in (302, 303, 401) and anonymous.status_code != 200
    for role in ("owner", "manager", "picker"):  # the owner may open the app, but is nobody's courier
        await sign_in(client, role, username=f"{role}-live")
        answer = await client.get(f"/courier/live/{mine}", headers={"Accept": "text/event-stream"},
                                  follow_redirects=False)
        assert answer.status_code == 403, role
        await client.post("/logout", data=form(client))


def _signature(html: str) -> str:
    return html.split('data-route-sig="')[1].split('"')[0]


async def test_the_route_pages_signature_changes_with_the_route_and_only_then(client):
    """What the page script compares after a live message (or a poll) to decide «Маршрут изменён»."""
    day = await two_couriers_day()
    await login(client, "courier")
    first = _signature((await client.get("/courier/")).text)
    assert first.startswith(f"{day.routes['courier']}.published|") and first.count("|") == 3
    assert _signature((await client.get("/courier/")).text) == first  # read again: the same
    await RouteStop.update({RouteStop.seq: 9}).where(RouteStop.id == day.stops["courier"][0].id)  # a re-plan
    assert _signature((await client.get("/courier/")).text) != first
