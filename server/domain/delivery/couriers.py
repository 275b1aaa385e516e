"""Couriers: a user with the courier role, a vehicle with its capacity (grams and cm³; the manager's
form speaks kilograms and litres), a shift in the shop's local time, the weekdays they work (work_days,
ISO 1 = Monday; planning uses only the couriers working on the day's weekday) and the warehouse they leave from;
and the warehouse's depot point (where routes start and end)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.delivery._common import HHMM, hhmm_seconds
from server.domain.delivery.tables import Courier
from server.domain.stock.tables import Warehouse
from server.domain.users.tables import User
from server.errors import Conflict, DomainError, NotFound, ValidationFailed

MAX_WEIGHT_G = 10_000_000  # 10 t
MAX_VOLUME_CM3 = 100_000_000  # 100 m³
ALL_DAYS = [1, 2, 3, 4, 5, 6, 7]


@dataclass
class CourierInput:
    user_id: int
    name: str
    phone: str
    vehicle: str
    capacity_weight_g: int
    capacity_volume_cm3: int
    shift_start: str
    shift_end: str
    warehouse_id: int
    active: bool = True
    work_days: list[int] | None = None  # ISO weekdays (1 = Monday … 7 = Sunday); None: as it is (new: every day)


def _raise(problems: list[DomainError]) -> None:
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationFailed("The courier has %(count)s errors", problems=problems, count=len(problems))


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


async def _check(data: CourierInput, courier_id: int | None) -> dict:
    problems: list[DomainError] = []
    name, phone, vehicle = (data.name or "").strip(), (data.phone or "").strip(), (data.vehicle or "").strip()
    if not name or len(name) > 200:
        problems.append(ValidationFailed("Enter the courier's name (at most 200 characters)", field="name"))
    if len(phone) > 16:
        problems.append(ValidationFailed("The phone must be at most 16 characters long", field="phone"))
    if len(vehicle) > 100:
        problems.append(ValidationFailed("The vehicle must be at most 100 characters long", field="vehicle"))
    if not _whole(data.capacity_weight_g) or not 0 < data.capacity_weight_g <= MAX_WEIGHT_G:
        problems.append(ValidationFailed("A courier with no capacity cannot deliver: enter how many kilograms "
                                         "the vehicle takes (more than 0, at most 10000)", field="capacity_kg"))
    if not _whole(data.capacity_volume_cm3) or not 0 < data.capacity_volume_cm3 <= MAX_VOLUME_CM3:
        problems.append(ValidationFailed("A courier with no capacity cannot deliver: enter how many litres the "
                                         "vehicle takes (more than 0, at most 100000)", field="capacity_l"))
    shift_ok = True
    for field, value in (("shift_start", data.shift_start), ("shift_end", data.shift_end)):
        if not HHMM.match(value or ""):
            problems.append(ValidationFailed("A time must look like 09:00", field=field))
            shift_ok = False
    if shift_ok and hhmm_seconds(data.shift_end) <= hhmm_seconds(data.shift_start):
        problems.append(ValidationFailed("The shift must end after it starts", field="shift_end"))
    days = data.work_days
    if days is not None and (not isinstance(days, list | tuple) or not days
                             or any(not _whole(d) or not 1 <= d <= 7 for d in days)):
        problems.append(ValidationFailed("Choose the days the courier works: at least one weekday",
                                         field="work_days"))
    user = await User.select(User.id, User.roles, User.active).where(User.id == data.user_id).output(
        load_json=True).first() if _whole(data.user_id) else None
    if user is None:
        problems.append(NotFound("Choose the courier's user account", field="user_id"))
    elif "courier" not in (user["roles"] or []):
        problems.append(ValidationFailed("This user does not have the courier role: give it to them first",
                                         field="user_id"))
    elif await Courier.exists().where((Courier.user == data.user_id) & (Courier.id != (courier_id or 0))):
        problems.append(Conflict("This user is a courier already", field="user_id"))
    if not _whole(data.warehouse_id) or not await Warehouse.exists().where(Warehouse.id == data.warehouse_id):
        problems.append(NotFound("Choose the warehouse the courier leaves from", field="warehouse_id"))
    _raise(problems)
    return {Courier.user: data.user_id, Courier.name: name, Courier.phone: phone, Courier.vehicle: vehicle,
            Courier.capacity_weight_g: data.capacity_weight_g, Courier.capacity_volume_cm3: data.capacity_volume_cm3,
            Courier.shift_start: data.shift_start, Courier.shift_end: data.shift_end,
            Courier.warehouse: data.warehouse_id, Courier.active: bool(data.active),
            **({Courier.work_days: sorted(set(days))} if days is not None else {})}


def _facts(values: dict) -> dict:
    return {col._meta.name: value for col, value in values.items()}


async def create_courier(data: CourierInput, *, actor: str) -> int:
    async with write_tx():
        values = await _check(data, None)
        row = Courier(**_facts(values))
        await row.save()
        await record(actor, "courier.create", "courier", row.id, _facts(values))
    return row.id


async def update_courier(courier_id: int, data: CourierInput, *, actor: str) -> None:
    async with write_tx():
        if not await Courier.exists().where(Courier.id == courier_id):
            raise NotFound("Courier %(id)s not found", id=courier_id)
        values = await _check(data, courier_id)
        await Courier.update(values).where(Courier.id == courier_id)
        await record(actor, "courier.update", "courier", courier_id, _facts(values))


async def list_couriers(warehouse_id: int | None = None) -> list[dict]:
    query = Courier.select(*Courier.all_columns(), Courier.user.username.as_alias("username"),
                           Courier.warehouse.name.as_alias("warehouse_name"),
                           Courier.warehouse.code.as_alias("warehouse_code")).order_by(Courier.name).output(
        load_json=True)
    if warehouse_id is not None:
        query = query.where(Courier.warehouse == warehouse_id)
    return await query


async def get_courier(courier_id: int) -> dict:
    row = await Courier.select(*Courier.all_columns(), Courier.user.username.as_alias("username")).where(
        Courier.id == courier_id).output(load_json=True).first()
    if row is None:
        raise NotFound("Courier %(id)s not found", id=courier_id)
    return row


async def courier_users() -> list[dict]:
    """Active users with the courier role (for the form's choice)."""
    rows = await User.select(User.id, User.username, User.full_name, User.roles).where(User.active == True).order_by(  # noqa: E712
        User.username).output(load_json=True)
    return [r for r in rows if "courier" in (r["roles"] or [])]


def kg_to_g(text: str) -> int | None:
    """"12,5" → 12500; None when it is not a number."""
    return _scaled(text, 1000)


def litres_to_cm3(text: str) -> int | None:
    return _scaled(text, 1000)


def _scaled(text: str, factor: int) -> int | None:
    try:
        value = float(str(text or "").strip().replace(",", ".").replace(" ", ""))
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    return round(value * factor)


async def set_depot(warehouse_id: int, lat: float | None, lon: float | None, *, actor: str) -> None:
    """The warehouse's point on the map: routes start and end there (None, None clears it)."""
    if (lat is None) != (lon is None):
        raise ValidationFailed("Give both the latitude and the longitude of the warehouse", field="lat")
    if lat is not None and not (isinstance(lat, int | float) and isinstance(lon, int | float)
                                and math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90
                                and -180 <= lon <= 180):
        raise ValidationFailed("The latitude must be from -90 to 90 and the longitude from -180 to 180", field="lat")
    async with write_tx():
        if not await Warehouse.exists().where(Warehouse.id == warehouse_id):
            raise NotFound("Warehouse %(id)s not found", id=warehouse_id)
        await Warehouse.update({Warehouse.lat: lat, Warehouse.lon: lon}).where(Warehouse.id == warehouse_id)
        await record(actor, "warehouse.depot", "warehouse", warehouse_id, {"lat": lat, "lon": lon})
