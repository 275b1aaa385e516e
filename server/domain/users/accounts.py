"""People who sign in: creating them, checking passwords (argon2), their roles."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.users.tables import ROLES, User
from server.errors import Conflict, ValidationFailed

_hasher = PasswordHasher()
# A hash to verify against when the user does not exist, so timing does not reveal usernames.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    full_name: str
    roles: tuple[str, ...]
    locale: str


def _account(row: dict) -> Account:
    return Account(id=row["id"], username=row["username"], full_name=row["full_name"],
                   roles=tuple(row["roles"] or []), locale=row["locale"])


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_roles(roles: list[str] | tuple[str, ...]) -> list[str]:
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise ValidationFailed("Unknown role: %(roles)s. Roles: owner, manager, picker, courier, cashier",
                               field="roles", roles=", ".join(unknown) or "—")
    return sorted(set(roles))


async def create_user(username: str, password: str, roles: list[str], *, full_name: str = "",
                      locale: str = "ru", actor: str = "system") -> Account:
    username = username.strip().lower()
    if not username or len(username) > 64:
        raise ValidationFailed("The username must be 1 to 64 characters long", field="username")
    if len(password) < 4:
        raise ValidationFailed("The password must be at least 4 characters long", field="password")
    roles = check_roles(roles)
    async with write_tx():
        if await User.exists().where(User.username == username):
            raise Conflict("User %(username)s already exists", field="username", username=username)
        row = User(username=username, password_hash=hash_password(password), roles=roles,
                   full_name=full_name, locale=locale)
        await row.save()
        await record(actor, "user.create", "user", row.id, {"username": username, "roles": roles})
    return Account(id=row.id, username=username, full_name=full_name, roles=tuple(roles), locale=locale)


async def authenticate(username: str, password: str) -> Account | None:
    """The account if the password is right and the user is active; None otherwise."""
    row = await User.select().where(User.username == username.strip().lower()).output(load_json=True).first()
    stored = row["password_hash"] if row else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if not row or not row["active"]:
        return None
    if _hasher.check_needs_rehash(stored):
        await User.update({User.password_hash: hash_password(password)}).where(User.id == row["id"])
    return _account(row)


async def get_account(user_id: int) -> Account | None:
    row = await User.select().where(User.id == user_id).output(load_json=True).first()
    return _account(row) if row else None
