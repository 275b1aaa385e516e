from __future__ import annotations

from litestar import Controller, get
from litestar.response import Template

MANAGER_ROLES = {"owner", "manager", "cashier"}


class ManagerHomeController(Controller):
    path = "/manager"
    opt = {"roles": MANAGER_ROLES}

    @get("/", name="manager-home")
    async def home(self) -> Template:
        return Template("manager/home.html")
