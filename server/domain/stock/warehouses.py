"""Warehouses and their bins (addressed zone-rack-shelf-cell, walked in pick_seq order)."""

from __future__ import annotations

import re

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.stock.tables import Bin, Warehouse
from server.errors import Conflict, DomainError, NotFound, ValidationFailed

_CODE = re.compile(r"^[A-Za-z0-9А-Яа-яЁё_.-]{1,32}$")
_PART = re.compile(r"^[A-Za-z0-9А-Яа-яЁё_.]{0,16}$")


async def create_warehouse(code: str, name: str, *, address: str = "", allow_negative: bool = False,
                           actor: str = "system") -> int:
    code, name, address = (code or "").strip().upper(), (name or "").strip(), (address or "").strip()
    problems: list[DomainError] = []
    if not _CODE.match(code):
        problems.append(ValidationFailed("The warehouse code must be 1 to 32 letters, digits, dots, dashes or "
                                         "underscores", field="code"))
    if not name or len(name) > 200:
        problems.append(ValidationFailed("The warehouse name must be 1 to 200 characters long", field="name"))
    if len(address) > 300:
        problems.append(ValidationFailed("The address must be at most 300 characters long", field="address"))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationFailed("The warehouse has %(count)s errors", problems=problems, count=len(problems))
    async with write_tx():
        if await Warehouse.exists().where(Warehouse.code == code):
            raise Conflict("Warehouse code %(code)s is already taken", field="code", code=code)
        row = Warehouse(code=code, name=name, address=address, allow_negative=bool(allow_negative), active=True)
        await row.save()
        await record(actor, "warehouse.create", "warehouse", row.id,
                     {"code": code, "name": name, "allow_negative": bool(allow_negative)})
    return row.id


async def get_warehouse(warehouse_id: int) -> dict:
    row = await Warehouse.select().where(Warehouse.id == warehouse_id).first()
    if row is None:
        raise NotFound("Unknown warehouse %(id)s", id=warehouse_id)
    return row


def bin_address(zone: str, rack: str = "", shelf: str = "", cell: str = "") -> str:
    return "-".join(p for p in (zone, rack, shelf, cell) if p)


async def create_bin(warehouse_id: int, zone: str, rack: str = "", shelf: str = "", cell: str = "",
                     pick_seq: int | None = None, *, actor: str = "system") -> int:
    """address = "-".join of non-empty parts, e.g. "A-01-02-03"; unique per warehouse."""
    parts = [(p or "").strip().upper() for p in (zone, rack, shelf, cell)]
    if not parts[0]:
        raise ValidationFailed("A bin needs at least a zone", field="zone")
    for name, part in zip(("zone", "rack", "shelf", "cell"), parts, strict=True):
        if not _PART.match(part):
            raise ValidationFailed("%(part)s: at most 16 letters or digits", field=name, part=part)
    if pick_seq is not None and (not isinstance(pick_seq, int) or pick_seq < 0):
        raise ValidationFailed("The pick sequence must be a whole number, zero or more", field="pick_seq")
    address = bin_address(*parts)
    async with write_tx():
        warehouse = await get_warehouse(warehouse_id)
        taken = await Bin.exists().where(Bin.warehouse == warehouse_id).where(Bin.address == address)
        if taken:
            raise Conflict("Bin %(address)s already exists in %(warehouse)s", field="address", address=address,
                           warehouse=warehouse["code"])
        if pick_seq is None:
            rows = await Bin.raw("SELECT MAX(pick_seq) AS m FROM bin WHERE warehouse = {}", warehouse_id)
            pick_seq = (rows[0]["m"] if rows and rows[0]["m"] is not None else 0) + 10
        row = Bin(warehouse=warehouse_id, zone=parts[0], rack=parts[1], shelf=parts[2], cell=parts[3],
                  address=address, pick_seq=pick_seq, active=True)
        await row.save()
        await record(actor, "bin.create", "bin", row.id, {"warehouse": warehouse["code"], "address": address})
    return row.id


async def list_warehouses() -> list[dict]:
    """[{"id","code","name","address","allow_negative","active"}] ordered by code."""
    return await Warehouse.select(Warehouse.id, Warehouse.code, Warehouse.name, Warehouse.address,
                                  Warehouse.allow_negative, Warehouse.active).order_by(Warehouse.code)


async def list_bins(warehouse_id: int) -> list[dict]:
    """[{"id","address","zone","rack","shelf","cell","pick_seq"}] ordered by pick_seq."""
    return await (Bin.select(Bin.id, Bin.address, Bin.zone, Bin.rack, Bin.shelf, Bin.cell, Bin.pick_seq)
                  .where(Bin.warehouse == warehouse_id).where(Bin.active.eq(True))
                  .order_by(Bin.pick_seq).order_by(Bin.address))
