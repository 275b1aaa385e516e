"""/manager/admin: the owner's start page with the three screens."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from server.routes.admin._common import OWNER_ONLY, admin_page


class AdminHomeController(Controller):
    path = "/manager/admin"
    opt = {"roles": OWNER_ONLY}

    @get("/", name="admin-home")
    async def home(self, request: Request) -> Template:
        return admin_page(request, "manager/admin_home.html", {})
