"""JSON API v1 (/api/v1): Bearer tokens, problem details, OpenAPI at /schema."""

from __future__ import annotations


def api_controllers() -> list:
    from server.routes.api.delivery_slots import DeliverySlotController
    from server.routes.api.documents import DocumentController
    from server.routes.api.orders import OrderController
    from server.routes.api.products import ProductController
    from server.routes.api.stock import StockController
    from server.routes.api.warehouses import WarehouseController

    return [ProductController, WarehouseController, StockController, DocumentController, OrderController,
            DeliverySlotController]
