"""The courier's day: the own route only, leaving with it, every rule of marking a stop (replays, double
taps, somebody else's stop, payment first, failed → goods back, partial returns), the next customer's
ETA message, positions."""

from __future__ import annotations

import asyncio
import types
from datetime import UTC, datetime, timedelta

import pytest
from delivery_helpers import POINTS, PRICE, city, courier, new_uuid, packed, route
from stock_helpers import balance

from server.domain.delivery.courier_day import (
    courier_for_user,
    mark_stop,
    record_position,
    start_route,
    todays_route,
)
from server.domain.delivery.eta import eta_text, handle_eta, minutes_of
from server.domain.delivery.tables import CourierPosition, DeliveryRoute, RouteStop, StopAction
from server.domain.notify.providers import Providers, configure, providers
from server.domain.notify.tables import NotificationDelivery, PushSubscription
from server.domain.orders.edits import record_payment
from server.domain.orders.status import change_status
from server.domain.orders.tables import Order, OrderLine
from server.domain.outbox.tables import OutboxEvent
from server.domain.stock.tables import StockDocument
from server.errors import Conflict, NotFound, ValidationFailed
from server.routing.matrix import HaversineMatrix
from server.routing.problem import Point


async def _order(order_id: int) -> dict:
    return await Order.select().where(Order.id == order_id).first()


async def _stop(stop_id: int) -> dict:
    return await RouteStop.select().where(RouteStop.id == stop_id).first()


async def _events(topic: str) -> list[dict]:
    rows = await OutboxEvent.select(OutboxEvent.event_id, OutboxEvent.payload).where(OutboxEvent.topic == topic) \
        .order_by(OutboxEvent.id).output(load_json=True)
    return rows


async def _day(*, status: str = "started", orders: int = 3, method: str = "cash_on_delivery"):
    c = await city()
    await courier(c, "ivan")
    await courier(c, "petr")
    ids = [await packed(c, POINTS[i], qty=3, method=method, phone=f"+7916000000{i}") for i in range(orders)]
    other = await packed(c, POINTS[9])
    route_id, stops = await route(c, "ivan", ids, status="published")
    other_route, other_stops = await route(c, "petr", [other], status="published")
    if status == "started":
        await start_route(route_id, actor="ivan")
    return c, route_id, stops, ids, other_route, other_stops


async def test_a_courier_sees_only_their_own_published_route():
    c = await city()
    await courier(c, "ivan")
    await courier(c, "petr")
    a, b = await packed(c, POINTS[0]), await packed(c, POINTS[1])
    await route(c, "ivan", [a], status="draft")
    assert await todays_route("ivan") is None  # a draft is the manager's
    route_id, _ = await route(c, "ivan", [a, b])
    got = await todays_route("ivan")
    assert got["route"]["id"] == route_id and [s["order_id"] for s in got["stops"]] == [a, b]
    stop = got["stops"][0]
    assert stop["amount_due"] == 2 * PRICE and stop["items_count"] == 2 and stop["lat"] == POINTS[0][0]
    assert stop["lines"][0]["sku"] == "BEANS-1" and stop["contact_phone"]
    assert await todays_route("petr") is None and await todays_route("nobody") is None
    assert (await courier_for_user("ivan"))["username"] == "ivan"
    with pytest.raises(NotFound):
        await start_route(route_id, actor="petr")


async def test_starting_the_route_sends_the_orders_out_and_again_changes_nothing():
    c, route_id, stops, ids, *_ = await _day(status="published")
    cancelled = await packed(c, POINTS[5])
    await RouteStop.insert(RouteStop(route=route_id, order=cancelled, seq=9))
    await change_status(cancelled, "cancelled", actor="manager")
    got = await start_route(route_id, actor="ivan")
    assert got["route"]["status"] == "started" and got["skipped"] == [(await _order(cancelled))["number"]]
    assert [(await _order(i))["status"] for i in ids] == ["out_for_delivery"] * 3
    assert (await balance(c.variant, c.warehouse))["on_hand"] == 1000 - 9
    again = await start_route(route_id, actor="ivan")
    assert again["route"]["status"] == "started" and again["skipped"] == []
    assert await StockDocument.count().where(StockDocument.kind == "shipment") == 3


async def test_delivered_needs_the_payment_then_a_replay_and_a_double_tap_change_nothing():
    c, route_id, stops, ids, *_ = await _day()
    with pytest.raises(Conflict) as refused:
        await mark_stop(stops[0], "delivered", actor="ivan", client_uuid=new_uuid())
    assert "Take the payment first" in refused.value.message and refused.value.params["due"] == "1500.00"
    assert (await _stop(stops[0]))["status"] == "planned" and await StopAction.count() == 0
    await record_payment(ids[0], 3 * PRICE, "cash_on_delivery", actor="ivan")
    uid = new_uuid()
    first = await mark_stop(stops[0], "delivered", actor="ivan", client_uuid=uid)
    assert (first["status"], first["order_status"], first["replayed"]) == ("delivered", "delivered", False)
    replay = await mark_stop(stops[0], "delivered", actor="ivan", client_uuid=uid)
    assert replay["replayed"] is True and replay["status"] == "delivered"
    with pytest.raises(NotFound):  # another courier replaying that identifier learns nothing
        await mark_stop(stops[0], "delivered", actor="petr", client_uuid=uid)
    with pytest.raises(Conflict) as double:
        await mark_stop(stops[0], "delivered", actor="ivan", client_uuid=new_uuid())
    assert double.value.message == "Order %(number)s is already marked delivered"
    assert await StopAction.count() == 1
    assert (await _order(ids[0]))["status"] == "delivered"
    history = await Order.raw("SELECT COUNT(*) AS n FROM order_status_change WHERE \"order\" = {} AND "
                              "to_status = 'delivered'", ids[0])
    assert history[0]["n"] == 1


async def test_the_same_action_sent_twice_at_once_is_applied_once():
    c, route_id, stops, ids, *_ = await _day()
    uid = new_uuid()
    results = await asyncio.gather(*(mark_stop(stops[0], "arrived", actor="ivan", client_uuid=uid) for _ in range(2)))
    assert sorted(r["replayed"] for r in results) == [False, True]
    assert await StopAction.count() == 1


async def test_somebody_elses_stop_is_not_found_and_a_published_route_must_be_started():
    c, route_id, stops, ids, other_route, other_stops = await _day()
    for actor in ("petr", "nobody"):
        with pytest.raises(NotFound):
            await mark_stop(stops[0], "arrived", actor=actor, client_uuid=new_uuid())
    with pytest.raises(NotFound):
        await mark_stop(999999, "arrived", actor="ivan", client_uuid=new_uuid())
    with pytest.raises(Conflict) as not_started:
        await mark_stop(other_stops[0], "arrived", actor="petr", client_uuid=new_uuid())
    assert "Start the route first" in not_started.value.message
    with pytest.raises(ValidationFailed):
        await mark_stop(stops[0], "teleported", actor="ivan", client_uuid=new_uuid())
    with pytest.raises(ValidationFailed):
        await mark_stop(stops[0], "arrived", actor="ivan", client_uuid="")


async def test_failed_needs_a_reason_and_returns_the_order_with_its_goods():
    c, route_id, stops, ids, *_ = await _day()
    on_hand = (await balance(c.variant, c.warehouse))["on_hand"]
    with pytest.raises(ValidationFailed):
        await mark_stop(stops[1], "failed", actor="ivan", client_uuid=new_uuid())
    with pytest.raises(ValidationFailed) as no_comment:
        await mark_stop(stops[1], "failed", actor="ivan", client_uuid=new_uuid(), reason="other")
    assert no_comment.value.field == "comment"
    got = await mark_stop(stops[1], "failed", actor="ivan", client_uuid=new_uuid(), reason="not_home",
                          comment="Не открыли дверь")
    assert (got["status"], got["order_status"]) == ("failed", "returned")
    stop = await _stop(stops[1])
    assert (stop["fail_reason"], stop["comment"]) == ("not_home", "Не открыли дверь") and stop["done_at"]
    assert (await balance(c.variant, c.warehouse))["on_hand"] == on_hand + 3


async def test_partial_delivery_returns_lines_to_stock_shrinks_the_order_then_payment_and_delivered():
    c, route_id, stops, ids, *_ = await _day()
    on_hand = (await balance(c.variant, c.warehouse))["on_hand"]
    line = await OrderLine.select().where(OrderLine.order == ids[0]).first()
    with pytest.raises(Conflict):  # everything back is "failed", not partial
        await mark_stop(stops[0], "partial", actor="ivan", client_uuid=new_uuid(), returned_lines={line["id"]: 3})
    with pytest.raises(ValidationFailed):
        await mark_stop(stops[0], "partial", actor="ivan", client_uuid=new_uuid(), returned_lines={line["id"]: 4})
    got = await mark_stop(stops[0], "partial", actor="ivan", client_uuid=new_uuid(), returned_lines={line["id"]: 1})
    assert (got["status"], got["amount_due"], got["order_status"]) == ("arrived", 2 * PRICE, "out_for_delivery")
    order = await _order(ids[0])
    assert order["total"] == 2 * PRICE
    assert (await OrderLine.select().where(OrderLine.id == line["id"]).first())["qty"] == 2
    assert (await balance(c.variant, c.warehouse))["on_hand"] == on_hand + 1
    ret = await StockDocument.select().where(StockDocument.kind == "return").first()
    assert (ret["status"], ret["order_ref"]) == ("posted", f"order:{ids[0]}")
    with pytest.raises(Conflict):
        await mark_stop(stops[0], "delivered", actor="ivan", client_uuid=new_uuid())
    await record_payment(ids[0], 2 * PRICE, "cash_on_delivery", actor="ivan")
    done = await mark_stop(stops[0], "delivered", actor="ivan", client_uuid=new_uuid())
    assert (done["status"], done["order_status"]) == ("partial", "delivered")
    # the whole order returned later: the goods come back once, not twice
    await change_status(ids[0], "returned", actor="manager")
    assert (await balance(c.variant, c.warehouse))["on_hand"] == on_hand + 3


async def test_partial_with_nothing_left_to_pay_is_delivered_at_once():
    c, route_id, stops, ids, *_ = await _day()
    await record_payment(ids[2], 2 * PRICE, "cash_on_delivery", actor="ivan")
    line = await OrderLine.select().where(OrderLine.order == ids[2]).first()
    got = await mark_stop(stops[2], "partial", actor="ivan", client_uuid=new_uuid(), returned_lines={line["id"]: 1})
    assert (got["status"], got["order_status"], got["amount_due"]) == ("partial", "delivered", 0)


class FakePush:
    def __init__(self):
        self.sent: list[tuple[dict, dict]] = []

    def public_key(self) -> str:
        return "key"

    async def send_push(self, subscription, message):
        self.sent.append((subscription, message))


async def test_after_a_delivery_the_next_customer_hears_the_eta_once():
    c, route_id, stops, ids, *_ = await _day()
    await record_payment(ids[0], 3 * PRICE, "cash_on_delivery", actor="ivan")
    got = await mark_stop(stops[0], "delivered", actor="ivan", client_uuid=new_uuid())
    travel = HaversineMatrix().compute([Point(*POINTS[0]), Point(*POINTS[1])])[1][0][1]
    assert got["next_stop"]["stop_id"] == stops[1] and got["next_stop"]["minutes"] == minutes_of(travel)
    events = await _events("delivery.eta")
    assert len(events) == 1 and events[0]["payload"]["minutes"] == minutes_of(travel)
    assert events[0]["payload"]["order_id"] == ids[1]
    eta = (await _stop(stops[1]))["eta"]
    assert abs((eta - datetime.now(UTC)).total_seconds() - travel) < 60
    token = (await _order(ids[1]))["tracking_token"]
    await PushSubscription.insert(PushSubscription(key="k1", tracking_token=token, endpoint="https://push.example/1",
                                                   p256dh="p", auth="a"))
    saved, fake = providers(), FakePush()
    configure(Providers(push=fake, base_url="https://shop.example"))
    try:
        event = types.SimpleNamespace(event_id=events[0]["event_id"], topic="delivery.eta",
                                      payload=events[0]["payload"])
        await handle_eta(event)
        await handle_eta(event)  # the outbox delivers at least once: the customer hears it once
    finally:
        configure(saved)
    assert len(fake.sent) == 1
    message = fake.sent[0][1]
    assert message["body"] == eta_text(minutes_of(travel), "ru")
    assert message["body"].startswith("Курьер приедет примерно через ") and message["url"].endswith(token)
    assert await NotificationDelivery.count().where(NotificationDelivery.status == "sent") == 1


def test_the_eta_text_in_russian_and_english():
    assert eta_text(1, "ru") == "Курьер приедет примерно через 1 минуту"
    assert eta_text(3, "ru") == "Курьер приедет примерно через 3 минуты"
    assert eta_text(12, "ru") == "Курьер приедет примерно через 12 минут"
    assert eta_text(21, "ru") == "Курьер приедет примерно через 21 минуту"
    assert eta_text(15, "en") == "Your courier will arrive in about 15 minutes"
    assert minutes_of(0) == 1 and minutes_of(89) == 1 and minutes_of(90) == 2


async def test_the_last_stop_finishes_the_route_and_a_failed_one_tells_the_next_customer_too():
    c, route_id, stops, ids, *_ = await _day(orders=2)
    got = await mark_stop(stops[0], "failed", actor="ivan", client_uuid=new_uuid(), reason="refused")
    assert got["next_stop"]["stop_id"] == stops[1] and len(await _events("delivery.eta")) == 1
    await record_payment(ids[1], 3 * PRICE, "cash_on_delivery", actor="ivan")
    last = await mark_stop(stops[1], "delivered", actor="ivan", client_uuid=new_uuid())
    assert last["next_stop"] is None and last["route_status"] == "finished"
    assert (await DeliveryRoute.select().where(DeliveryRoute.id == route_id).first())["status"] == "finished"
    assert (await todays_route("ivan"))["route"]["status"] == "finished"


async def test_positions_are_checked_and_only_a_week_is_kept():
    c = await city()
    cid = await courier(c, "ivan")
    for lat, lon, acc in ((91, 37.6, 5), (55.7, 181, 5), (55.7, 37.6, -1), (float("nan"), 37.6, 5), ("55", 37.6, 5)):
        with pytest.raises(ValidationFailed):
            await record_position("ivan", lat, lon, acc, None)
    with pytest.raises(NotFound):
        await record_position("nobody", 55.7, 37.6, 5, None)
    with pytest.raises(ValidationFailed):
        await record_position("ivan", 55.7, 37.6, 5, datetime.now(UTC) + timedelta(hours=1))
    old = datetime.now(UTC) - timedelta(days=8)
    await CourierPosition.insert(CourierPosition(courier=cid, lat=55.0, lon=37.0, at=old))
    await record_position("ivan", 55.75, 37.61, 12.5, None)
    rows = await CourierPosition.select().where(CourierPosition.courier == cid)
    assert [(r["lat"], r["lon"], r["accuracy_m"]) for r in rows] == [(55.75, 37.61, 12.5)]
    assert len(await _events("delivery.position")) == 1


async def test_the_outbox_worker_delivers_the_eta_by_sms_when_no_browser_follows_the_order():
    from server.domain.delivery.live_events import register_handlers
    from server.domain.outbox.worker import Worker, unregister

    c, route_id, stops, ids, *_ = await _day()
    await record_payment(ids[0], 3 * PRICE, "cash_on_delivery", actor="ivan")
    got = await mark_stop(stops[0], "delivered", actor="ivan", client_uuid=new_uuid())

    class FakeSms:
        sent: list[tuple[str, str]] = []

        async def send_sms(self, phone, text):
            self.sent.append((phone, text))

    saved, sms = providers(), FakeSms()
    configure(Providers(sms=sms, base_url="https://shop.example"))
    register_handlers()
    try:
        while (await Worker().run_once(50)).claimed:
            pass
    finally:
        configure(saved)
        for topic in ("delivery.eta", "delivery.stop_changed", "delivery.route_changed", "delivery.position",
                      "delivery.route_published", "delivery.planned"):
            unregister(topic)
    texts = [t for phone, t in sms.sent if phone == "79160000001"]
    assert len(texts) == 1 and eta_text(got["next_stop"]["minutes"], "ru") in texts[0]
    eta_event = await OutboxEvent.select(OutboxEvent.status).where(OutboxEvent.topic == "delivery.eta").first()
    assert eta_event["status"] == "done"
