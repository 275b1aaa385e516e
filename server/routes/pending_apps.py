"""Where couriers land until their app exists (issue #5): a page that says so plainly, instead of a
404 after signing in."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from server.web.access import principal_of
from server.web.i18n import gettext as _


def _pending(request: Request, title: str, text: str) -> Template:
    return Template("common/app_pending.html", context={"title": title, "text": text,
                                                        "user": principal_of(request)})


@get("/courier", name="courier-home", opt={"roles": {"courier"}}, include_in_schema=False)
async def courier_home(request: Request) -> Template:
    return _pending(request, _("Courier app"),
                    _("Routes, deliveries and payments arrive in a later version of Kladovka."))


def pending_app_handlers() -> list:
    return [courier_home]
