"""Bins in bulk and one at a time: generate a range (zone + racks + shelves + cells), change a bin's
place in the walk or close it, and the bins of a warehouse with what each one holds.

A range is numbered with zeros in front ("A-01-02-03"; at least two digits, more when the last number
needs them) and walked like a snake along the racks: odd racks from the first shelf and cell to the
last, even racks back again, so a picker never walks an aisle empty-handed. The new bins continue the
warehouse's walk after its last bin. Stock is only read here (see _holdings.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.db import is_sqlite, write_tx
from server.domain.audit.log import record
from server.domain.stock._holdings import bin_goods, bin_held
from server.domain.stock.tables import Bin
from server.domain.stock.warehouses import (
    MAX_PICK_SEQ,
    PICK_STEP,
    bin_address,
    check_parts,
    check_pick_seq,
    get_warehouse,
    lock_warehouse,
    next_pick_seq,
    raise_all,
    warehouse_summary,
)
from server.errors import Conflict, DomainError, NotFound, ValidationFailed

MAX_BINS = 2000  # per call
MAX_NUMBER = 9999  # racks, shelves and cells are numbered 0…9999
STATUSES = ("active", "inactive", "all")


@dataclass(frozen=True)
class BinRange:
    """zone "A", racks (1, 4), shelves (1, 5), cells (1, 3). A range is (first, last); last None means
    just the first. Shelves need racks and cells need shelves; a zone alone is one bin."""

    zone: str
    racks: tuple[Any, Any] | None = None
    shelves: tuple[Any, Any] | None = None
    cells: tuple[Any, Any] | None = None


@dataclass(frozen=True)
class RangePlan:
    addresses: list[tuple[str, str, str, str]]  # (zone, rack, shelf, cell) in walking order

    @property
    def count(self) -> int:
        return len(self.addresses)

    def address(self, n: int) -> str:
        return bin_address(*self.addresses[n])


@dataclass(frozen=True)
class RangePreview:
    warehouse: dict
    count: int
    first: str
    last: str
    existing: list[str]  # addresses of the range the warehouse already has
    first_pick_seq: int


def _numbers(name: str, bounds: tuple[Any, Any] | None, problems: list[DomainError]) -> list[str] | None:
    """The numbers of one range, zero-padded; None when not given (or wrong: the problem is added)."""
    if bounds is None:
        return None
    first, last = bounds
    if last is None or last == "":
        last = first
    bad = [v for v in (first, last) if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= MAX_NUMBER]
    if bad:
        problems.append(ValidationFailed("«%(value)s» is not a whole number from 0 to %(max)s", field=name,
                                         value=str(bad[0])[:20], max=MAX_NUMBER))
        return None
    if first > last:
        problems.append(ValidationFailed("The range ends before it starts: %(first)s > %(last)s", field=name,
                                         first=first, last=last))
        return None
    width = max(2, len(str(last)))
    return [str(n).zfill(width) for n in range(first, last + 1)]


def plan_range(spec: BinRange) -> RangePlan:
    """Checks the range and lists its addresses in walking order; every problem is reported at once."""
    parts, problems = check_parts(spec.zone)
    zone = parts[0]
    racks = _numbers("racks", spec.racks, problems)
    shelves = _numbers("shelves", spec.shelves, problems)
    cells = _numbers("cells", spec.cells, problems)
    if spec.shelves is not None and spec.racks is None:
        problems.append(ValidationFailed("Shelves need a range of racks", field="racks"))
    if spec.cells is not None and spec.shelves is None:
        problems.append(ValidationFailed("Cells need a range of shelves", field="shelves"))
    count = len(racks or [""]) * len(shelves or [""]) * len(cells or [""])
    if count > MAX_BINS:
        problems.append(ValidationFailed("That is %(count)s bins; at most %(max)s can be made at once", field="",
                                         count=count, max=MAX_BINS))
    raise_all(problems, "The range has %(count)s errors")
    addresses: list[tuple[str, str, str, str]] = []
    for rack in racks or [""]:
        inside = [(shelf, cell) for shelf in shelves or [""] for cell in cells or [""]]
        if rack and int(rack) % 2 == 0:  # even racks are walked back
            inside.reverse()
        addresses.extend((zone, rack, shelf, cell) for shelf, cell in inside)
    return RangePlan(addresses)


async def _existing(warehouse_id: int, addresses: list[str]) -> list[str]:
    taken: set[str] = set()
    for n in range(0, len(addresses), 500):
        chunk = addresses[n:n + 500]
        rows = await Bin.select(Bin.address).where(Bin.warehouse == warehouse_id).where(Bin.address.is_in(chunk))
        taken.update(r["address"] for r in rows)
    return [a for a in addresses if a in taken]


async def preview_bins_range(warehouse_id: int, spec: BinRange) -> RangePreview:
    """What create_bins_range would make, without making it: how many, first and last address, which
    already exist and where the walk would start. Raises the same checks' problems."""
    warehouse = await get_warehouse(warehouse_id)
    plan = plan_range(spec)
    addresses = [plan.address(n) for n in range(plan.count)]
    return RangePreview(warehouse=warehouse, count=plan.count, first=addresses[0], last=addresses[-1],
                        existing=await _existing(warehouse_id, addresses),
                        first_pick_seq=await next_pick_seq(warehouse_id))


async def create_bins_range(warehouse_id: int, spec: BinRange, *, actor: str = "system") -> list[int]:
    """Makes every bin of the range or none: a range with an address the warehouse already has is
    refused whole, naming every such address. Returns the new ids in walking order."""
    plan = plan_range(spec)
    addresses = [plan.address(n) for n in range(plan.count)]
    async with write_tx():
        warehouse = await lock_warehouse(warehouse_id)
        if not warehouse["active"]:
            raise Conflict("Warehouse %(code)s is closed", field="warehouse_id", code=warehouse["code"])
        existing = await _existing(warehouse_id, addresses)
        if existing:
            raise Conflict("%(count)s of these bins already exist in %(warehouse)s: %(addresses)s", field="address",
                           count=len(existing), warehouse=warehouse["code"], addresses=", ".join(existing))
        start = await next_pick_seq(warehouse_id)
        if start + PICK_STEP * (plan.count - 1) > MAX_PICK_SEQ:
            raise Conflict("The walk of %(warehouse)s has no room left after %(max)s; renumber its bins first",
                           field="pick_seq", warehouse=warehouse["code"], max=MAX_PICK_SEQ)
        rows = [Bin(warehouse=warehouse_id, zone=z, rack=r, shelf=s, cell=c, address=bin_address(z, r, s, c),
                    pick_seq=start + PICK_STEP * n, active=True) for n, (z, r, s, c) in enumerate(plan.addresses)]
        ids = []
        for n in range(0, len(rows), 500):
            ids.extend(r["id"] for r in await Bin.insert(*rows[n:n + 500]).returning(Bin.id))
        await record(actor, "bin.create_range", "warehouse", warehouse_id,
                     {"warehouse": warehouse["code"], "count": plan.count, "first": addresses[0],
                      "last": addresses[-1], "pick_seq": [start, start + PICK_STEP * (plan.count - 1)]})
    return ids


async def get_bins(ids: list[int]) -> list[dict]:
    """The bins with these ids, in walking order (without their goods)."""
    found: list[dict] = []
    for n in range(0, len(ids), 500):
        found.extend(await Bin.select().where(Bin.id.is_in(ids[n:n + 500])))
    return sorted(({**r, "active": bool(r["active"])} for r in found), key=lambda r: (r["pick_seq"], r["address"]))


async def get_bin(bin_id: int, *, warehouse_id: int | None = None) -> dict:
    """One bin with its warehouse and the goods lying in it ({"goods": [{"sku","name","on_hand"}]}).
    With warehouse_id, a bin of another warehouse is unknown."""
    row = await Bin.select().where(Bin.id == bin_id).first()
    if row is None or (warehouse_id is not None and row["warehouse"] != warehouse_id):
        raise NotFound("Unknown bin %(id)s", id=bin_id)
    return {**row, "active": bool(row["active"]), "warehouse": await get_warehouse(row["warehouse"]),
            "goods": await bin_goods(bin_id)}


async def _lock_bin(bin_id: int, warehouse_id: int | None) -> dict:
    rows = await Bin.raw("SELECT * FROM bin WHERE id = {}" + ("" if is_sqlite() else " FOR UPDATE"), bin_id)
    if not rows or (warehouse_id is not None and rows[0]["warehouse"] != warehouse_id):
        raise NotFound("Unknown bin %(id)s", id=bin_id)
    return rows[0]


async def update_bin(bin_id: int, *, pick_seq: int | None = None, active: bool | None = None,
                     warehouse_id: int | None = None, actor: str = "system") -> dict:
    """Moves a bin in the walk (pick_seq) and closes or reopens it. Closing a bin that still holds
    goods (or is below zero) is refused. Returns the bin as it is now."""
    raise_all(check_pick_seq(pick_seq) if pick_seq is not None else [])
    async with write_tx():
        old = await _lock_bin(bin_id, warehouse_id)
        current = {"pick_seq": int(old["pick_seq"]), "active": bool(old["active"])}
        new = {"pick_seq": current["pick_seq"] if pick_seq is None else pick_seq,
               "active": current["active"] if active is None else bool(active)}
        changes = {k: {"old": current[k], "new": new[k]} for k in new if new[k] != current[k]}
        if not changes:
            return {**old, **current}
        closing = "active" in changes and not new["active"]
        if closing:
            held = await bin_held(bin_id)
            if held.skus:
                raise Conflict("Bin %(address)s still holds %(units)s units of %(skus)s goods; move them to another "
                               "bin before closing it", field="active", address=old["address"], units=held.units,
                               skus=held.skus)
            if held.short_skus:
                raise Conflict("Bin %(address)s is below zero for %(skus)s goods (%(units)s units); count them with "
                               "an inventory before closing it", field="active", address=old["address"],
                               units=held.short_units, skus=held.short_skus)
        await Bin.update({Bin.pick_seq: new["pick_seq"], Bin.active: new["active"]}).where(Bin.id == bin_id)
        await record(actor, "bin.close" if closing else "bin.update", "bin", bin_id,
                     {"address": old["address"], **changes})
    return {**old, **new}


@dataclass(frozen=True)
class BinFilter:
    zone: str = ""  # exactly this zone
    query: str = ""  # a piece of the address
    status: str = "active"  # STATUSES


def _where(warehouse_id: int, f: BinFilter) -> tuple[str, list[Any]]:
    sql, args = "b.warehouse = {}", [warehouse_id]
    if f.zone:
        sql, args = sql + " AND b.zone = {}", [*args, f.zone.strip().upper()]
    if f.query.strip():
        escaped = f.query.strip().upper().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        sql, args = sql + " AND b.address LIKE {} ESCAPE '\\'", [*args, f"%{escaped}%"]
    if f.status in ("active", "inactive"):
        sql, args = sql + " AND b.active = {}", [*args, f.status == "active"]
    return sql, args


async def search_bins(warehouse_id: int, f: BinFilter = BinFilter(), *, limit: int = 50,
                      offset: int = 0) -> tuple[list[dict], int]:
    """Bins of a warehouse in walking order, each with "skus" (goods in it) and "units"; and how many
    match in all. An unknown warehouse is NotFound."""
    await get_warehouse(warehouse_id)
    where, args = _where(warehouse_id, f)
    rows = await Bin.raw(
        "SELECT b.id, b.address, b.zone, b.rack, b.shelf, b.cell, b.pick_seq, b.active, "
        "COALESCE(h.skus, 0) AS skus, COALESCE(h.units, 0) AS units FROM bin b LEFT JOIN "
        "(SELECT bin, COUNT(*) AS skus, SUM(on_hand) AS units FROM bin_balance WHERE on_hand <> 0 GROUP BY bin) h "
        f"ON h.bin = b.id WHERE {where} ORDER BY b.pick_seq, b.address LIMIT {{}} OFFSET {{}}",
        *args, max(1, min(limit, 500)), max(0, offset))
    total = await Bin.raw(f"SELECT COUNT(*) AS n FROM bin b WHERE {where}", *args)
    return ([{**r, "active": bool(r["active"]), "skus": int(r["skus"]), "units": int(r["units"])} for r in rows],
            int(total[0]["n"]) if total else 0)


async def bin_zones(warehouse_id: int) -> list[str]:
    rows = await Bin.select(Bin.zone).where(Bin.warehouse == warehouse_id).distinct().order_by(Bin.zone)
    return [r["zone"] for r in rows if r["zone"]]


@dataclass(frozen=True)
class BinsPage:
    warehouse: dict  # with its stock totals (see warehouses.warehouse_totals)
    rows: list[dict]
    total: int
    zones: list[str]


async def bins_page(warehouse_id: int, f: BinFilter = BinFilter(), *, limit: int = 50, offset: int = 0) -> BinsPage:
    """A warehouse's page: the warehouse with its totals, one page of its bins, and its zones."""
    rows, total = await search_bins(warehouse_id, f, limit=limit, offset=offset)
    return BinsPage(warehouse=await warehouse_summary(warehouse_id), rows=rows, total=total,
                    zones=await bin_zones(warehouse_id))
