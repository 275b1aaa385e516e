"""Owner screens for users: list, create (several roles), edit, deactivate, new password; errors
re-render the form in Russian with a 4xx and change nothing; the last owner stays."""

from __future__ import annotations

import pytest

from server.domain.audit.log import history
from server.domain.users.accounts import authenticate, create_user
from server.domain.users.manage import get_user, get_user_by_name
from server.errors import NotFound
from tests.routes.admin_helpers import post_form as _post
from tests.routes.admin_helpers import second_browser, sign_in


async def _owner(client):
    owner = await create_user("boss", "secret1", ["owner"], full_name="Анна Владелец")
    await sign_in(client, "boss", "secret1")
    return owner


async def test_owner_sees_the_user_list_with_roles_and_status(client):
    await _owner(client)
    await create_user("olga", "secret1", ["manager", "cashier"], full_name="Ольга")
    response = await client.get("/manager/admin/users")
    assert response.status_code == 200
    text = response.text
    assert 'data-testid="users-table"' in text and 'data-username="olga"' in text
    assert "Менеджер" in text and "Кассир" in text and "Может входить" in text
    assert "Пользователи" in text


async def test_admin_start_page_links_the_three_screens(client):
    await _owner(client)
    response = await client.get("/manager/admin")
    assert response.status_code == 200
    for href in ("/manager/admin/users", "/manager/admin/tokens", "/manager/admin/audit"):
        assert f'href="{href}"' in response.text


async def test_create_user_with_two_roles_who_can_then_sign_in(client):
    await _owner(client)
    form = await client.get("/manager/admin/users/new")
    assert form.status_code == 200 and 'name="roles"' in form.text and 'type="checkbox"' in form.text
    response = await _post(client, "/manager/admin/users/new",
                           [("username", "Petr"), ("full_name", "Пётр Сборщик"), ("password", "pass1234"),
                            ("roles", "picker"), ("roles", "courier")])
    assert response.status_code == 303
    assert response.headers["location"] == "/manager/admin/users"
    user = await get_user_by_name("petr")
    assert user.roles == ("courier", "picker") and user.full_name == "Пётр Сборщик"
    listing = await client.get("/manager/admin/users")
    assert "Пользователь petr создан" in listing.text
    entry = (await history("user", user.id))[0]
    assert entry["action"] == "user.create" and entry["actor"] == "boss"
    assert "pass1234" not in str(entry["changes"]) and "argon2" not in str(entry["changes"])

    async with second_browser() as other:
        signed_in = await sign_in(other, "petr", "pass1234")
        assert signed_in.headers["location"] == "/warehouse/"


async def test_create_user_errors_rerender_the_form_in_russian(client):
    await _owner(client)
    cases = [
        ([("username", "x"), ("password", "1"), ("roles", "manager")], "password", "Пароль — не короче 4 символов"),
        ([("username", "x y"), ("password", "secret1"), ("roles", "manager")], "username", "Имя пользователя"),
        ([("username", "nina"), ("password", "secret1")], "roles", "Выберите хотя бы одну роль"),
        ([("username", "nina"), ("password", "secret1"), ("roles", "janitor")], "roles", "Неизвестная роль"),
        ([("username", "boss"), ("password", "secret1"), ("roles", "manager")], "username", "уже есть"),
    ]
    for data, field, message in cases:
        response = await _post(client, "/manager/admin/users/new", [*data, ("full_name", "Нина")])
        assert 400 <= response.status_code < 500, (data, response.status_code)
        assert message in response.text, (data, response.text[:2000])
        assert f'data-testid="error-{field}"' in response.text
        assert 'value="Нина"' in response.text  # what was typed stays
    assert [u["action"] for u in await history("user")] == ["user.create"]  # only the owner


async def test_edit_roles_full_name_and_deactivate(client):
    await _owner(client)
    olga = await create_user("olga", "secret1", ["manager"])
    page = await client.get(f"/manager/admin/users/{olga.id}")
    assert page.status_code == 200 and 'data-testid="user-edit-form"' in page.text
    response = await _post(client, f"/manager/admin/users/{olga.id}",
                           [("full_name", "Ольга К."), ("roles", "manager"), ("roles", "cashier")])
    assert response.status_code == 303
    user = await get_user(olga.id)
    assert user.roles == ("cashier", "manager") and user.full_name == "Ольга К." and not user.active
    entry = (await history("user", olga.id))[0]
    assert entry["action"] == "user.update"
    assert entry["changes"]["roles"] == {"old": ["manager"], "new": ["cashier", "manager"]}
    assert entry["changes"]["active"] == {"old": True, "new": False}
    assert await authenticate("olga", "secret1") is None  # deactivated


async def test_a_deactivated_user_is_signed_out_at_once(client):
    await _owner(client)
    olga = await create_user("olga", "secret1", ["manager"])
    async with second_browser() as other:
        await sign_in(other, "olga", "secret1")
        assert (await other.get("/manager/admin", follow_redirects=False)).status_code == 403
        await _post(client, f"/manager/admin/users/{olga.id}", [("roles", "manager")])
        after = await other.get("/manager/admin", follow_redirects=False)
        assert after.status_code == 303 and after.headers["location"].startswith("/login")


async def test_the_last_active_owner_cannot_be_deactivated_or_demoted(client):
    owner = await _owner(client)
    before = await history("user")
    demote = await _post(client, f"/manager/admin/users/{owner.id}", [("roles", "manager"), ("active", "on")])
    assert demote.status_code == 409
    assert "Последний активный владелец не может лишиться роли владельца" in demote.text
    deactivate = await _post(client, f"/manager/admin/users/{owner.id}", [("roles", "owner")])
    assert deactivate.status_code == 409
    assert "Последнего активного владельца нельзя отключить" in deactivate.text
    user = await get_user(owner.id)
    assert user.roles == ("owner",) and user.active
    assert await history("user") == before
    # with a second owner the first may step down
    second = await create_user("second", "secret1", ["owner"])
    ok = await _post(client, f"/manager/admin/users/{owner.id}", [("roles", "manager"), ("active", "on")])
    assert ok.status_code == 303
    assert (await get_user(owner.id)).roles == ("manager",)
    assert (await get_user(second.id)).roles == ("owner",)


async def test_reset_password(client):
    await _owner(client)
    olga = await create_user("olga", "secret1", ["manager"])
    short = await _post(client, f"/manager/admin/users/{olga.id}/password", {"password": "ab"})
    assert short.status_code == 422 and "Пароль — не короче 4 символов" in short.text
    assert await authenticate("olga", "secret1") is not None
    response = await _post(client, f"/manager/admin/users/{olga.id}/password", {"password": "new-secret"})
    assert response.status_code == 303
    assert await authenticate("olga", "secret1") is None
    assert await authenticate("olga", "new-secret") is not None
    entry = (await history("user", olga.id))[0]
    assert entry["action"] == "user.password"
    assert "new-secret" not in str(entry) and "argon2" not in str(entry)


async def test_unknown_user_is_404(client):
    await _owner(client)
    assert (await client.get("/manager/admin/users/999")).status_code == 404
    response = await _post(client, "/manager/admin/users/999", [("roles", "manager")])
    assert response.status_code == 404


async def test_htmx_form_error_comes_back_as_the_form_and_success_as_hx_redirect(client):
    await _owner(client)
    bad = await _post(client, "/manager/admin/users/new", [("username", "z"), ("password", "1"), ("roles", "manager")],
                      **{"HX-Request": "true", "HX-Boosted": "true"})
    assert bad.status_code == 422 and 'data-testid="user-form"' in bad.text
    good = await _post(client, "/manager/admin/users/new",
                       [("username", "z"), ("password", "1234"), ("roles", "manager")],
                       **{"HX-Request": "true", "HX-Boosted": "true"})
    assert good.status_code == 200 and good.headers.get("hx-redirect") == "/manager/admin/users"


async def test_other_roles_cannot_open_or_use_the_user_screens(client):
    await create_user("boss", "secret1", ["owner"])
    await create_user("mgr", "secret1", ["manager", "cashier", "picker", "courier"])
    await sign_in(client, "mgr", "secret1")
    assert (await client.get("/manager/admin/users")).status_code == 403
    response = await _post(client, "/manager/admin/users/new", [("username", "evil"), ("password", "secret1"),
                                                                  ("roles", "owner")])
    assert response.status_code == 403
    assert "Ваша роль не даёт доступа" in response.text
    with pytest.raises(NotFound):
        await get_user_by_name("evil")
