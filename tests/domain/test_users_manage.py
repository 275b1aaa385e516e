"""Changing accounts: roles, full name, active, password; the shop always keeps an active owner."""

from __future__ import annotations

import asyncio

import pytest

from server.domain.audit.log import history
from server.domain.users.accounts import MAX_PASSWORD_LENGTH, authenticate, create_user
from server.domain.users.manage import get_user, get_user_by_name, list_users, set_password, update_user
from server.domain.users.tokens import create_token, list_tokens
from server.errors import Conflict, NotFound, ValidationFailed


async def test_update_writes_only_what_changed_to_the_audit_log():
    user = await create_user("olga", "secret1", ["manager"], full_name="Ольга")
    same = await update_user(user.id, full_name="Ольга", roles=["manager"], active=True, actor="boss")
    assert same.roles == ("manager",)
    assert [e["action"] for e in await history("user", user.id)] == ["user.create"]
    changed = await update_user(user.id, full_name="  Ольга   Петровна ", roles=["cashier", "manager", "cashier"],
                                active=True, actor="boss")
    assert changed.full_name == "Ольга Петровна" and changed.roles == ("cashier", "manager")
    entry = (await history("user", user.id))[0]
    assert entry["actor"] == "boss" and entry["action"] == "user.update"
    assert entry["changes"] == {"username": "olga", "full_name": {"old": "Ольга", "new": "Ольга Петровна"},
                                "roles": {"old": ["manager"], "new": ["cashier", "manager"]}}


async def test_update_refuses_bad_input_and_changes_nothing():
    user = await create_user("olga", "secret1", ["manager"])
    for kwargs in ({"roles": []}, {"roles": ["janitor"]}, {"full_name": "я" * 201}):
        with pytest.raises(ValidationFailed):
            await update_user(user.id, **{"full_name": "", "roles": ["manager"], "active": False, **kwargs})
    assert (await get_user(user.id)).active
    with pytest.raises(NotFound):
        await update_user(999, full_name="", roles=["manager"], active=True)


async def test_last_active_owner_stays_an_active_owner():
    boss = await create_user("boss", "secret1", ["owner"])
    with pytest.raises(Conflict) as demoted:
        await update_user(boss.id, full_name="", roles=["manager"], active=True)
    assert demoted.value.field == "roles"
    with pytest.raises(Conflict) as deactivated:
        await update_user(boss.id, full_name="", roles=["owner"], active=False)
    assert deactivated.value.field == "active"
    # a deactivated second owner does not count
    other = await create_user("other", "secret1", ["owner", "manager"])
    await update_user(other.id, full_name="", roles=["owner", "manager"], active=False)
    with pytest.raises(Conflict):
        await update_user(boss.id, full_name="", roles=["manager"], active=True)
    await update_user(other.id, full_name="", roles=["owner"], active=True)
    await update_user(boss.id, full_name="", roles=["manager"], active=False)
    assert [u.username for u in await list_users() if "owner" in u.roles and u.active] == ["other"]


async def test_a_shop_without_owners_may_still_change_users():
    user = await create_user("mgr", "secret1", ["manager"])
    await update_user(user.id, full_name="", roles=["cashier"], active=False)
    assert not (await get_user(user.id)).active


async def test_two_owners_demoting_each_other_at_once_leave_one_owner():
    a = await create_user("anna", "secret1", ["owner"])
    b = await create_user("boris", "secret1", ["owner"])
    results = await asyncio.gather(
        update_user(a.id, full_name="", roles=["manager"], active=True, actor="boris"),
        update_user(b.id, full_name="", roles=["manager"], active=True, actor="anna"),
        return_exceptions=True)
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], Conflict), results
    owners = [u for u in await list_users() if "owner" in u.roles and u.active]
    assert len(owners) == 1


async def test_set_password_checks_length_and_audits_without_the_secret():
    user = await create_user("olga", "secret1", ["manager"])
    with pytest.raises(ValidationFailed):
        await set_password(user.id, "abc")
    with pytest.raises(ValidationFailed):
        await set_password(user.id, "x" * (MAX_PASSWORD_LENGTH + 1))
    await set_password(user.id, "brand-new", actor="boss")
    assert await authenticate("olga", "secret1") is None
    assert await authenticate("olga", "brand-new") is not None
    entry = (await history("user", user.id))[0]
    assert entry["action"] == "user.password" and entry["changes"] == {"username": "olga"}
    with pytest.raises(NotFound):
        await set_password(999, "brand-new")


async def test_usernames_are_checked_and_sign_in_is_noted():
    with pytest.raises(ValidationFailed):
        await create_user("two words", "secret1", ["manager"])
    with pytest.raises(ValidationFailed):
        await create_user("a" * 65, "secret1", ["manager"])
    user = await create_user("Мария.К", "secret1", ["manager"])
    assert user.username == "мария.к"
    assert (await get_user(user.id)).last_login_at is None
    assert await authenticate("мария.к", "secret1") is not None
    assert (await get_user_by_name("МАРИЯ.К")).last_login_at is not None
    with pytest.raises(NotFound):
        await get_user_by_name("nobody")


async def test_deactivated_users_cannot_sign_in():
    user = await create_user("olga", "secret1", ["manager"])
    await update_user(user.id, full_name="", roles=["manager"], active=False)
    assert await authenticate("olga", "secret1") is None


async def test_token_roles_default_to_manager_but_an_empty_choice_is_refused():
    issued = await create_token("site")
    assert issued.roles == ("manager",)
    with pytest.raises(ValidationFailed):
        await create_token("none", [])
    rows = await list_tokens()
    assert rows[0]["roles"] == ["manager"] and "token_hash" not in rows[0]


def test_the_cheap_hash_profile_is_for_tests_only(monkeypatch):
    from argon2 import PasswordHasher

    from server.domain.users.accounts import _make_hasher

    monkeypatch.delenv("KLADOVKA_TEST_FAST_HASH", raising=False)
    normal = _make_hasher()
    assert (normal.time_cost, normal.memory_cost) == (PasswordHasher().time_cost, PasswordHasher().memory_cost)
