"""Where pickers and couriers land until their apps exist (the warehouse app is issue #4, the courier
app issue #5): a page that says so plainly, instead of a 404 after signing in."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from server.web.access import principal_of
from server.web.i18n import gettext as _


def _pending(request: Request, title: str, text: str) -> Template:
    return Template("common/app_pending.html", context={"title": title, "text": text,
                                                        "user": principal_of(request)})


@get("/warehouse", name="warehouse-home", opt={"roles": {"picker"}}, include_in_schema=False)
async def warehouse_home(request: Request) -> Template:
    return _pending(request, _("Warehouse app"),
                    _("Picking, scanning and packing orders arrive in the next version of Kladovka."))


@get("/courier", name="courier-home", opt={"roles": {"courier"}}, include_in_schema=False)
async def courier_home(request: Request) -> Template:
    return _pending(request, _("Courier app"),
                    _("Routes, deliveries and payments arrive in a later version of Kladovka."))


def pending_app_handlers() -> list:
    return [warehouse_home, courier_home]
