"""The manager PWA (/manager): catalog, documents, stock."""

from __future__ import annotations


def manager_controllers() -> list:
    from server.routes.manager.catalog import CatalogController, LabelsController, labels_pdf
    from server.routes.manager.documents import DocumentsController
    from server.routes.manager.home import ManagerHomeController

    return [ManagerHomeController, CatalogController, LabelsController, labels_pdf, DocumentsController]
