"""Warehouses and their bins (addressed zone-rack-shelf-cell, walked in pick_seq order).

Creating, changing and closing a warehouse, one bin at a time, and the lists with stock totals.
Generating bins in bulk, changing a bin and the bins page live in bins.py. Every change writes an
audit row in the same transaction; stock is only read here (see _holdings.py).
"""

from __future__ import annotations

import re

from server.db import in_transaction, is_sqlite, is_unique_violation, write_tx
from server.domain.audit.log import record
from server.domain.stock._holdings import Held, warehouse_held
from server.domain.stock.tables import Bin, StockBalance, Warehouse
from server.errors import Conflict, DomainError, NotFound, ValidationFailed

_CODE = re.compile(r"^[A-Za-z0-9А-Яа-яЁё_.-]{1,32}$")
_PART = re.compile(r"^[A-Za-z0-9А-Яа-яЁё_.]{0,16}$")
PICK_STEP = 10  # a new bin goes this far after the last one: room to slot bins in between later
MAX_PICK_SEQ = 1_000_000_000  # fits the Integer column with room for a step


def raise_all(problems: list[DomainError], summary: str = "The warehouse has %(count)s errors") -> None:
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationFailed(summary, problems=problems, count=len(problems))


def _texts(name: str | None, address: str | None) -> list[DomainError]:
    problems: list[DomainError] = []
    if name is not None and (not name or len(name) > 200):
        problems.append(ValidationFailed("The warehouse name must be 1 to 200 characters long", field="name"))
    if address is not None and len(address) > 300:
        problems.append(ValidationFailed("The address must be at most 300 characters long", field="address"))
    return problems


async def create_warehouse(code: str, name: str, *, address: str = "", allow_negative: bool = False,
                           actor: str = "system") -> int:
    code, name, address = (code or "").strip().upper(), (name or "").strip(), (address or "").strip()
    problems: list[DomainError] = []
    if not _CODE.match(code):
        problems.append(ValidationFailed("The warehouse code must be 1 to 32 letters, digits, dots, dashes or "
                                         "underscores", field="code"))
    problems.extend(_texts(name, address))
    raise_all(problems)
    outermost = not in_transaction()
    try:
        async with write_tx():
            if await Warehouse.exists().where(Warehouse.code == code):
                raise Conflict("Warehouse code %(code)s is already taken", field="code", code=code)
            row = Warehouse(code=code, name=name, address=address, allow_negative=bool(allow_negative),
                            active=True)
            await row.save()
            await record(actor, "warehouse.create", "warehouse", row.id,
                         {"code": code, "name": name, "allow_negative": bool(allow_negative)})
    except Exception as exc:  # two people took the same code at the same moment: the index refused one
        if outermost and is_unique_violation(exc):
            raise Conflict("Warehouse code %(code)s is already taken", field="code", code=code) from None
        raise
    return row.id


async def get_warehouse(warehouse_id: int) -> dict:
    row = await Warehouse.select().where(Warehouse.id == warehouse_id).first()
    if row is None:
        raise NotFound("Unknown warehouse %(id)s", id=warehouse_id)
    return row


async def lock_warehouse(warehouse_id: int) -> dict:
    """The warehouse row, locked until the transaction ends (PostgreSQL; SQLite's IMMEDIATE transaction
    already excludes other writers): bin generation and closing are serialised per warehouse."""
    if is_sqlite() or not in_transaction():
        return await get_warehouse(warehouse_id)
    rows = await Warehouse.raw("SELECT * FROM warehouse WHERE id = {} FOR UPDATE", warehouse_id)
    if not rows:
        raise NotFound("Unknown warehouse %(id)s", id=warehouse_id)
    return rows[0]


def _refuse_closing(code: str, held: Held) -> None:
    problems: list[DomainError] = []
    if held.skus:
        problems.append(Conflict("Warehouse %(code)s still holds %(units)s units of %(skus)s goods; move or write "
                                 "them off before closing it", field="active", code=code, units=held.units,
                                 skus=held.skus))
    if held.short_skus:
        problems.append(Conflict("Warehouse %(code)s is below zero for %(skus)s goods (%(units)s units); count "
                                 "them with an inventory before closing it", field="active", code=code,
                                 units=held.short_units, skus=held.short_skus))
    if held.reserved_units:
        problems.append(Conflict("Warehouse %(code)s has %(units)s units reserved for %(orders)s orders; release "
                                 "the reservations before closing it", field="active", code=code,
                                 units=held.reserved_units, orders=held.reserved_orders))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise Conflict("Warehouse %(code)s cannot be closed", field="active", problems=problems, code=code)


async def update_warehouse(warehouse_id: int, *, name: str | None = None, address: str | None = None,
                           allow_negative: bool | None = None, active: bool | None = None,
                           actor: str = "system") -> dict:
    """Changes what is given (None keeps a value); the code stays. Closing (active=False) is refused
    while the warehouse holds stock, is below zero, or has active reservations; forbidding negative
    stock is refused while some goods are below zero. Returns the warehouse as it is now."""
    name = None if name is None else name.strip()
    address = None if address is None else address.strip()
    raise_all(_texts(name, address))
    async with write_tx():
        old = await lock_warehouse(warehouse_id)
        current = {"name": old["name"], "address": old["address"], "allow_negative": bool(old["allow_negative"]),
                   "active": bool(old["active"])}
        wanted = {"name": name, "address": address, "allow_negative": allow_negative, "active": active}
        new = {k: current[k] if v is None else (bool(v) if isinstance(current[k], bool) else v)
               for k, v in wanted.items()}
        changes = {k: {"old": current[k], "new": new[k]} for k in new if new[k] != current[k]}
        if not changes:
            return {**old, **current}
        closing = "active" in changes and not new["active"]
        forbidding = "allow_negative" in changes and not new["allow_negative"]
        if closing or forbidding:
            held = await warehouse_held(warehouse_id)
            if closing:
                _refuse_closing(old["code"], held)
            if held.short_skus:
                raise Conflict("Warehouse %(code)s is below zero for %(skus)s goods; count them with an inventory "
                               "before forbidding negative stock", field="allow_negative", code=old["code"],
                               skus=held.short_skus)
        await Warehouse.update({getattr(Warehouse, k): v for k, v in new.items()}).where(
            Warehouse.id == warehouse_id)
        await record(actor, "warehouse.close" if closing else "warehouse.update", "warehouse", warehouse_id,
                     {"code": old["code"], **changes})
    return {**old, **new}


def bin_address(zone: str, rack: str = "", shelf: str = "", cell: str = "") -> str:
    return "-".join(p for p in (zone, rack, shelf, cell) if p)


def check_parts(zone: str, rack: str = "", shelf: str = "", cell: str = "") -> tuple[list[str], list[DomainError]]:
    """The address parts trimmed and upper-cased, and every problem with them."""
    parts = [(p or "").strip().upper() for p in (zone, rack, shelf, cell)]
    problems: list[DomainError] = []
    if not parts[0]:
        problems.append(ValidationFailed("A bin needs at least a zone", field="zone"))
    for name, part in zip(("zone", "rack", "shelf", "cell"), parts, strict=True):
        if not _PART.match(part):
            problems.append(ValidationFailed("%(part)s: at most 16 letters or digits", field=name, part=part[:40]))
    return parts, problems


def check_pick_seq(pick_seq: object) -> list[DomainError]:
    if isinstance(pick_seq, bool) or not isinstance(pick_seq, int) or not 0 <= pick_seq <= MAX_PICK_SEQ:
        return [ValidationFailed("The pick sequence must be a whole number from 0 to %(max)s", field="pick_seq",
                                 max=MAX_PICK_SEQ)]
    return []


async def next_pick_seq(warehouse_id: int) -> int:
    """Where a new bin goes in the walk: PICK_STEP after the warehouse's last bin (closed bins count)."""
    rows = await Bin.raw("SELECT MAX(pick_seq) AS m FROM bin WHERE warehouse = {}", warehouse_id)
    return (rows[0]["m"] if rows and rows[0]["m"] is not None else 0) + PICK_STEP


async def create_bin(warehouse_id: int, zone: str, rack: str = "", shelf: str = "", cell: str = "",
                     pick_seq: int | None = None, *, actor: str = "system") -> int:
    """address = "-".join of non-empty parts, e.g. "A-01-02-03"; unique per warehouse. Without a
    pick_seq the bin goes last in the walk."""
    parts, problems = check_parts(zone, rack, shelf, cell)
    if pick_seq is not None:
        problems.extend(check_pick_seq(pick_seq))
    raise_all(problems, "The bin has %(count)s errors")
    address = bin_address(*parts)
    async with write_tx():
        warehouse = await lock_warehouse(warehouse_id)
        if not warehouse["active"]:
            raise Conflict("Warehouse %(code)s is closed", field="warehouse_id", code=warehouse["code"])
        taken = await Bin.exists().where(Bin.warehouse == warehouse_id).where(Bin.address == address)
        if taken:
            raise Conflict("Bin %(address)s already exists in %(warehouse)s", field="address", address=address,
                           warehouse=warehouse["code"])
        if pick_seq is None:
            pick_seq = min(await next_pick_seq(warehouse_id), MAX_PICK_SEQ)
        row = Bin(warehouse=warehouse_id, zone=parts[0], rack=parts[1], shelf=parts[2], cell=parts[3],
                  address=address, pick_seq=pick_seq, active=True)
        await row.save()
        await record(actor, "bin.create", "bin", row.id, {"warehouse": warehouse["code"], "address": address,
                                                          "pick_seq": pick_seq})
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


async def warehouse_totals() -> list[dict]:
    """Every warehouse (closed ones too, open first, by code) with what it holds: {"id","code","name",
    "address","allow_negative","active","bins" (open bins),"skus" (goods on hand),"units","reserved",
    "value" (kopecks)}."""
    rows = await list_warehouses()
    bins = {r["warehouse"]: int(r["n"]) for r in await Bin.raw(
        "SELECT warehouse, COUNT(*) AS n FROM bin WHERE active = {} GROUP BY warehouse", True)}
    stock = {r["warehouse"]: r for r in await StockBalance.raw(
        "SELECT warehouse, SUM(CASE WHEN on_hand <> 0 THEN 1 ELSE 0 END) AS skus, SUM(on_hand) AS units, "
        "SUM(reserved) AS reserved, SUM(value) AS value FROM stock_balance GROUP BY warehouse")}
    out = []
    for row in rows:
        held = stock.get(row["id"], {})
        out.append({**row, "allow_negative": bool(row["allow_negative"]), "active": bool(row["active"]),
                    "bins": bins.get(row["id"], 0),
                    **{k: int(held.get(k) or 0) for k in ("skus", "units", "reserved", "value")}})
    return sorted(out, key=lambda r: (not r["active"], r["code"]))


async def warehouse_summary(warehouse_id: int) -> dict:
    """One warehouse with its totals (see warehouse_totals)."""
    for row in await warehouse_totals():
        if row["id"] == warehouse_id:
            return row
    raise NotFound("Unknown warehouse %(id)s", id=warehouse_id)
