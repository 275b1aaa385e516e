"""The route sheet, a print view (A4) of one route: per stop the sequence, address, window, ETA, items,
amount to collect, the customer's phone and a QR of the order (its manager URL); a QR of the whole sheet:
the route's sheet token itself, which the cashier scans into the handover screen (/manager/cash, whose
server.domain.payments.handover.route_by_sheet_token takes the token, or a link ending with it)."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from server.domain.catalog.barcode_svg import qr_svg
from server.domain.delivery.planning import route_sheet
from server.routes.manager import _delivery_view as view
from server.routes.manager._common import page
from server.routes.manager.delivery_plan import ROLES


class RouteSheetController(Controller):
    path = "/manager/delivery/routes/{route_id:int}/sheet"
    opt = {"roles": ROLES}
    include_in_schema = False

    @get("/", name="manager-delivery-sheet")
    async def sheet(self, request: Request, route_id: int) -> Template:
        sheet = await route_sheet(route_id)
        base = str(request.base_url).rstrip("/")
        route = sheet.get("route") or sheet
        stops = sorted((view.sheet_stop(s) for s in sheet.get("stops") or route.get("stops") or []),
                       key=lambda s: s["seq"] or 0)
        for s in stops:
            s["qr"] = qr_svg(f"{base}/manager/orders/{s['order_id']}", label=str(s["number"] or s["order_id"]))
        token = str(route.get("sheet_token") or "")
        return page(request, "manager/delivery_sheet.html", {
            "route": route, "sheet": sheet, "stops": stops, "token": token,
            "sheet_qr": qr_svg(token, label=token) if token else "",
            "total_due": sum(s["amount_due"] or 0 for s in stops), "hhmm": view.hhmm,
            "window_text": view.window_text, **view.labels()})
