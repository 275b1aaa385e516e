"""Owner screens for API tokens: create (shown once, stored hashed), list, revoke; audited."""

from __future__ import annotations

import re

from server.domain.audit.log import history
from server.domain.users.accounts import create_user
from server.domain.users.tables import ApiToken
from server.hashing import hash_token
from tests.routes.admin_helpers import post_form, sign_in

SECRET = re.compile(r'data-testid="token-secret">(kl_[A-Za-z0-9_-]+)<')


async def _owner(client):
    await create_user("boss", "secret1", ["owner"])
    await sign_in(client, "boss", "secret1")


async def _create(client, name: str, *roles: str):
    response = await post_form(client, "/manager/admin/tokens", [("name", name), *[("roles", r) for r in roles]])
    assert response.status_code == 201, response.text[:2000]
    match = SECRET.search(response.text)
    assert match, response.text[:2000]
    return response, match.group(1)


async def test_created_token_is_shown_once_stored_hashed_and_works(client):
    await _owner(client)
    response, secret = await _create(client, "Сайт на Битриксе", "manager", "picker")
    assert response.headers["cache-control"] == "no-store"
    assert 'hx-history="false"' in response.text
    row = await ApiToken.select().where(ApiToken.name == "Сайт на Битриксе").output(load_json=True).first()
    assert row["token_hash"] == hash_token(secret) and secret not in str(row)
    assert row["roles"] == ["manager", "picker"] and row["created_by"] == "boss"
    # the list shows name, prefix and roles, never the secret
    listing = await client.get("/manager/admin/tokens")
    assert listing.status_code == 200
    assert "Сайт на Битриксе" in listing.text and secret not in listing.text and row["prefix"] in listing.text
    # the token opens the API with its roles
    api = await client.get("/api/v1/warehouses", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200, api.text
    entry = (await history("api_token", row["id"]))[0]
    assert entry["action"] == "token.create" and entry["actor"] == "boss" and secret not in str(entry)


async def test_revoke_turns_the_token_away(client):
    await _owner(client)
    _response, secret = await _create(client, "1С", "manager")
    row = await ApiToken.select(ApiToken.id).where(ApiToken.name == "1С").first()
    assert (await client.get("/api/v1/warehouses", headers={"Authorization": f"Bearer {secret}"})).status_code == 200
    revoked = await post_form(client, f"/manager/admin/tokens/{row['id']}/revoke", {})
    assert revoked.status_code == 303 and revoked.headers["location"] == "/manager/admin/tokens"
    refused = await client.get("/api/v1/warehouses", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 401
    listing = await client.get("/manager/admin/tokens")
    assert "Токен отозван" in listing.text and "Отозван " in listing.text
    assert [e["action"] for e in await history("api_token", row["id"])] == ["token.revoke", "token.create"]


async def test_token_form_errors_rerender_with_russian_message(client):
    await _owner(client)
    no_name = await post_form(client, "/manager/admin/tokens", [("name", "  "), ("roles", "manager")])
    assert no_name.status_code == 422 and "Название токена — от 1 до 100 символов" in no_name.text
    assert 'data-testid="error-name"' in no_name.text
    no_role = await post_form(client, "/manager/admin/tokens", [("name", "Сайт")])
    assert no_role.status_code == 422 and "Выберите хотя бы одну роль" in no_role.text
    assert 'value="Сайт"' in no_role.text
    assert await ApiToken.count() == 0


async def test_revoking_an_unknown_token_is_404(client):
    await _owner(client)
    response = await post_form(client, "/manager/admin/tokens/999/revoke", {})
    assert response.status_code == 404
    assert "API-токен 999 не найден" in response.text


async def test_a_manager_cannot_issue_tokens(client):
    await create_user("mgr", "secret1", ["manager"])
    await sign_in(client, "mgr", "secret1")
    response = await post_form(client, "/manager/admin/tokens", [("name", "mine"), ("roles", "owner")])
    assert response.status_code == 403
    assert await ApiToken.count() == 0
