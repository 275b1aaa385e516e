"""The warehouse app's start: the orders waiting to be picked (issue #4 fills in the rest)."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from server.domain.picking.lists import orders_to_pick
from server.routes.warehouse._common import OPT, page


class WarehouseHomeController(Controller):
    path = "/warehouse"
    opt = OPT
    include_in_schema = False

    @get("/", name="warehouse-home")
    async def home(self, request: Request) -> Template:
        return page(request, "warehouse/home.html", {"orders": await orders_to_pick(), "nav": "pick"})
