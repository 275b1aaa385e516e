"""Delivery zones in planning (zones/tables.DeliveryZone, looked up on each order: delivery_zone_id,
zone_status).

- A zone with default couriers (usernames): its orders go to one of those couriers when at least one of
  them is on shift that day (the solver's allowed_vehicles); when none is, to any courier, and the plan
  run says so.
- A zone that does not deliver on the day's weekday (`days`, ISO 1 = Monday): its orders are planned all
  the same, and the plan run lists them.
- An order outside every zone (zone_status "outside"): planned, and listed.

The plan run keeps these as `warnings`: [{kind, msgid, params, order_ids, zone_id}] — the msgid is
English with %(name)s params, translated where it is shown (delivery.po).
"""

from __future__ import annotations

from datetime import date

from server.domain.zones.tables import DeliveryZone

CLOSED_DAY = {
    1: "Zone %(zone)s does not deliver on Mondays: orders %(orders)s are planned anyway",
    2: "Zone %(zone)s does not deliver on Tuesdays: orders %(orders)s are planned anyway",
    3: "Zone %(zone)s does not deliver on Wednesdays: orders %(orders)s are planned anyway",
    4: "Zone %(zone)s does not deliver on Thursdays: orders %(orders)s are planned anyway",
    5: "Zone %(zone)s does not deliver on Fridays: orders %(orders)s are planned anyway",
    6: "Zone %(zone)s does not deliver on Saturdays: orders %(orders)s are planned anyway",
    7: "Zone %(zone)s does not deliver on Sundays: orders %(orders)s are planned anyway",
}
NO_ZONE_COURIER = ("Zone %(zone)s: none of its couriers (%(couriers)s) works on this day, "
                   "so orders %(orders)s may go to any courier")
OUTSIDE = "Orders %(orders)s are outside every delivery zone: planned anyway"
KINDS = ("zone_closed_day", "zone_no_courier", "outside_zones")
LISTED = 10  # order numbers named in one warning


async def zones_of(orders: dict[int, dict]) -> dict[int, dict]:
    """zone id → the zone row (days and default couriers as lists) for the orders' zones."""
    ids = sorted({o["delivery_zone_id"] for o in orders.values() if o.get("delivery_zone_id") is not None})
    if not ids:
        return {}
    rows = await DeliveryZone.select(DeliveryZone.id, DeliveryZone.name, DeliveryZone.days,
                                     DeliveryZone.default_couriers).where(DeliveryZone.id.is_in(ids)).output(
        load_json=True)
    return {r["id"]: {**r, "days": list(r["days"] or []), "default_couriers": list(r["default_couriers"] or [])}
            for r in rows}


def zone_couriers(zone: dict | None, couriers: dict[int, dict], candidates: tuple[str, ...]) -> tuple[str, ...] | None:
    """The vehicles (courier ids as text) among `candidates` that are the zone's default couriers; None when
    the zone has none (anybody may take its orders), () when none of them is among the candidates."""
    if not zone or not zone["default_couriers"]:
        return None
    wanted = set(zone["default_couriers"])
    return tuple(v for v in candidates if couriers.get(int(v), {}).get("username") in wanted)


def _numbers(orders: dict[int, dict], ids: list[int]) -> str:
    names = [orders[i]["number"] if i in orders else str(i) for i in sorted(ids)]
    return ", ".join(names[:LISTED]) + (f" … (+{len(names) - LISTED})" if len(names) > LISTED else "")


def zone_warnings(day: date, orders: dict[int, dict], zones: dict[int, dict],
                  no_courier: dict[int, list[int]]) -> list[dict]:
    """The warnings of a plan run (see the module docstring); `no_courier`: zone id → order ids whose
    zone's default couriers were none on shift."""
    weekday = day.isoweekday()
    closed: dict[int, list[int]] = {}
    outside: list[int] = []
    for oid, order in sorted(orders.items()):
        zone = zones.get(order.get("delivery_zone_id"))
        if zone is not None and weekday not in zone["days"]:
            closed.setdefault(zone["id"], []).append(oid)
        elif order.get("zone_status") == "outside":
            outside.append(oid)
    out: list[dict] = []
    for zid, ids in sorted(closed.items()):
        out.append({"kind": "zone_closed_day", "zone_id": zid, "order_ids": ids, "msgid": CLOSED_DAY[weekday],
                    "params": {"zone": zones[zid]["name"], "orders": _numbers(orders, ids)}})
    for zid, ids in sorted(no_courier.items()):
        out.append({"kind": "zone_no_courier", "zone_id": zid, "order_ids": sorted(ids), "msgid": NO_ZONE_COURIER,
                    "params": {"zone": zones[zid]["name"], "couriers": ", ".join(zones[zid]["default_couriers"]),
                               "orders": _numbers(orders, ids)}})
    if outside:
        out.append({"kind": "outside_zones", "zone_id": None, "order_ids": outside, "msgid": OUTSIDE,
                    "params": {"orders": _numbers(orders, outside)}})
    return out


def english(warning: dict) -> str:
    return warning["msgid"] % warning["params"]
