"""Health, the root redirect, and the language switch."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Redirect

from server.routes.auth import home_for
from server.web.access import principal_of


class SystemController(Controller):
    opt = {"public": True}

    @get("/healthz", media_type="text/plain")
    async def health(self) -> str:
        return "ok"

    @get("/")
    async def root(self, request: Request) -> Redirect:
        principal = principal_of(request)
        if principal is None:
            return Redirect("/login", status_code=303)
        return Redirect(home_for(tuple(principal.roles)), status_code=303)
