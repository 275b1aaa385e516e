"""An order's delivery zone: looked up on intake (inside its transaction), again when the manager places
the address pin, and for every open courier order when the zones change.

`sales_order.zone_status`: "" (not a courier order), "in_zone", "outside" (a point no zone covers:
flagged on the board and the card), "no_point" (no coordinates yet: the manager places the pin).
The zone's delivery price and minimum order are NOT applied to the order's total: the card shows them
with a warning when the goods come to less than the minimum.

`sales_order.zone_problems`: what of the order does not fit its zone — a day it does not deliver on, a
window outside its slots, goods below its minimum (zones/slots.py), a full slot, a slot past its cut-off
when the order was booked (zones/limits.py) —, checked with the zone each time (intake, pin, window, lines,
zones changed). Flags for the card and the board, never a refusal.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from server.config import get_settings
from server.db import write_tx
from server.domain.audit.log import record
from server.domain.orders.tables import Order
from server.domain.zones.capacity import on_day, slot_full
from server.domain.zones.cutoff import booked_at, booked_at_many, has_cutoff, past_cutoff
from server.domain.zones.geocoding import geocoder_configured
from server.domain.zones.index import zone_at, zone_index
from server.domain.zones.slots import local_window, window_day, zone_problems
from server.errors import NotFound, ValidationFailed


async def zone_for_point(method: str, lat: float | None, lon: float | None,
                         warehouse_id: int | None) -> tuple[int | None, str]:
    """(zone id, zone status) for an order delivered by `method` to (lat, lon) from the warehouse."""
    if method != "courier":
        return None, ""
    if lat is None or lon is None:
        return None, "no_point"
    zone = await zone_at(lat, lon, warehouse_id)
    return (zone["id"], "in_zone") if zone else (None, "outside")


def shop_zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


async def problems_for(zone_id: int | None, window_start: datetime | None, window_end: datetime | None,
                       goods: int, order_id: int | None = None, booked: datetime | None = None) -> list[dict]:
    """The order's problems against the zone `zone_id` (none outside every zone: that is zone_status);
    with the order's id, also whether its slot was already full and whether its slot's cut-off had passed
    at its booking moment (zones/limits.py): `booked`, else looked up (zones/cutoff.py; now for an order
    whose intake is running)."""
    if zone_id is None:
        return []
    _, zones = await zone_index(None)
    zone = zones.get(zone_id)
    if zone is None:
        return []
    start, end, tz = _utc(window_start), _utc(window_end), shop_zone()
    problems = zone_problems(zone, start, end, goods, tz)
    if order_id is not None and not any(p["kind"] == "closed_day" for p in problems):
        if has_cutoff(zone):
            late = past_cutoff(zone, start, end, booked or await booked_at(order_id), tz)
            if late is not None:
                problems.append(late)
        full = await slot_full(zone, start, end, order_id, tz)
        if full is not None:
            problems.append(full)
    return problems


async def recheck_order_zone(order_id: int) -> list[dict]:
    """Checks the order against its zone again (its window or its goods changed) and stores the
    problems; inside the caller's transaction. Returns them."""
    row = await Order.select(Order.delivery_zone_id, Order.window_start, Order.window_end, Order.goods_total,
                             Order.discount_total).where(Order.id == order_id).first()
    if row is None:
        raise NotFound("Order %(id)s not found", id=order_id)
    problems = await problems_for(row["delivery_zone_id"], row["window_start"], row["window_end"],
                                  row["goods_total"] - row["discount_total"], order_id)
    await Order.update({Order.zone_problems: problems}).where(Order.id == order_id)
    return problems


async def recheck_slot_neighbours(order_id: int, windows: list[tuple] | None = None) -> int:
    """After the order left or joined a slot (cancelled, its window moved), the zone's other open orders on
    that local day (or on the days of `windows`, [(start, end)]) are checked again: which of them are over
    the slot's capacity may change. Only zones with a capacity; inside the caller's transaction. Returns how
    many orders changed their problems."""
    from server.domain.orders.status import OPEN_STATUSES  # (orders.status imports us)

    row = await Order.select(Order.delivery_zone_id, Order.window_start, Order.window_end).where(
        Order.id == order_id).first()
    if row is None or row["delivery_zone_id"] is None:
        return 0
    _, zones = await zone_index(None)
    zone = zones.get(row["delivery_zone_id"])
    if zone is None or zone.get("slot_capacity") is None:
        return 0
    tz = shop_zone()
    days = {window_day(_utc(a), _utc(b), tz) for a, b in windows or [(row["window_start"], row["window_end"])]}
    changed = 0
    for day in sorted(d for d in days if d is not None):
        others = await Order.select(Order.id, Order.window_start, Order.window_end, Order.goods_total,
                                    Order.discount_total, Order.zone_problems).where(
            (Order.delivery_zone_id == zone["id"]) & Order.status.is_in(list(OPEN_STATUSES))
            & (Order.id != order_id) & on_day(day, tz)).order_by(
            Order.id).output(load_json=True)
        booked = await booked_at_many([r["id"] for r in others]) if has_cutoff(zone) else {}
        for r in others:
            problems = await problems_for(zone["id"], r["window_start"], r["window_end"],
                                          r["goods_total"] - r["discount_total"], r["id"], booked.get(r["id"]))
            if problems != (r["zone_problems"] or []):
                await Order.update({Order.zone_problems: problems}).where(Order.id == r["id"])
                changed += 1
    return changed


async def reassign_open_orders() -> int:
    """Looks the zone of every open courier order up again (after the zones changed); returns how many
    orders changed zone, status or problems."""
    from server.domain.orders.status import OPEN_STATUSES  # (orders.status imports intake, which imports us)

    async with write_tx():
        rows = await Order.select(Order.id, Order.delivery_method, Order.delivery_lat, Order.delivery_lon,
                                  Order.warehouse, Order.delivery_zone_id, Order.zone_status, Order.zone_problems,
                                  Order.window_start, Order.window_end, Order.goods_total,
                                  Order.discount_total).where(
            Order.status.is_in(list(OPEN_STATUSES)) & (Order.delivery_method == "courier")).output(load_json=True)
        changed = 0
        found_by_order: dict[int, tuple[int | None, str]] = {}
        for warehouse in {r["warehouse"] for r in rows}:  # one vectorised lookup per warehouse
            mine = [r for r in rows if r["warehouse"] == warehouse]
            index = (await zone_index(warehouse))[0]
            zones = index.lookup_many([(r["delivery_lat"], r["delivery_lon"]) for r in mine])
            for r, zone_id in zip(mine, zones, strict=True):
                no_point = r["delivery_lat"] is None or r["delivery_lon"] is None
                found_by_order[r["id"]] = (None, "no_point") if no_point else (
                    zone_id, "in_zone" if zone_id is not None else "outside")
        booked = await booked_at_many([r["id"] for r in rows])
        for r in rows:
            found = found_by_order[r["id"]]
            problems = await problems_for(found[0], r["window_start"], r["window_end"],
                                          r["goods_total"] - r["discount_total"], r["id"], booked.get(r["id"]))
            if found != (r["delivery_zone_id"], r["zone_status"]) or problems != (r["zone_problems"] or []):
                await Order.update({Order.delivery_zone_id: found[0], Order.zone_status: found[1],
                                    Order.zone_problems: problems}).where(Order.id == r["id"])
                changed += 1
    return changed


def check_point(lat, lon) -> tuple[float, float]:
    """(lat, lon) as numbers in range, or ValidationFailed for each that is not."""
    problems = []
    values = []
    for name, value, limit in (("lat", lat, 90), ("lon", lon, 180)):
        try:
            number = float(str(value).strip().replace(",", "."))
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or not -limit <= number <= limit:
            problems.append(ValidationFailed(
                "The latitude must be a number from −90 to 90, e.g. 55.7558" if name == "lat" else
                "The longitude must be a number from −180 to 180, e.g. 37.6173", field=name))
        values.append(number)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationFailed("The point is not saved: %(n)s problems", problems=problems, n=len(problems))
    return round(values[0], 7), round(values[1], 7)


async def place_order_pin(order_id: int, lat, lon, *, actor: str) -> dict:
    """The manager puts the delivery point of the order on the map (or types it): the coordinates are
    saved, the zone is looked up again and the order checked against it. Returns {"zone_id", "zone_status",
    "zone", "problems"}."""
    lat, lon = check_point(lat, lon)
    async with write_tx():
        row = await Order.select(Order.id, Order.number, Order.delivery_method, Order.warehouse, Order.delivery_lat,
                                 Order.delivery_lon, Order.delivery_zone_id, Order.window_start, Order.window_end,
                                 Order.goods_total, Order.discount_total).where(Order.id == order_id).first()
        if row is None:
            raise NotFound("Order %(id)s not found", id=order_id)
        zone_id, status = await zone_for_point(row["delivery_method"], lat, lon, row["warehouse"])
        problems = await problems_for(zone_id, row["window_start"], row["window_end"],
                                      row["goods_total"] - row["discount_total"], order_id)
        await Order.update({Order.delivery_lat: lat, Order.delivery_lon: lon, Order.delivery_zone_id: zone_id,
                            Order.zone_status: status, Order.zone_problems: problems,
                            Order.updated_at: datetime.now(UTC)}).where(Order.id == order_id)
        await record(actor, "order.pin", "order", order_id, {
            "delivery_lat": {"old": row["delivery_lat"], "new": lat},
            "delivery_lon": {"old": row["delivery_lon"], "new": lon},
            "delivery_zone_id": {"old": row["delivery_zone_id"], "new": zone_id}})
    _, zones = await zone_index(row["warehouse"])
    return {"zone_id": zone_id, "zone_status": status, "zone": zones.get(zone_id) if zone_id else None,
            "problems": problems}


async def order_zone(order_id: int) -> dict:
    """What the order card (and H4/H6) show about the order's zone:
    {"status", "zone": row or None, "lat", "lon", "below_minimum": bool, "goods": kopecks,
    "problems": the stored zone problems, [{kind, msgid, params}], "window": {date, from, to} local}."""
    o = await Order.select(Order.id, Order.delivery_method, Order.delivery_lat, Order.delivery_lon, Order.warehouse,
                           Order.delivery_zone_id, Order.zone_status, Order.goods_total, Order.discount_total,
                           Order.zone_problems, Order.window_start, Order.window_end).where(
        Order.id == order_id).output(load_json=True).first()
    if o is None:
        raise NotFound("Order %(id)s not found", id=order_id)
    zone = None
    if o["delivery_zone_id"] is not None:
        _, zones = await zone_index(None)
        zone = zones.get(o["delivery_zone_id"])
    goods = o["goods_total"] - o["discount_total"]
    return {"status": o["zone_status"], "zone": zone, "lat": o["delivery_lat"], "lon": o["delivery_lon"],
            "goods": goods, "below_minimum": bool(zone and goods < zone["min_order"]),
            "courier": o["delivery_method"] == "courier", "can_geocode": geocoder_configured(),
            "problems": list(o["zone_problems"] or []),
            "window": local_window(_utc(o["window_start"]), _utc(o["window_end"]), shop_zone())}


async def zones_of_orders(order_ids: list[int]) -> dict[int, dict]:
    """order id → {"zone_id", "zone_status", "zone_name", "color", "problems"} (the planning map, the board)."""
    ids = sorted({int(i) for i in order_ids})
    if not ids:
        return {}
    rows = await Order.select(Order.id, Order.delivery_zone_id, Order.zone_status, Order.zone_problems).where(
        Order.id.is_in(ids)).output(load_json=True)
    _, zones = await zone_index(None)
    out = {}
    for r in rows:
        z = zones.get(r["delivery_zone_id"]) if r["delivery_zone_id"] is not None else None
        out[r["id"]] = {"zone_id": r["delivery_zone_id"], "zone_status": r["zone_status"],
                        "zone_name": z["name"] if z else "", "color": z["color"] if z else "",
                        "problems": list(r["zone_problems"] or [])}
    return out


async def suggest_order_point(order_id: int) -> dict:
    """Asks the geocoder (none by default: no network) for the order's address. Saves nothing: returns
    {"found": bool, "lat", "lon", "label"} for the manager to check and save with place_order_pin."""
    from server.domain.zones.geocoding import geocoder

    row = await Order.select(Order.delivery_address).where(Order.id == order_id).first()
    if row is None:
        raise NotFound("Order %(id)s not found", id=order_id)
    point = await geocoder().geocode(row["delivery_address"])
    if point is None:
        return {"found": False, "lat": None, "lon": None, "label": ""}
    return {"found": True, "lat": round(point.lat, 7), "lon": round(point.lon, 7), "label": point.label}
