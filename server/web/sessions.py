"""Server-side sessions that are written back only when a request changed them.

Litestar's server-side backend stores the session at the end of every request. Two requests of one
browser in flight at once then race: a fragment the page loads by itself (hx-trigger="load") that read
the session before a form's POST put a flash message in it writes its older copy back after that POST,
and the message is gone (seen: «Статус заказа: …» missing after confirming an order while the card's
payments fragment was still loading). Here a request that did not change the session leaves the stored
copy alone; reading already renews its expiry (renew_on_access)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message, ScopeSession
from litestar.utils.dataclass import extract_dataclass_items

_LOADED = "kladovka.session_as_loaded"  # the session's serialised form when the request began


class ChangedOnlySessionBackend(ServerSideSessionBackend):
    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        data = await super().load_from_connection(connection)
        connection.scope[_LOADED] = self.serialize_data(data, connection.scope) if data else None  # type: ignore[literal-required]
        return data

    async def store_in_message(self, scope_session: ScopeSession, message: Message, connection: ASGIConnection) -> None:
        loaded = connection.scope.get(_LOADED)  # type: ignore[call-overload]
        if (scope_session is not Empty and scope_session and loaded is not None
                and self.serialize_data(scope_session, connection.scope) == loaded
                and connection.cookies.get(self.config.key)):
            # unchanged: the stored copy stays as it is; the cookie is sent again (its max-age renewed)
            params = dict(extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys()))
            MutableScopeHeaders.from_message(message).add("Set-Cookie", Cookie(
                value=connection.cookies[self.config.key], key=self.config.key, **params).to_header(header=""))
            return
        await super().store_in_message(scope_session, message, connection)


@dataclass
class SessionConfig(ServerSideSessionConfig):
    _backend_class = ChangedOnlySessionBackend
