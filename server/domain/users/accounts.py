"""People who sign in: creating them, checking passwords (argon2), the rules for names, passwords
and roles. Changing existing accounts (roles, active, password) lives in `manage.py`."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.users.tables import ROLES, User
from server.errors import Conflict, ValidationFailed

# The demo shop promises the password "demo" (README), hence 4. Raise it for a stricter shop.
MIN_PASSWORD_LENGTH = 4
MAX_PASSWORD_LENGTH = 256  # argon2 takes any length; this only stops absurd inputs
_USERNAME = re.compile(r"^[\w.@-]+$")


def _make_hasher() -> PasswordHasher:
    """argon2 with its recommended cost; the test suite (KLADOVKA_TEST_FAST_HASH=1, set by
    tests/conftest.py) uses a cheap profile — such hashes are upgraded at the next sign-in anywhere else."""
    if os.environ.get("KLADOVKA_TEST_FAST_HASH") == "1":
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


_hasher = _make_hasher()
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
    """The roles, de-duplicated and sorted; refuses an empty list and unknown names."""
    roles = [str(r).strip() for r in roles if str(r).strip()]
    if not roles:
        raise ValidationFailed("Choose at least one role", field="roles")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValidationFailed("Unknown role: %(roles)s. Roles: owner, manager, picker, courier, cashier",
                               field="roles", roles=", ".join(unknown))
    return sorted(set(roles))


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed("The password must be at least %(n)s characters long", field="password",
                               n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed("The password must be at most %(n)s characters long", field="password",
                               n=MAX_PASSWORD_LENGTH)


def normalise_username(username: str) -> str:
    username = username.strip().lower()
    if not username or len(username) > 64:
        raise ValidationFailed("The username must be 1 to 64 characters long", field="username")
    if not _USERNAME.match(username):
        raise ValidationFailed("The username may contain only letters, digits and . _ - @", field="username")
    return username


def check_full_name(full_name: str) -> str:
    full_name = " ".join(full_name.split())
    if len(full_name) > 200:
        raise ValidationFailed("The full name must be at most 200 characters long", field="full_name")
    return full_name


async def create_user(username: str, password: str, roles: list[str], *, full_name: str = "",
                      locale: str = "ru", actor: str = "system") -> Account:
    """A new active account. Every problem is checked before anything is written."""
    username = normalise_username(username)
    check_password(password)
    roles = check_roles(roles)
    full_name = check_full_name(full_name)
    async with write_tx():
        if await User.exists().where(User.username == username):
            raise Conflict("User %(username)s already exists", field="username", username=username)
        row = User(username=username, password_hash=hash_password(password), roles=roles,
                   full_name=full_name, locale=locale)
        await row.save()
        await record(actor, "user.create", "user", row.id,
                     {"username": username, "full_name": full_name, "roles": roles})
    return Account(id=row.id, username=username, full_name=full_name, roles=tuple(roles), locale=locale)


async def authenticate(username: str, password: str) -> Account | None:
    """The account if the password is right and the user is active (its last sign-in is noted);
    None otherwise."""
    row = await User.select().where(User.username == username.strip().lower()).output(load_json=True).first()
    stored = row["password_hash"] if row else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if not row or not row["active"]:
        return None
    values: dict = {User.last_login_at: datetime.now(UTC)}
    if _hasher.check_needs_rehash(stored):
        values[User.password_hash] = hash_password(password)
    await User.update(values).where(User.id == row["id"])
    return _account(row)


async def get_account(user_id: int) -> Account | None:
    row = await User.select().where(User.id == user_id).output(load_json=True).first()
    return _account(row) if row else None
