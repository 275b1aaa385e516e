"""The zone index of this process, rebuilt when the zones change — in this process or in another one.

A cheap fingerprint of the zone table (count, max id, max updated_at: every create, change and delete
moves one of them) is read before each use; the shapes are loaded and indexed again only when it
differs from the one the index was built from. Inside a write transaction that changed zones the
fingerprint sees the change, so an intake in the same transaction already uses the new zones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.domain.zones.tables import DeliveryZone
from server.routing.zones import ZoneIndex, ZoneShape

ZONE_COLUMNS = (DeliveryZone.id, DeliveryZone.name, DeliveryZone.color, DeliveryZone.geometry,
                DeliveryZone.delivery_price, DeliveryZone.min_order, DeliveryZone.days, DeliveryZone.slots,
                DeliveryZone.default_couriers, DeliveryZone.priority, DeliveryZone.active, DeliveryZone.warehouse,
                DeliveryZone.cutoff_minutes, DeliveryZone.cutoff_time, DeliveryZone.slot_capacity,
                DeliveryZone.created_at, DeliveryZone.updated_at)


@dataclass
class _Cache:
    key: tuple | None = None
    zones: dict[int, dict] = field(default_factory=dict)  # active zones by id
    by_warehouse: dict[int | None, ZoneIndex] = field(default_factory=dict)
    builds: int = 0  # how many times the shapes were loaded (tests read it)


_CACHE = _Cache()


async def _fingerprint() -> tuple:
    rows = await DeliveryZone.raw(
        "SELECT COUNT(*) AS n, MAX(id) AS last_id, MAX(updated_at) AS changed FROM delivery_zone")
    row = rows[0] if rows else {}
    return (int(row.get("n") or 0), row.get("last_id"), str(row.get("changed")))


async def _fresh() -> _Cache:
    key = await _fingerprint()
    if key != _CACHE.key:
        rows = await DeliveryZone.select(*ZONE_COLUMNS).where(DeliveryZone.active.eq(True)).output(load_json=True)
        _CACHE.zones = {r["id"]: r for r in rows}
        _CACHE.by_warehouse = {}
        _CACHE.key = key
        _CACHE.builds += 1
    return _CACHE


def forget() -> None:
    """Drops the index (tests that empty the tables behind its back)."""
    _CACHE.key = None
    _CACHE.zones = {}
    _CACHE.by_warehouse = {}


async def zone_index(warehouse_id: int | None = None) -> tuple[ZoneIndex, dict[int, dict]]:
    """The index of the active zones serving `warehouse_id` (the zones of no warehouse serve all),
    and the zones by id."""
    cache = await _fresh()
    index = cache.by_warehouse.get(warehouse_id)
    if index is None:
        index = ZoneIndex(ZoneShape(z["id"], z["geometry"], z["priority"]) for z in cache.zones.values()
                          if z["warehouse"] is None or warehouse_id is None or z["warehouse"] == warehouse_id)
        cache.by_warehouse[warehouse_id] = index
    return index, cache.zones


async def zone_at(lat: float | None, lon: float | None, warehouse_id: int | None = None) -> dict | None:
    """The zone (a row as a dict) that delivers to the point, or None."""
    if lat is None or lon is None:
        return None
    index, zones = await zone_index(warehouse_id)
    found = index.lookup(lat, lon)
    return zones.get(found) if found is not None else None
