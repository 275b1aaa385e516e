"""Demo delivery zones over Moscow: the centre (inside the Garden Ring, on top: priority 10), four
quarters of the city up to about the MKAD ring road split at the Kremlin, and Butovo beyond it in the
south. Nearly every demo address (server/demo/people.py) falls in one; ул. Дубнинская in the far north
lies outside every zone, so the demo shows the "outside the zones" flag.

Loaded before the orders so that order intake assigns each courier order its zone; the default
couriers are set at the end, once the couriers' logins exist (`set_default_couriers`).

Booking limits (LIMITS, zones/limits.py) on three zones, so that a new user sees them on the zone form and
in GET /api/v1/delivery/slots: the centre takes same-day orders until 14:00, Юго-Запад takes 20 orders per
slot, Бутово (far, one long slot) orders two hours before the slot and 15 per slot. They are set at the end
(`set_limits`), after the demo's orders were taken — as a shop that brings its limits in: the demo's orders
were taken without them and carry no "past_cutoff" or "slot_full" flag (taken at the load time, today's
windows would all be past a cut-off). The counts stay below the capacities (the demo's busiest slot holds
about ten orders). Checked again later (the zones edited, an order moved), an order is judged at its own
intake time (created_at, its placement), so the cut-off chosen for the centre is a time of day: only a
today's order placed after 14:00 (the demo places today's deliveries 2–16 hours before the load) can get
the flag then.
"""

from __future__ import annotations

from datetime import UTC, datetime

from server.domain.audit.log import record
from server.domain.users.tables import User
from server.domain.zones.fields import ZoneInput
from server.domain.zones.tables import DeliveryZone
from server.domain.zones.zones import create_zone

ACTOR = "demo"
CENTRE = (55.755, 37.62)  # (lat, lon) where the four quarters meet
# The outer ring, roughly the MKAD (lat, lon), clockwise from the north-west.
P1, P2, P3, P4 = (55.87, 37.52), (55.87, 37.70), (55.83, 37.85), (55.68, 37.85)
P5, P6, P7, P8 = (55.60, 37.72), (55.60, 37.50), (55.66, 37.45), (55.83, 37.45)
N, E, S, W = (55.87, 37.62), (55.755, 37.85), (55.60, 37.62), (55.755, 37.45)
DAYTIME = [["10:00", "14:00"], ["14:00", "18:00"]]
EVENING = [["18:00", "22:00"]]
WORKDAYS = [1, 2, 3, 4, 5, 6]

# name, colour, outline (lat, lon), price ₽, minimum ₽, days, slots, priority, default couriers
ZONES = [
    ("Центр", "#e03131", [(55.780, 37.600), (55.776, 37.640), (55.760, 37.662), (55.738, 37.656),
                          (55.730, 37.620), (55.736, 37.585), (55.752, 37.572), (55.772, 37.578)],
     250, 1500, [1, 2, 3, 4, 5, 6, 7], DAYTIME + EVENING, 10, ["courier4", "courier3"]),
    ("Север-Запад", "#1971c2", [W, P8, P1, N, CENTRE], 350, 2000, WORKDAYS, DAYTIME + EVENING, 0, ["courier2"]),
    ("Север-Восток", "#2f9e44", [N, P2, P3, E, CENTRE], 350, 2000, WORKDAYS, DAYTIME, 0, ["courier"]),
    ("Юго-Восток", "#f08c00", [E, P4, P5, S, CENTRE], 350, 2000, WORKDAYS, DAYTIME, 0, ["courier"]),
    ("Юго-Запад", "#9c36b5", [S, P6, P7, W, CENTRE], 350, 2000, WORKDAYS, DAYTIME + EVENING, 0,
     ["courier3", "courier2"]),  # courier3 works until 18:00, courier2 brings the evening orders
    ("Бутово", "#5c940d", [(55.60, 37.50), (55.60, 37.62), (55.53, 37.62), (55.53, 37.48)],
     600, 3000, [2, 4, 6], [["12:00", "18:00"]], 0, ["courier2"]),
]

# name → the zone's booking limits (the others have none)
LIMITS = {
    "Центр": {"cutoff_minutes": None, "cutoff_time": "14:00", "slot_capacity": None},
    "Юго-Запад": {"cutoff_minutes": None, "cutoff_time": "", "slot_capacity": 20},
    "Бутово": {"cutoff_minutes": 120, "cutoff_time": "", "slot_capacity": 15},
}


def _polygon(points: list[tuple[float, float]]) -> dict:
    ring = [[lon, lat] for lat, lon in points]
    return {"type": "Polygon", "coordinates": [ring + [ring[0]]]}


async def load_zones() -> list[int]:
    """Creates the demo zones (without couriers: their logins come later); returns their ids. A zone
    whose name the shop already uses is left as it is (a demo added next to the shop's own data)."""
    taken = {r["name"] for r in await DeliveryZone.select(DeliveryZone.name)}
    ids = []
    for name, color, outline, price, minimum, days, slots, priority, _ in ZONES:
        if name in taken:
            continue
        ids.append(await create_zone(ZoneInput(
            name=name, geometry=_polygon(outline), delivery_price=price * 100, min_order=minimum * 100, days=days,
            slots=slots, color=color, priority=priority), actor=ACTOR, reassign=False))
    return ids


async def set_default_couriers(zone_ids: list[int]) -> None:
    """Each demo zone's (of `zone_ids`, made by load_zones) default couriers, among the logins that exist."""
    wanted = {login for *_, couriers in ZONES for login in couriers}
    known = {r["username"] for r in await User.select(User.username).where(User.username.is_in(sorted(wanted)))}
    for name, *_, couriers in ZONES:
        await DeliveryZone.update({DeliveryZone.default_couriers: [c for c in couriers if c in known],
                                   DeliveryZone.updated_at: datetime.now(UTC)}).where(
            (DeliveryZone.name == name) & DeliveryZone.id.is_in(zone_ids or [0]))


async def set_limits(zone_ids: list[int]) -> None:
    """The booking limits of the demo zones (of `zone_ids`, made by load_zones), once the demo's orders are
    taken (see the module docstring); their orders are not checked again."""
    rows = await DeliveryZone.select(DeliveryZone.id, DeliveryZone.name).where(DeliveryZone.id.is_in(zone_ids or [0]))
    for row in rows:
        limits = LIMITS.get(row["name"])
        if limits is None:
            continue
        await DeliveryZone.update({DeliveryZone.cutoff_minutes: limits["cutoff_minutes"],
                                   DeliveryZone.cutoff_time: limits["cutoff_time"],
                                   DeliveryZone.slot_capacity: limits["slot_capacity"],
                                   DeliveryZone.updated_at: datetime.now(UTC)}).where(DeliveryZone.id == row["id"])
        await record(ACTOR, "zone.update", "delivery_zone", row["id"], {k: {"old": None, "new": v}
                                                                        for k, v in limits.items() if v})
