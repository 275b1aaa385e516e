"""Sign in and out. Failed sign-ins are rate limited per username and address (server/web/ratelimit.py);
a successful one gets a new session id (no session fixation); sign-out drops the session."""

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
from server.web.ratelimit import login_attempts, login_key

HOME_BY_ROLE = (("owner", "/manager/"), ("manager", "/manager/"), ("picker", "/warehouse/"),
                ("courier", "/courier/"), ("cashier", "/manager/"))
SESSION_COOKIE = "session"  # ServerSideSessionConfig's default key
SESSION_STORE = "sessions"


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
    return "/manager/"


async def _start_session(request: Request, data: dict) -> None:
    """A fresh session id for the signed-in user; the id the browser came with is dropped.
    The session middleware reads the parsed cookies of this request, shared with `request.cookies`:
    without the old cookie (and with the session cleared) it issues a new id."""
    old_id = request.cookies.pop(SESSION_COOKIE, None)
    if old_id:
        await request.app.stores.get(SESSION_STORE).delete(old_id)
    request.clear_session()
    request.set_session(data)


def _form(data: LoginForm, error: str) -> dict:
    return {"next": _safe_next(data.next), "username": data.username[:64], "error": error}


class AuthController(Controller):
    opt = {"public": True}

    @get("/login", name="login")
    async def login_page(self, request: Request, next: str = "") -> Template:
        return Template("common/login.html", context={"next": _safe_next(next), "error": None, "username": ""})

    @post("/login")
    async def login(self, request: Request,
                    data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Template | Redirect:
        key = login_key(data.username, request.client.host if request.client else "")
        limiter = login_attempts(request.app)
        if await limiter.blocked(key):
            seconds = await limiter.retry_after(key)
            message = _("Too many failed attempts for this name. Try again in %(minutes)s min.") % {
                "minutes": (seconds + 59) // 60}
            return Template("common/login.html", status_code=429, headers={"Retry-After": str(seconds)},
                            context=_form(data, message))
        account = await authenticate(data.username, data.password)
        if account is None:
            await limiter.hit(key)
            return Template("common/login.html", status_code=400, context=_form(data, _("Wrong username or password")))
        await limiter.reset(key)
        await _start_session(request, {SESSION_USER_KEY: account.id})
        return Redirect(_safe_next(data.next) or home_for(account.roles), status_code=303)

    @post("/logout")
    async def logout(self, request: Request) -> Redirect:
        request.clear_session()
        return Redirect("/login", status_code=303)
