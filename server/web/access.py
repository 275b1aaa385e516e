"""Who is asking, and may they? One guard for every route, failing closed.

Every route handler declares its audience in `opt`:
  - `public=True` — anyone (login page, manifests, health, static),
  - `roles={"manager", ...}` — a signed-in user or API token holding one of these roles.
A handler that declares neither is refused to everyone: forgetting a guard cannot open a route.
`owner` may do everything. API tokens authenticate only under /api, sessions only outside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractMiddleware
from litestar.types import Receive, Scope, Send

from server.hashing import hash_token

ALL_ROLES = frozenset({"owner", "manager", "picker", "courier", "cashier"})
SESSION_USER_KEY = "uid"


@dataclass(frozen=True)
class Principal:
    """The person or integration behind a request."""

    username: str
    roles: frozenset[str] = field(default_factory=frozenset)
    user_id: int | None = None
    token_id: int | None = None
    full_name: str = ""
    locale: str = ""

    @property
    def actor(self) -> str:
        return f"token:{self.username}" if self.token_id else self.username

    def has_any(self, roles: set[str] | frozenset[str]) -> bool:
        return "owner" in self.roles or bool(self.roles & set(roles))


def principal_of(connection: ASGIConnection) -> Principal | None:
    return connection.scope.get("principal")  # type: ignore[return-value]


async def _load_session_user(user_id: int) -> Principal | None:
    from server.domain.users.tables import User

    row = await User.select().where((User.id == user_id) & (User.active.eq(True))).output(load_json=True).first()
    if not row:
        return None
    return Principal(username=row["username"], roles=frozenset(row["roles"] or []), user_id=row["id"],
                     full_name=row["full_name"], locale=row["locale"])


async def _load_token(raw: str) -> Principal | None:
    from server.domain.users.tables import ApiToken

    row = await ApiToken.select().where(
        (ApiToken.token_hash == hash_token(raw)) & (ApiToken.revoked_at.is_null())
    ).output(load_json=True).first()
    if not row:
        return None
    await ApiToken.update({ApiToken.last_used_at: datetime.now(UTC)}).where(ApiToken.id == row["id"])
    return Principal(username=row["name"], roles=frozenset(row["roles"] or []), token_id=row["id"])


class AuthenticationMiddleware(AbstractMiddleware):
    """Puts `scope["principal"]`: from a Bearer token under /api, else from the session."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        principal: Principal | None = None
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            auth = headers.get(b"authorization", b"").decode("latin-1")
            if scope["path"].startswith("/api/"):
                # Only tokens: /api is exempt from CSRF, so a browser session must not open it.
                if auth.lower().startswith("bearer "):
                    principal = await _load_token(auth[7:].strip())
            else:
                session = scope.get("session") or {}
                uid = session.get(SESSION_USER_KEY) if isinstance(session, dict) else None
                if isinstance(uid, int):
                    principal = await _load_session_user(uid)
        scope["principal"] = principal  # type: ignore[typeddict-unknown-key]
        await self.app(scope, receive, send)


def access_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Applied at app level to every route."""
    opt = handler.opt or {}
    if opt.get("public"):
        return
    roles = opt.get("roles")
    principal = principal_of(connection)
    if principal is None:
        raise NotAuthorizedException("Sign in to continue")
    if not roles or not principal.has_any(set(roles)):
        raise PermissionDeniedException("Your role does not allow this")
