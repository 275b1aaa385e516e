"""Sign in and out."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from msgspec import Struct

from server.domain.users.accounts import authenticate
from server.web.access import SESSION_USER_KEY
from server.web.i18n import gettext as _
from server.web.ratelimit import login_attempts

HOME_BY_ROLE = (("owner", "/manager"), ("manager", "/manager"), ("picker", "/warehouse"),
                ("courier", "/courier"), ("cashier", "/manager"))


class LoginForm(Struct):
    username: str = ""
    password: str = ""
    next: str = ""


def _safe_next(target: str) -> str:
    # Only local paths: never redirect to another site after login.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return ""


def home_for(roles: tuple[str, ...]) -> str:
    for role, path in HOME_BY_ROLE:
        if role in roles:
            return path
    return "/manager"


class AuthController(Controller):
    opt = {"public": True}

    @get("/login", name="login")
    async def login_page(self, request: Request, next: str = "") -> Template:
        return Template("common/login.html", context={"next": _safe_next(next), "error": None, "username": ""})

    @post("/login")
    async def login(self, request: Request,
                    data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Template | Redirect:
        key = f"{data.username.strip().lower()}|{request.client.host if request.client else ''}"
        limiter = login_attempts(request.app)
        if await limiter.blocked(key):
            return Template("common/login.html", status_code=429, context={
                "next": _safe_next(data.next), "username": data.username,
                "error": _("Too many attempts, try again later")})
        account = await authenticate(data.username, data.password)
        if account is None:
            await limiter.hit(key)
            return Template("common/login.html", status_code=400, context={
                "next": _safe_next(data.next), "username": data.username,
                "error": _("Wrong username or password")})
        await limiter.reset(key)
        request.clear_session()
        request.set_session({SESSION_USER_KEY: account.id})
        return Redirect(_safe_next(data.next) or home_for(account.roles), status_code=303)

    @post("/logout")
    async def logout(self, request: Request) -> Redirect:
        request.clear_session()
        return Redirect("/login", status_code=303)
