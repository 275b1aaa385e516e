"""Sets the request's UI language: ?lang= (remembered in a cookie), the cookie, the user's own
setting, else Russian."""

from __future__ import annotations

from http.cookies import SimpleCookie

from litestar.datastructures import MutableScopeHeaders
from litestar.middleware import AbstractMiddleware
from litestar.types import Message, Receive, Scope, Send

from server.config import get_settings
from server.web.i18n import current_language, pick_language

COOKIE = "lang"


class LocaleMiddleware(AbstractMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        query_lang = None
        for part in query.split("&"):
            if part.startswith("lang="):
                query_lang = part[5:]
        headers = dict(scope.get("headers") or [])
        cookie_lang = None
        if b"cookie" in headers:
            jar = SimpleCookie()
            try:
                jar.load(headers[b"cookie"].decode("latin-1"))
                cookie_lang = jar[COOKIE].value if COOKIE in jar else None
            except Exception:  # a malformed cookie header must not break the page
                cookie_lang = None
        principal = scope.get("principal")
        user_lang = getattr(principal, "locale", None) if principal else None
        lang = pick_language(query_lang, cookie_lang, user_lang, get_settings().default_locale)
        token = current_language.set(lang)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start" and query_lang == lang:
                MutableScopeHeaders.from_message(message).add(
                    "set-cookie", f"{COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax"
                )
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            current_language.reset(token)
