"""The warehouse PWA (/warehouse): picking, packing, receiving and counting, for pickers (and managers)."""

from __future__ import annotations


def warehouse_controllers() -> list:
    from server.routes.warehouse.counts import CountsController
    from server.routes.warehouse.home import WarehouseHomeController
    from server.routes.warehouse.picking import PickingController
    from server.routes.warehouse.receiving import ReceivingController
    from server.routes.warehouse.shortages import PickShortageController
    from server.routes.warehouse.slip import PackingSlipController

    return [WarehouseHomeController, PickingController, PickShortageController, PackingSlipController,
            ReceivingController, CountsController]
