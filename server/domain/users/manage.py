"""The owner's work on accounts: list, change full name / roles / active, set a new password.

The shop never loses its last owner: a change that would leave no active user with the owner role
is refused. On PostgreSQL the active users are locked (in id order) first, so two owners demoting
each other at the same moment cannot both succeed; on SQLite the IMMEDIATE transaction does that.
Audit rows name what changed as {"field": {"old": …, "new": …}}; passwords never appear in them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db import is_sqlite, write_tx
from server.domain.audit.log import record
from server.domain.users.accounts import check_full_name, check_password, check_roles, hash_password
from server.domain.users.tables import User
from server.errors import Conflict, NotFound

_COLUMNS = (User.id, User.username, User.full_name, User.roles, User.active, User.created_at, User.last_login_at)


@dataclass(frozen=True)
class UserSummary:
    id: int
    username: str
    full_name: str
    roles: tuple[str, ...]
    active: bool
    created_at: datetime | None
    last_login_at: datetime | None


def _summary(row: dict) -> UserSummary:
    return UserSummary(id=row["id"], username=row["username"], full_name=row["full_name"],
                       roles=tuple(row["roles"] or []), active=bool(row["active"]),
                       created_at=row["created_at"], last_login_at=row["last_login_at"])


async def list_users() -> list[UserSummary]:
    rows = await User.select(*_COLUMNS).order_by(User.username).output(load_json=True)
    return [_summary(r) for r in rows]


async def get_user(user_id: int) -> UserSummary:
    row = await User.select(*_COLUMNS).where(User.id == user_id).output(load_json=True).first()
    if row is None:
        raise NotFound("User %(id)s not found", id=user_id)
    return _summary(row)


async def get_user_by_name(username: str) -> UserSummary:
    row = await User.select(*_COLUMNS).where(User.username == username.strip().lower()).output(
        load_json=True).first()
    if row is None:
        raise NotFound("User %(username)s not found", username=username.strip())
    return _summary(row)


async def _lock_active_users() -> list[dict]:
    """Active users, locked on PostgreSQL in id order (the IMMEDIATE transaction does it on SQLite)."""
    if is_sqlite():
        return await User.select(User.id, User.roles).where(User.active.eq(True)).output(load_json=True)
    rows = await User.raw("SELECT id, roles FROM app_user WHERE active ORDER BY id FOR UPDATE")
    return [{"id": r["id"], "roles": _roles(r["roles"])} for r in rows]


def _roles(value: Any) -> list[str]:
    if isinstance(value, str):
        return list(json.loads(value or "[]"))
    return list(value or [])


async def _keep_an_owner(user_id: int, roles: list[str], active: bool) -> None:
    """Refuses when, after the change, no active user would hold the owner role."""
    if active and "owner" in roles:
        return
    owners = [r["id"] for r in await _lock_active_users() if "owner" in (r["roles"] or [])]
    if owners and set(owners) <= {user_id}:
        if not active:
            raise Conflict("The last active owner cannot be deactivated; make another user an owner first",
                           field="active")
        raise Conflict("The last active owner cannot lose the owner role; make another user an owner first",
                       field="roles")


async def update_user(user_id: int, *, full_name: str, roles: list[str], active: bool,
                      actor: str = "system") -> UserSummary:
    """Changes full name, roles and active in one go; writes an audit row naming what changed."""
    full_name = check_full_name(full_name)
    roles = check_roles(roles)
    async with write_tx():
        before = await get_user(user_id)
        await _keep_an_owner(user_id, roles, active)
        changes: dict[str, dict[str, Any]] = {}
        if before.full_name != full_name:
            changes["full_name"] = {"old": before.full_name, "new": full_name}
        if list(before.roles) != roles:
            changes["roles"] = {"old": list(before.roles), "new": roles}
        if before.active != active:
            changes["active"] = {"old": before.active, "new": active}
        if changes:
            await User.update({User.full_name: full_name, User.roles: roles, User.active: active}).where(
                User.id == user_id)
            await record(actor, "user.update", "user", user_id, {"username": before.username, **changes})
    return await get_user(user_id)


async def set_password(user_id: int, password: str, *, actor: str = "system") -> UserSummary:
    """A new password (argon2); the audit row says that it changed, never what it is."""
    check_password(password)
    async with write_tx():
        user = await get_user(user_id)
        await User.update({User.password_hash: hash_password(password)}).where(User.id == user_id)
        await record(actor, "user.password", "user", user_id, {"username": user.username})
    return user
