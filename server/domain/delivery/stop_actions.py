"""What the courier does at a stop: on the way, arrived, delivered, failed, partial.

Rules (each refusal changes nothing):
- Every action carries the device's UUID; its outcome is stored (StopAction). A replay of the same UUID —
  an offline queue sent twice — gets the stored outcome back and changes nothing. A second "delivered"
  with a new UUID (a double tap) is refused as already delivered.
- Only the route's own courier acts, and only on a started route; anybody else gets "not found".
- delivered: nothing may be left to pay (payments first), then the order is delivered. Goods paid for
  before the door with no settling receipt of ours (prepaid on the site) get their prepayment-offset sell
  receipt in the same transaction (orders/status.change_status queues it, payments/receipts.py
  queue_offset_sell; also for a partial delivery — the units handed over, as the return has left the
  lines before the status changes — and never twice: a replay returns the stored outcome, a double tap is
  refused).
- failed: a reason from FAIL_REASONS ("other" needs a comment); the order is returned — its shipment is
  unposted, the goods are back in the warehouse.
- partial: returned_lines {order line id: units} come back by a posted return document, those lines
  and the order's total shrink; what was paid beyond the new total is refunded (payments/door_refunds.py).
  When nothing is left to pay, the order is delivered at once (stop
  "partial"); otherwise the stop stays open ("arrived") until the courier takes the payment of the rest
  and marks it delivered (the stop then ends as "partial").
- After delivered/failed/partial-done the remaining stops' ETAs are re-computed from now (travel, waiting
  for windows, service times; late ones flagged), and the next customer is told "the courier will
  arrive in about N minutes" with the same figure (eta.py, through the outbox).
"""

from __future__ import annotations

import re
from datetime import datetime

from server.db import is_unique_violation, write_tx
from server.domain.audit.log import record
from server.domain.delivery import eta as eta_mod
from server.domain.delivery._common import amount_due, bump_version, device_moment, lock_suffix, roubles
from server.domain.delivery.tables import (
    DONE_STOP_STATUSES,
    FAIL_REASONS,
    DeliveryRoute,
    RouteStop,
    StopAction,
)
from server.domain.orders.intake import order_ref
from server.domain.orders.status import change_status, lock_order, order_lines
from server.domain.orders.tables import Order, OrderLine
from server.domain.outbox.events import emit
from server.domain.payments.door_refunds import refund_returned_lines
from server.domain.stock.returns import return_from_customer
from server.errors import Conflict, NotFound, ValidationFailed

ACTIONS = ("on_the_way", "arrived", "delivered", "failed", "partial")
UUID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
COMMENT_LIMIT = 1000
FROM = {"on_the_way": ("planned", "on_the_way", "arrived"), "arrived": ("planned", "on_the_way", "arrived"),
        "delivered": ("planned", "on_the_way", "arrived"), "failed": ("planned", "on_the_way", "arrived"),
        "partial": ("planned", "on_the_way", "arrived")}


def _already(status: str, number: str) -> Conflict:
    if status == "failed":
        return Conflict("Order %(number)s is already marked not delivered", field="action", number=number)
    if status == "partial":
        return Conflict("Order %(number)s is already marked partly delivered", field="action", number=number)
    return Conflict("Order %(number)s is already marked delivered", field="action", number=number)


async def _stored(client_uuid: str) -> dict | None:
    row = await StopAction.select(StopAction.stop, StopAction.actor, StopAction.result).where(
        StopAction.client_uuid == client_uuid).output(load_json=True).first()
    return row


def _check(action: str, client_uuid: str, reason: str, comment: str) -> tuple[str, str, str]:
    if not isinstance(client_uuid, str) or not UUID_RE.match(client_uuid):
        raise ValidationFailed("Each action needs the device's identifier (8 to 64 letters, digits, - or _)",
                               field="client_uuid")
    if action not in ACTIONS:
        raise ValidationFailed("Unknown action %(action)s: use on_the_way, arrived, delivered, failed or partial",
                               field="action", action=str(action)[:32])
    reason, comment = (reason or "").strip(), (comment or "").strip()
    if len(comment) > COMMENT_LIMIT:
        raise ValidationFailed("The comment must be at most 1000 characters long", field="comment")
    if action == "failed":
        if reason not in FAIL_REASONS:
            raise ValidationFailed("Choose why the order was not delivered", field="reason")
        if reason == "other" and not comment:
            raise ValidationFailed("Say in the comment why the order was not delivered", field="comment")
    return action, reason, comment


async def _load(stop_id: int, actor: str, *, lock: bool) -> tuple[dict, dict]:
    """The stop and its route (locked) when `actor` is the route's courier; else NotFound."""
    stop = await RouteStop.select().where(RouteStop.id == stop_id).first() if isinstance(stop_id, int) else None
    if stop is None:
        raise NotFound("Stop %(id)s not found", id=stop_id)
    rows = await DeliveryRoute.raw(
        "SELECT r.*, u.username AS username FROM delivery_route r JOIN courier c ON c.id = r.courier "
        f"JOIN app_user u ON u.id = c.user WHERE r.id = {{}}{lock_suffix() if lock else ''}", stop["route"])
    if not rows or rows[0]["username"] != actor or rows[0]["status"] not in ("published", "started", "finished"):
        raise NotFound("Stop %(id)s not found", id=stop_id)
    if lock:  # re-read under the route's lock
        stop = await RouteStop.select().where(RouteStop.id == stop_id).first()
        if stop is None:
            raise NotFound("Stop %(id)s not found", id=stop_id)
    return stop, rows[0]


async def mark_stop(stop_id: int, action: str, *, actor: str, client_uuid: str, reason: str = "", comment: str = "",
                    returned_lines: dict[int, int] | None = None, at: datetime | None = None) -> dict:
    """Applies the courier's action (see the module docstring) and returns its outcome:
    {stop_id, action, status, order_id, order_number, order_status, amount_due, route_status, next_stop,
     returned, replayed}."""
    action, reason, comment = _check(action, client_uuid, reason, comment)
    stored = await _stored(client_uuid)
    if stored is not None:
        return _replayed(stored, stop_id, actor)
    moment = device_moment(at)
    stop, route = await _load(stop_id, actor, lock=False)
    legs = await eta_mod.read_legs(stop["route"], after_stop=stop) if action in ("delivered", "failed", "partial") \
        else None
    try:
        async with write_tx():
            stop, route = await _load(stop_id, actor, lock=True)
            await StopAction.insert(StopAction(client_uuid=client_uuid, stop=stop_id, action=action, actor=actor,
                                               result={}, at=moment))
            result = await _apply(stop, route, action, actor=actor, reason=reason, comment=comment,
                                  returned_lines=returned_lines, moment=moment, legs=legs)
            await StopAction.update({StopAction.result: result}).where(StopAction.client_uuid == client_uuid)
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        stored = await _stored(client_uuid)  # the same action sent twice at once: the first one won
        if stored is None:
            raise
        return _replayed(stored, stop_id, actor)
    return result


def _replayed(stored: dict, stop_id: int, actor: str) -> dict:
    if stored["actor"] != actor:
        raise NotFound("Stop %(id)s not found", id=stop_id)
    if stored["stop"] != stop_id:
        raise Conflict("This action identifier was already used for another stop", field="client_uuid")
    return {**(stored["result"] or {}), "replayed": True}


async def _apply(stop: dict, route: dict, action: str, *, actor: str, reason: str, comment: str,
                 returned_lines: dict[int, int] | None, moment: datetime, legs: eta_mod.Legs | None) -> dict:
    if route["status"] == "published":
        raise Conflict("Start the route first: you have not left with it yet", field="route")
    order = await lock_order(stop["order"])
    if stop["status"] in DONE_STOP_STATUSES or stop["status"] not in FROM[action]:
        raise _already(stop["status"], order["number"])
    returned: dict = {}
    status = action
    done = action in ("delivered", "failed")
    if action == "partial":
        returned = await _return_lines(order, returned_lines, actor, comment)
        order = await lock_order(stop["order"])
        done = await amount_due(order) == 0
        status = "partial" if done else "arrived"
    if action == "delivered" or (action == "partial" and done):
        due = await amount_due(order)
        if due:
            raise Conflict("Take the payment first: %(due)s roubles are due for order %(number)s", field="payment",
                           due=roubles(due), number=order["number"])
        await change_status(order["id"], "delivered", actor=actor, at=moment)  # queues the offset receipt
        if action == "delivered" and await StopAction.exists().where(
                (StopAction.stop == stop["id"]) & (StopAction.action == "partial")):
            status = "partial"
    elif action == "failed":
        words = reason + (f": {comment}" if comment else "")
        await change_status(order["id"], "returned", actor=actor, comment=words, at=moment)
    changes = {RouteStop.status: status}
    if done:
        changes.update({RouteStop.done_at: moment})
    if action == "failed":
        changes.update({RouteStop.fail_reason: reason})
    if comment:
        changes.update({RouteStop.comment: comment})
    await RouteStop.update(changes).where(RouteStop.id == stop["id"])
    next_stop = await eta_mod.after_done(stop, route, order, moment, legs) if done else None
    route_status = await _finish_route(route, moment)
    await bump_version(route["day"], route["warehouse"])
    order_status = (await Order.select(Order.status).where(Order.id == order["id"]).first())["status"]
    await record(actor, f"delivery.stop_{action}", "route_stop", stop["id"],
                 {"number": order["number"], "status": {"old": stop["status"], "new": status},
                  **({"reason": reason} if reason else {}), **({"returned": returned} if returned else {})})
    await emit("delivery.stop_changed", {"route_id": route["id"], "stop_id": stop["id"], "order_id": order["id"],
                                         "number": order["number"], "status": status, "courier_id": route["courier"],
                                         "warehouse_id": route["warehouse"], "day": route["day"].isoformat()})
    return {"stop_id": stop["id"], "action": action, "status": status, "order_id": order["id"],
            "order_number": order["number"], "order_status": order_status, "amount_due": await amount_due(
                await lock_order(order["id"])), "route_status": route_status, "next_stop": next_stop,
            "returned": {str(k): v for k, v in returned.items()}, "replayed": False}


async def _finish_route(route: dict, moment: datetime) -> str:
    open_left = await RouteStop.exists().where((RouteStop.route == route["id"])
                                               & RouteStop.status.not_in(list(DONE_STOP_STATUSES)))
    if open_left:
        await DeliveryRoute.update({DeliveryRoute.version: DeliveryRoute.version + 1}).where(
            DeliveryRoute.id == route["id"])
        return route["status"]
    await DeliveryRoute.update({DeliveryRoute.status: "finished", DeliveryRoute.finished_at: moment,
                                DeliveryRoute.version: DeliveryRoute.version + 1}).where(DeliveryRoute.id == route["id"])
    return "finished"


async def _return_lines(order: dict, returned_lines: dict[int, int] | None, actor: str, comment: str) -> dict[int, int]:
    """The customer hands back some units: a posted return document, the lines and the total reduced."""
    if not isinstance(returned_lines, dict) or not returned_lines:
        raise ValidationFailed("Say which goods the customer gave back", field="returned_lines")
    lines = {x["id"]: x for x in await order_lines(order["id"])}
    wanted: dict[int, int] = {}
    for key, qty in returned_lines.items():
        line_id = int(key) if isinstance(key, int | str) and str(key).isdigit() else None
        line = lines.get(line_id) if line_id is not None else None
        if line is None:
            raise NotFound("Line %(line)s is not in order %(number)s", field="returned_lines", line=str(key)[:20],
                           number=order["number"])
        if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= line["shipped"]:
            raise ValidationFailed("Line %(line)s: give back from 1 to %(most)s units", field="returned_lines",
                                   line=line["line_no"], most=line["shipped"])
        wanted[line_id] = qty
    left = sum(x["qty"] for x in lines.values()) - sum(wanted.values())
    if left <= 0:
        raise Conflict("The customer gave everything back: mark the order not delivered instead",
                       field="returned_lines")
    by_variant: dict[int, int] = {}
    for line_id, qty in wanted.items():
        by_variant[lines[line_id]["variant"]] = by_variant.get(lines[line_id]["variant"], 0) + qty
    document_id = await return_from_customer(order_ref(order["id"]), order["warehouse"], by_variant, actor=actor,
                                             comment=f"{order['number']}: {comment}" if comment else order["number"])
    for line_id, qty in wanted.items():
        line = lines[line_id]
        new_qty = line["qty"] - qty
        discount = line["discount"] * new_qty // line["qty"] if line["qty"] else 0
        await OrderLine.update({OrderLine.qty: new_qty, OrderLine.shipped: line["shipped"] - qty,
                                OrderLine.discount: discount}).where(OrderLine.id == line_id)
    rows = await order_lines(order["id"])
    goods = sum(x["qty"] * x["price"] for x in rows)
    discount = sum(x["discount"] for x in rows)
    total = goods - discount + order["delivery_cost"]
    await Order.update({Order.goods_total: goods, Order.discount_total: discount, Order.total: total,
                        Order.updated_at: device_moment(None)}).where(Order.id == order["id"])
    await emit("order.lines_changed", {"order_id": order["id"], "number": order["number"], "status": order["status"],
                                       "change": "returned_at_door", "total": total})
    # paid beyond the new total: the overpaid part goes back (payments' refund receipt, Order.paid lowered)
    await refund_returned_lines(order["id"], wanted, lines, document_id=document_id, actor=actor)
    return wanted
