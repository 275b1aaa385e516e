"""API tokens for integrations: shown once, stored as a SHA-256 hash, revocable."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.users.accounts import check_roles
from server.domain.users.tables import ApiToken
from server.errors import NotFound, ValidationFailed
from server.hashing import hash_token

TOKEN_PREFIX = "kl_"


@dataclass(frozen=True)
class IssuedToken:
    id: int
    name: str
    token: str  # the secret; shown once
    roles: tuple[str, ...] = ()


async def create_token(name: str, roles: list[str] | None = None, *, actor: str = "system") -> IssuedToken:
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed("The token name must be 1 to 100 characters long", field="name")
    roles = check_roles(["manager"] if roles is None else roles)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with write_tx():
        row = ApiToken(name=name, prefix=secret[:10], token_hash=hash_token(secret), roles=roles,
                       created_by=actor)
        await row.save()
        await record(actor, "token.create", "api_token", row.id, {"name": name, "roles": roles})
    return IssuedToken(id=row.id, name=name, token=secret, roles=tuple(roles))


async def revoke_token(token_id: int, *, actor: str = "system") -> None:
    """Revoked at once: the next request with it gets 401. Revoking twice changes nothing."""
    async with write_tx():
        row = await ApiToken.objects().where(ApiToken.id == token_id).first()
        if row is None:
            raise NotFound("API token %(id)s not found", id=token_id)
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
            await row.save()
            await record(actor, "token.revoke", "api_token", token_id, {"name": row.name})


async def list_tokens() -> list[dict]:
    """Every token, newest first: id, name, prefix, roles, created_by/at, revoked_at, last_used_at."""
    return await ApiToken.select(ApiToken.id, ApiToken.name, ApiToken.prefix, ApiToken.roles,
                                 ApiToken.created_by, ApiToken.created_at, ApiToken.revoked_at,
                                 ApiToken.last_used_at).order_by(ApiToken.id, ascending=False).output(
                                     load_json=True)
