"""The packing slip as a print view: ?size=80 for 80 mm label and receipt printers (one narrow column),
?size=a4 (the default) for an office printer. Pickers print it; there are no prices on it."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from server.domain.picking.slip import packing_slip
from server.routes.manager._orders_common import order_labels
from server.routes.warehouse._common import OPT, page

SIZES = ("a4", "80")


class PackingSlipController(Controller):
    path = "/warehouse/orders/{order_id:int}/slip"
    opt = OPT
    include_in_schema = False

    @get("/", name="warehouse-slip")
    async def slip(self, request: Request, order_id: int, size: str = "a4") -> Template:
        size = size if size in SIZES else "a4"
        return page(request, "warehouse/slip.html", {"slip": await packing_slip(order_id), "size": size,
                                                     "delivery_labels": order_labels()["delivery_labels"]})
