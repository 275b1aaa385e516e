"""The manager PWA (/manager): catalog, documents, stock."""

from __future__ import annotations


def manager_controllers() -> list:
    from server.routes.manager.bin_labels import BinLabelsController
    from server.routes.manager.cash import CashController
    from server.routes.manager.catalog import CatalogController, LabelsController, labels_pdf
    from server.routes.manager.catalog_edit import ProductFormController
    from server.routes.manager.categories import CategoriesController
    from server.routes.manager.channels import CatalogImportController, ChannelsController
    from server.routes.manager.couriers import CouriersController
    from server.routes.manager.customers import CustomersController
    from server.routes.manager.delivery_plan import DeliveryPlanController
    from server.routes.manager.delivery_sheet import RouteSheetController
    from server.routes.manager.documents import DocumentsController
    from server.routes.manager.home import ManagerHomeController
    from server.routes.manager.notifications import NotificationLogController, NotificationTemplatesController
    from server.routes.manager.order_shortages import OrderShortagesController
    from server.routes.manager.order_statuses import OrderStatusesController
    from server.routes.manager.orders import OrdersController
    from server.routes.manager.orders_live import OrdersLiveController
    from server.routes.manager.orders_new import PhoneOrderController
    from server.routes.manager.pick_report import PickReportController
    from server.routes.manager.price_types import PriceTypesController
    from server.routes.manager.receipt_import import ReceiptImportController
    from server.routes.manager.receipts import ReceiptsController
    from server.routes.manager.shortages import ShortagesController
    from server.routes.manager.variant_edit import VariantFormController
    from server.routes.manager.warehouses import WarehousesController
    from server.routes.manager.zones import OrderPinController, ZonesController

    return [ManagerHomeController, CatalogController, LabelsController, labels_pdf, DocumentsController,
            ProductFormController, VariantFormController, PriceTypesController, CategoriesController,
            WarehousesController, NotificationTemplatesController, NotificationLogController,
            CustomersController, ShortagesController, OrderStatusesController, ChannelsController,
            CatalogImportController, OrdersController,
            OrdersLiveController, PhoneOrderController, OrderShortagesController, PickReportController,
            BinLabelsController, ReceiptImportController, ZonesController, OrderPinController,
            ReceiptsController, CashController, DeliveryPlanController, RouteSheetController,
            CouriersController]
