"""Bin labels (GET /manager/warehouses/{id}/bin-labels?zone=&q=&status=): a print view with every bin's
address as Code 128 and in big letters, for location-first picking. Managers only."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from server.domain.stock.bin_labels import bin_labels
from server.domain.stock.bins import STATUSES
from server.routes.manager._common import STOCK_ROLES, page


class BinLabelsController(Controller):
    path = "/manager/warehouses/{warehouse_id:int}/bin-labels"
    opt = {"roles": STOCK_ROLES}
    include_in_schema = False

    @get("/", name="manager-bin-labels")
    async def labels(self, request: Request, warehouse_id: int, zone: str = "", q: str = "",
                     status: str = "active") -> Template:
        found = await bin_labels(warehouse_id, zone=zone.strip()[:16].upper(), query=q.strip()[:80],
                                 status=status if status in STATUSES else "active")
        return page(request, "manager/bin_labels.html", {**found, "nav": "warehouses",
                                                         "filters": {"zone": zone, "q": q, "status": status}})
