"""The warehouse PWA (/warehouse): picking, packing, receiving and counting, for pickers (and managers)."""

from __future__ import annotations


def warehouse_controllers() -> list:
    from server.routes.warehouse.home import WarehouseHomeController

    return [WarehouseHomeController]
