"""The manager changes an order's delivery day and window (local shop time in, UTC stored); the order is
checked against its zone again. A window the zone does not serve is saved and flagged, not refused; a move
to another window is checked against the cut-off at the moment of the move, kept as
sales_order.window_moved_at (zones/limits.py)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.orders.tables import Order
from server.domain.zones.assign import problems_for, recheck_slot_neighbours, shop_zone
from server.errors import Conflict, NotFound, ValidationFailed

HHMM = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")
CLOSED = ("delivered", "closed", "cancelled", "returned")


def parse_window(day: str, time_from: str, time_to: str) -> tuple[datetime | None, datetime | None]:
    """Local date and times → the UTC window: nothing (no window), a day (midnight to midnight), or a
    day from one time to another. ValidationFailed says what is wrong."""
    day, time_from, time_to = (str(v or "").strip() for v in (day, time_from, time_to))
    if not (day or time_from or time_to):
        return None, None
    try:
        local_day = date.fromisoformat(day)
    except ValueError:
        raise ValidationFailed("Choose the delivery date", field="window_date") from None
    tz = shop_zone()
    if not (time_from or time_to):
        start = datetime.combine(local_day, time(0, 0), tz)
        return start.astimezone(UTC), datetime.combine(local_day + timedelta(days=1), time(0, 0), tz).astimezone(UTC)
    if not (HHMM.match(time_from) and HHMM.match(time_to)):
        raise ValidationFailed("Give the delivery window as two times, e.g. 10:00 and 14:00", field="window_from")
    first, last = time.fromisoformat(time_from.zfill(5)), time.fromisoformat(time_to.zfill(5))
    if last <= first:
        raise ValidationFailed("The delivery window must end after it starts", field="window_to")
    return (datetime.combine(local_day, first, tz).astimezone(UTC),
            datetime.combine(local_day, last, tz).astimezone(UTC))


async def change_order_window(order_id: int, day: str, time_from: str, time_to: str, *, actor: str) -> list[dict]:
    """Saves the order's new delivery window (see parse_window) and its zone problems; returns them."""
    start, end = parse_window(day, time_from, time_to)
    async with write_tx():
        row = await Order.select(Order.id, Order.status, Order.window_start, Order.window_end, Order.delivery_zone_id,
                                 Order.goods_total, Order.discount_total).where(Order.id == order_id).first()
        if row is None:
            raise NotFound("Order %(id)s not found", id=order_id)
        if row["status"] in CLOSED:
            raise Conflict("The delivery window of a finished order cannot be changed")
        moved = (_iso(row["window_start"]), _iso(row["window_end"])) != (_iso(start), _iso(end))
        now = datetime.now(UTC)
        problems = await problems_for(row["delivery_zone_id"], start, end, row["goods_total"] - row["discount_total"],
                                      order_id, now if moved else None)
        values = {Order.window_start: start, Order.window_end: end, Order.zone_problems: problems, Order.updated_at: now}
        if moved:  # the new booking moment (zones/limits.py); saving the same window again keeps the old one
            values[Order.window_moved_at] = now
        await Order.update(values).where(Order.id == order_id)
        await recheck_slot_neighbours(order_id, [(row["window_start"], row["window_end"]), (start, end)])
        await record(actor, "order.window", "order", order_id, {
            "window_start": {"old": _iso(row["window_start"]), "new": _iso(start)},
            "window_end": {"old": _iso(row["window_end"]), "new": _iso(end)},
            "zone_problems": [p["kind"] for p in problems]})
    return problems


def _iso(moment: datetime | None) -> str | None:
    if moment is not None and moment.tzinfo is None:  # (a driver that hands back naive UTC)
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat() if moment is not None else None
