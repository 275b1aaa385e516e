"""/api/v1/warehouses: the list (with bins on request), one warehouse with its totals, create and change
warehouses (closing one is refused while it holds anything), its bins with what each holds, new bins
(one, or a range walked like a snake; all or none) and changing a bin."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, get, patch, post

from server.domain.stock.bins import (
    BinFilter,
    BinRange,
    create_bins_range,
    get_bins,
    search_bins,
    update_bin,
)
from server.domain.stock.warehouses import (
    create_bin,
    create_warehouse,
    list_bins,
    list_warehouses,
    update_warehouse,
    warehouse_summary,
)
from server.errors import ValidationFailed
from server.routes.api.common import (
    CONFLICT,
    ID_PARAM,
    LIMIT_PARAM,
    MANAGE,
    NOT_FOUND,
    OFFSET_PARAM,
    PROBLEMS,
    READ_CATALOG,
    UNPROCESSABLE,
    ApiController,
    actor,
    format_money,
    next_offset,
    text_param,
)

WRITE_RESPONSES = {**PROBLEMS, **CONFLICT, **UNPROCESSABLE, **NOT_FOUND}
BinStatus = Literal["active", "inactive", "all"]


class BinOut(msgspec.Struct):
    id: int
    address: str  # zone-rack-shelf-cell, e.g. "A-01-02-03"
    zone: str
    rack: str
    shelf: str
    cell: str
    pick_seq: int


class WarehouseOut(msgspec.Struct, omit_defaults=True):
    id: int
    code: str
    name: str
    address: str
    allow_negative: bool
    active: bool
    bins: list[BinOut] | None = None


class WarehouseIn(msgspec.Struct, forbid_unknown_fields=True):
    code: str  # 1-32 letters, digits, dots, dashes, underscores; stored upper-case; never changes
    name: str
    address: str = ""
    allow_negative: bool = False


class WarehousePatch(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields given change. active: false closes the warehouse (refused while it holds stock,
    is below zero or has active reservations)."""

    name: str | None = None
    address: str | None = None
    allow_negative: bool | None = None
    active: bool | None = None


class RangeIn(msgspec.Struct, forbid_unknown_fields=True, rename={"first": "from", "last": "to"}):
    first: int  # 0…9999
    last: int | None = None  # omitted: just `from`


class BinsIn(msgspec.Struct, forbid_unknown_fields=True):
    """One bin (zone with optional rack, shelf, cell and pick_seq) or a range (zone with racks, and
    optionally shelves and cells): up to 2000 bins, numbered "A-01-02-03", all made or none."""

    zone: str
    rack: str = ""
    shelf: str = ""
    cell: str = ""
    pick_seq: int | None = None  # one bin only; omitted: after the warehouse's last bin
    racks: RangeIn | None = None
    shelves: RangeIn | None = None
    cells: RangeIn | None = None


class BinPatch(msgspec.Struct, forbid_unknown_fields=True):
    pick_seq: int | None = None
    active: bool | None = None  # false closes the bin (refused while it holds goods)


class WarehouseDetailOut(msgspec.Struct):
    id: int
    code: str
    name: str
    address: str
    allow_negative: bool
    active: bool
    open_bins: int
    skus: int  # goods with stock on hand
    on_hand: int  # units
    reserved: int
    value: str  # roubles at cost, "1234.50"
    value_kopecks: int


class BinDetailOut(msgspec.Struct):
    id: int
    address: str
    zone: str
    rack: str
    shelf: str
    cell: str
    pick_seq: int
    active: bool


class BinStockRowOut(msgspec.Struct):
    id: int
    address: str
    zone: str
    pick_seq: int
    active: bool
    skus: int  # goods lying in the bin
    on_hand: int  # their units


class BinPage(msgspec.Struct):
    items: list[BinStockRowOut]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class BinsCreatedOut(msgspec.Struct):
    count: int
    bins: list[BinDetailOut]


def _warehouse_out(row: dict) -> WarehouseDetailOut:
    return WarehouseDetailOut(id=row["id"], code=row["code"], name=row["name"], address=row["address"],
                              allow_negative=row["allow_negative"], active=row["active"], open_bins=row["bins"],
                              skus=row["skus"], on_hand=row["units"], reserved=row["reserved"],
                              value=format_money(row["value"]) or "0.00", value_kopecks=row["value"])


def _bin_out(row: dict) -> BinDetailOut:
    return BinDetailOut(id=row["id"], address=row["address"], zone=row["zone"], rack=row["rack"], shelf=row["shelf"],
                        cell=row["cell"], pick_seq=int(row["pick_seq"]), active=bool(row["active"]))


def _range(given: RangeIn | None) -> tuple[int, int | None] | None:
    return None if given is None else (given.first, given.last)


async def _create_bins(warehouse_id: int, data: BinsIn, who: str) -> list[int]:
    ranged = any(r is not None for r in (data.racks, data.shelves, data.cells))
    if ranged and (data.rack or data.shelf or data.cell or data.pick_seq is not None):
        raise ValidationFailed("Give either one bin (rack, shelf, cell, pick_seq) or ranges (racks, shelves, "
                               "cells), not both", field="racks")
    if ranged:
        spec = BinRange(data.zone, racks=_range(data.racks), shelves=_range(data.shelves), cells=_range(data.cells))
        return await create_bins_range(warehouse_id, spec, actor=who)
    return [await create_bin(warehouse_id, data.zone, data.rack, data.shelf, data.cell, data.pick_seq, actor=who)]


class WarehouseController(ApiController):
    path = "/api/v1/warehouses"
    tags = ["Stock"]

    @get("/", opt=READ_CATALOG, responses=PROBLEMS, summary="Warehouses, with their open bins when bins=true")
    async def list_(self, bins: bool = False) -> list[WarehouseOut]:
        rows = await list_warehouses()
        out = []
        for row in rows:
            cells = [BinOut(**b) for b in await list_bins(row["id"])] if bins else None
            out.append(WarehouseOut(id=row["id"], code=row["code"], name=row["name"], address=row["address"],
                                    allow_negative=bool(row["allow_negative"]), active=bool(row["active"]),
                                    bins=cells))
        return out

    @post("/", opt=MANAGE, status_code=201, responses=WRITE_RESPONSES, summary="Create a warehouse")
    async def create(self, request: Request[Any, Any, Any], data: WarehouseIn) -> WarehouseDetailOut:
        warehouse_id = await create_warehouse(data.code, data.name, address=data.address,
                                              allow_negative=data.allow_negative, actor=actor(request))
        return _warehouse_out(await warehouse_summary(warehouse_id))

    @get("/{warehouse_id:int}", opt=READ_CATALOG, responses={**PROBLEMS, **NOT_FOUND},
         summary="A warehouse with its totals: open bins, goods and units on hand, reserved, value at cost")
    async def read(self, warehouse_id: Annotated[int, ID_PARAM]) -> WarehouseDetailOut:
        return _warehouse_out(await warehouse_summary(warehouse_id))

    @patch("/{warehouse_id:int}", opt=MANAGE, responses=WRITE_RESPONSES,
           summary="Change a warehouse's name, address, negative stock or close / reopen it")
    async def change(self, request: Request[Any, Any, Any], warehouse_id: Annotated[int, ID_PARAM],
                     data: WarehousePatch) -> WarehouseDetailOut:
        await update_warehouse(warehouse_id, name=data.name, address=data.address,
                               allow_negative=data.allow_negative, active=data.active, actor=actor(request))
        return _warehouse_out(await warehouse_summary(warehouse_id))

    @get("/{warehouse_id:int}/bins", opt=READ_CATALOG, responses={**PROBLEMS, **NOT_FOUND},
         summary="Bins of a warehouse in walking order, with the goods and units in each")
    async def bins(self, warehouse_id: Annotated[int, ID_PARAM],
                   zone: Annotated[str, text_param(16, "Only this zone")] = "",
                   q: Annotated[str, text_param(80, "A piece of the address")] = "",
                   status: BinStatus = "active", limit: Annotated[int, LIMIT_PARAM] = 50,
                   offset: Annotated[int, OFFSET_PARAM] = 0) -> BinPage:
        rows, total = await search_bins(warehouse_id, BinFilter(zone=zone, query=q, status=status), limit=limit,
                                        offset=offset)
        items = [BinStockRowOut(id=r["id"], address=r["address"], zone=r["zone"], pick_seq=int(r["pick_seq"]),
                                active=r["active"], skus=r["skus"], on_hand=r["units"]) for r in rows]
        return BinPage(items=items, total=total, limit=limit, offset=offset,
                       next_offset=next_offset(offset, len(rows), total))

    @post("/{warehouse_id:int}/bins", opt=MANAGE, status_code=201, responses=WRITE_RESPONSES,
          summary="Add one bin, or a range of bins (racks, shelves, cells) walked like a snake; all or none")
    async def add_bins(self, request: Request[Any, Any, Any], warehouse_id: Annotated[int, ID_PARAM],
                       data: BinsIn) -> BinsCreatedOut:
        ids = await _create_bins(warehouse_id, data, actor(request))
        return BinsCreatedOut(count=len(ids), bins=[_bin_out(r) for r in await get_bins(ids)])

    @patch("/{warehouse_id:int}/bins/{bin_id:int}", opt=MANAGE, responses=WRITE_RESPONSES,
           summary="Move a bin in the walk (pick_seq) or close / reopen it")
    async def change_bin(self, request: Request[Any, Any, Any], warehouse_id: Annotated[int, ID_PARAM],
                         bin_id: Annotated[int, ID_PARAM], data: BinPatch) -> BinDetailOut:
        row = await update_bin(bin_id, pick_seq=data.pick_seq, active=data.active, warehouse_id=warehouse_id,
                               actor=actor(request))
        return _bin_out(row)
