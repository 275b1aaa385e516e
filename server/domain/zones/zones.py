"""Delivery zones: list, create, change, delete — each change checked as a whole, audited, and followed
by the zone of every open courier order being looked up again (a redrawn border moves orders)."""

from __future__ import annotations

from datetime import UTC, datetime

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.stock.tables import Warehouse
from server.domain.users.tables import User
from server.domain.zones.fields import CheckedZone, ZoneInput, check_zone
from server.domain.zones.index import ZONE_COLUMNS
from server.domain.zones.tables import DeliveryZone
from server.errors import NotFound, ValidationFailed

AUDITED = ("name", "color", "delivery_price", "min_order", "days", "slots", "default_couriers", "priority",
           "active", "warehouse", "cutoff_minutes", "cutoff_time", "slot_capacity")


async def list_zones(*, active_only: bool = False) -> list[dict]:
    """Every zone, by priority (highest first) then name."""
    query = DeliveryZone.select(*ZONE_COLUMNS)
    if active_only:
        query = query.where(DeliveryZone.active.eq(True))
    rows = await query.order_by(DeliveryZone.priority, ascending=False).order_by(DeliveryZone.name).output(
        load_json=True)
    return rows


async def get_zone(zone_id: int) -> dict:
    row = await DeliveryZone.select(*ZONE_COLUMNS).where(DeliveryZone.id == zone_id).output(load_json=True).first()
    if row is None:
        raise NotFound("Delivery zone %(id)s not found", id=zone_id)
    return row


async def shop_centre() -> tuple[float, float] | None:
    """(lat, lon) of the warehouses with coordinates, averaged: where the zones are expected to be."""
    rows = await Warehouse.select(Warehouse.lat, Warehouse.lon).where(Warehouse.lat.is_not_null())
    points = [(r["lat"], r["lon"]) for r in rows if r["lat"] is not None and r["lon"] is not None]
    if not points:
        return None
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


async def check_references(checked: CheckedZone) -> None:
    """Adds the problems only the database knows: unknown couriers, an unknown warehouse."""
    couriers = checked.values["default_couriers"]
    if couriers:
        known = {r["username"] for r in await User.select(User.username).where(
            User.username.is_in(couriers) & User.active.eq(True))}
        for name in couriers:
            if name not in known:
                checked.problems.append(ValidationFailed("There is no active user with the login %(login)s",
                                                         field="default_couriers", login=name))
    warehouse = checked.values["warehouse"]
    if warehouse is not None and not await Warehouse.exists().where(Warehouse.id == warehouse):
        checked.problems.append(ValidationFailed("The zone's warehouse %(id)s is not found", field="warehouse", id=warehouse))


def raise_problems(problems: list[ValidationFailed], summary: str = "The zone is not saved: %(n)s problems") -> None:
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationFailed(summary, problems=problems, n=len(problems))


async def _name_taken(name: str, except_id: int | None) -> bool:
    query = DeliveryZone.exists().where(DeliveryZone.name == name)
    if except_id is not None:
        query = query.where(DeliveryZone.id != except_id)
    return await query


async def _checked(z: ZoneInput, except_id: int | None = None) -> dict:
    checked = check_zone(z, near=await shop_centre())
    await check_references(checked)
    if checked.values["name"] and await _name_taken(checked.values["name"], except_id):
        checked.problems.append(ValidationFailed("A zone named «%(name)s» already exists", field="name",
                                                 name=checked.values["name"]))
    raise_problems(checked.problems)
    return checked.values


async def _reassign() -> None:
    from server.domain.zones.assign import reassign_open_orders

    await reassign_open_orders()


async def create_zone(z: ZoneInput, *, actor: str, reassign: bool = True) -> int:
    async with write_tx():
        values = await _checked(z)
        now = datetime.now(UTC)
        rows = await DeliveryZone.insert(DeliveryZone(**values, created_at=now, updated_at=now)).returning(
            DeliveryZone.id)
        zone_id = rows[0]["id"]
        await record(actor, "zone.create", "delivery_zone", zone_id, {k: values[k] for k in AUDITED})
        if reassign:
            await _reassign()
    return zone_id


async def update_zone(zone_id: int, z: ZoneInput, *, actor: str) -> None:
    async with write_tx():
        old = await get_zone(zone_id)
        values = await _checked(z, except_id=zone_id)
        await DeliveryZone.update({**values, DeliveryZone.updated_at: datetime.now(UTC)}).where(
            DeliveryZone.id == zone_id)
        changes = {k: {"old": old[k], "new": values[k]} for k in AUDITED if old[k] != values[k]}
        if old["geometry"] != values["geometry"]:
            changes["geometry"] = {"old": "…", "new": "…"}
        await record(actor, "zone.update", "delivery_zone", zone_id, changes)
        await _reassign()


async def delete_zone(zone_id: int, *, actor: str) -> None:
    async with write_tx():
        old = await get_zone(zone_id)
        await DeliveryZone.delete().where(DeliveryZone.id == zone_id)
        await record(actor, "zone.delete", "delivery_zone", zone_id, {"name": old["name"]})
        await _reassign()
