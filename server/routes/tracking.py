"""The customer's tracking page /t/<token> (public: the token is the only credential) and its tiny
service worker /t/sw.js (scope /t/: shows web push notifications, nothing else).

Fast by design: one server-rendered page with its CSS and a few lines of script inline (no framework,
no other request until the customer asks for notifications); nothing personal beyond the first name.
The page also says where the delivery is (server/domain/delivery/tracking_state.py): packed and waiting
for a courier, on a published route the courier has not started (the planned window), on the way (the
window, the stops still before this one, an apology when late: tracking_eta.py), delivered or not — never
who the courier is, where they are or the other addresses; while the order is open a few lines of script
re-read that block every minute from /t/<token>/eta (the same fragment, public by the token too).
The push key and the subscription endpoints are in tracking_push.py."""

from __future__ import annotations

from pathlib import Path

from litestar import Controller, get
from litestar.response import Response, Template

from server.config import get_settings
from server.domain.delivery.tracking_eta import FINISHED_ORDERS
from server.domain.delivery.tracking_state import tracking_by_token
from server.domain.orders.queries import tracking_info
from server.domain.orders.settings import status_settings
from server.errors import NotFound
from server.web.i18n import gettext as _

SW_SOURCE = Path(__file__).resolve().parent.parent.parent / "service-worker" / "src" / "tracking.js"
SCOPE = "/t/"
# The usual way of an order; the page shows the steps still ahead of it.
FLOW = ("new", "confirmed", "picking", "packed", "out_for_delivery", "delivered")
PRIVATE = {"Cache-Control": "private, no-cache", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


def _delivery_labels() -> dict[str, str]:
    return {"courier": _("Courier delivery"), "pickup": _("Pickup from the shop"), "post": _("Delivery by post"),
            "transport_company": _("Delivery by a transport company")}


class TrackingController(Controller):
    path = "/t"
    opt = {"public": True}
    include_in_schema = False

    @get("/sw.js", name="tracking-sw")
    async def service_worker(self) -> Response[bytes]:
        return Response(SW_SOURCE.read_bytes(), media_type="text/javascript",
                        headers={"Service-Worker-Allowed": SCOPE, "Cache-Control": "no-cache"})

    @get("/{token:str}", name="tracking-page")
    async def tracking_page(self, token: str) -> Template:
        try:
            order = await tracking_info(token)
        except NotFound:
            return Template("common/tracking/missing.html", status_code=404, headers=PRIVATE)
        tracking = (await tracking_by_token(token))["tracking"]
        labels = {code: s.label for code, s in (await status_settings()).items()}
        ahead = FLOW[FLOW.index(order["status"]) + 1:] if order["status"] in FLOW else ()
        return Template("common/tracking/page.html", headers=PRIVATE,
                        context={"o": order, "token": token, "ahead": [labels[s] for s in ahead],
                                 "delivery_labels": _delivery_labels(), "tracking": tracking,
                                 "live": order["status"] not in FINISHED_ORDERS,
                                 "timezone": get_settings().timezone})

    @get("/{token:str}/eta", name="tracking-eta")
    async def eta_fragment(self, token: str) -> Template | Response[bytes]:
        """The page's delivery block alone; the order's status in X-Order-Status (a change reloads the page),
        the delivery's phase in X-Tracking-Phase (empty: nothing to say)."""
        try:
            found = await tracking_by_token(token)
        except NotFound:
            return Response(b"", status_code=404, media_type="text/html", headers=PRIVATE)
        tracking = found["tracking"]
        headers = {**PRIVATE, "X-Order-Status": found["status"], "X-Tracking-Phase": tracking.phase if tracking else ""}
        return Template("common/tracking/_eta.html", headers=headers,
                        context={"tracking": tracking, "timezone": get_settings().timezone})
