"""/api/v1/stock (per warehouse: on hand, reserved, available). Warehouses and bins are in warehouses.py."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import get

from server.domain.catalog.barcodes import find_by_barcode, find_by_sku
from server.domain.stock.balances import bin_levels, stock_levels
from server.errors import NotFound, ValidationFailed
from server.routes.api.common import (
    NOT_FOUND,
    PROBLEMS,
    READ_CATALOG,
    UNPROCESSABLE,
    ApiController,
    text_param,
)


class BinStockOut(msgspec.Struct):
    address: str
    on_hand: int


class WarehouseStockOut(msgspec.Struct):
    warehouse_id: int
    warehouse: str  # code
    name: str
    on_hand: int
    reserved: int
    available: int
    bins: list[BinStockOut]


class StockOut(msgspec.Struct):
    variant_id: int
    sku: str
    on_hand: int  # all warehouses
    reserved: int
    available: int
    warehouses: list[WarehouseStockOut]


async def _variant(sku: str | None, barcode: str | None) -> tuple[int, str]:
    if (sku is None) == (barcode is None):
        raise ValidationFailed("Give either sku or barcode", field="sku")
    if sku is not None:
        found = await find_by_sku(sku)
        if found is None:
            raise NotFound("Unknown SKU %(sku)s", field="sku", sku=sku.strip())
        return found.variant_id, found.sku
    found = await find_by_barcode(barcode or "")
    if found is None:
        raise NotFound("Unknown barcode %(barcode)s", field="barcode", barcode=(barcode or "").strip())
    return found.variant_id, found.sku


class StockController(ApiController):
    path = "/api/v1/stock"
    tags = ["Stock"]

    @get("/", opt=READ_CATALOG, responses={**PROBLEMS, **NOT_FOUND, **UNPROCESSABLE},
         summary="Stock of one variant (by sku or barcode) per warehouse: on hand, reserved, available")
    async def read(self, sku: Annotated[str | None, text_param(64, "The SKU (any case)")] = None,
                   barcode: Annotated[str | None, text_param(64, "A barcode (a package barcode finds its goods)")] = None) -> StockOut:
        variant_id, found_sku = await _variant(sku, barcode)
        levels = await stock_levels(variant_id)
        cells = await bin_levels(variant_id)
        warehouses = [
            WarehouseStockOut(warehouse_id=lv.warehouse_id, warehouse=lv.warehouse_code, name=lv.warehouse_name,
                              on_hand=lv.on_hand, reserved=lv.reserved, available=lv.available,
                              bins=[BinStockOut(address=c["address"], on_hand=c["on_hand"])
                                    for c in cells if c["warehouse_id"] == lv.warehouse_id])
            for lv in levels
        ]
        return StockOut(variant_id=variant_id, sku=found_sku, on_hand=sum(w.on_hand for w in warehouses),
                        reserved=sum(w.reserved for w in warehouses),
                        available=sum(w.available for w in warehouses), warehouses=warehouses)
