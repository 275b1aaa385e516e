"""Sign in and out: the form, redirects by role, the session cookie (HttpOnly, SameSite, a new id on
sign-in, dropped on sign-out), CSRF refusals, and the rate limit on failed attempts."""

from __future__ import annotations

import pytest
from harness import csrf_headers

from server.domain.users.accounts import create_user
from server.web.ratelimit import MAX_FAILURES, WINDOW_SECONDS, login_key
from tests.routes.admin_helpers import attempts_store, second_browser, sign_in

TEST_CLIENT_HOST = "testclient"  # the address Litestar's test client reports


@pytest.fixture(autouse=True)
async def forget_failures(app):
    """Failure counts live in the shared store (Redis in the PostgreSQL run): leave none behind."""
    yield
    async with attempts_store(app) as store:
        await store.delete_all()


async def test_login_page_is_russian_and_has_named_fields(client):
    response = await client.get("/login")
    assert response.status_code == 200
    assert 'name="username"' in response.text and 'name="password"' in response.text
    assert "Войти" in response.text


async def test_manager_pages_need_login(client):
    response = await client.get("/manager/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    deep = await client.get("/manager/admin/audit?actor=anna", follow_redirects=False)
    assert deep.status_code == 303
    assert deep.headers["location"] == "/login?next=/manager/admin/audit%3Factor%3Danna"


async def test_htmx_request_without_login_gets_hx_redirect(client):
    response = await client.get("/manager/admin/audit", headers={"HX-Request": "true"}, follow_redirects=False)
    assert response.status_code == 401
    assert response.headers["hx-redirect"] == "/login?next=/manager/admin/audit"


async def test_login_sets_httponly_samesite_session_and_redirects_by_role(client):
    await create_user("boss", "demo", ["owner"])
    await create_user("picker", "demo", ["picker"])
    await create_user("courier", "demo", ["courier"])
    response = await sign_in(client, "boss")
    assert response.headers["location"] == "/manager/"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert (await client.get("/manager/admin", follow_redirects=False)).status_code == 200
    for username, home in (("picker", "/warehouse/"), ("courier", "/courier/")):
        async with second_browser() as other:
            assert (await sign_in(other, username)).headers["location"] == home


async def test_login_follows_only_local_next(client):
    await create_user("boss", "demo", ["owner"])
    for target, expected in (("/manager/admin/users", "/manager/admin/users"), ("//evil.example", "/manager/"),
                             ("https://evil.example/", "/manager/"), ("/\\evil.example", "/manager/")):
        await client.get("/login")
        response = await client.post("/login", data={"username": "boss", "password": "demo", "next": target,
                                                     "_csrf_token": client.cookies.get("csrftoken")},
                                     follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == expected, target


async def test_wrong_password_rerenders_form_with_message(client):
    await create_user("manager", "demo", ["manager"])
    response = await sign_in(client, "manager", "nope", expect=400)
    assert "Неверное имя пользователя или пароль" in response.text
    assert 'value="manager"' in response.text
    unknown = await sign_in(client, "nobody", "nope", expect=400)
    assert "Неверное имя пользователя или пароль" in unknown.text


async def test_post_without_csrf_token_is_refused_with_a_clear_message(client):
    await create_user("manager", "demo", ["manager"])
    await client.get("/login")
    response = await client.post("/login", data={"username": "manager", "password": "demo"},
                                 follow_redirects=False)
    assert response.status_code == 403
    assert "Форма устарела или отправлена с другого сайта" in response.text
    assert "session=" not in response.headers.get("set-cookie", "").replace("session=null", "")
    htmx = await client.post("/logout", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.status_code == 403 and "Форма устарела" in htmx.text and "<html" not in htmx.text
    wrong = await client.post("/login", data={"username": "manager", "password": "demo", "_csrf_token": "forged"},
                              follow_redirects=False)
    assert wrong.status_code == 403


def _session(client) -> str | None:
    values = [c.value for c in client.cookies.jar if c.name == "session"]
    assert len(values) <= 1, values
    return values[0] if values else None


def _use_session(client, value: str) -> None:
    client.cookies.delete("session")
    client.cookies.set("session", value, domain="127.0.0.1")


async def test_sign_in_issues_a_new_session_id(client):
    await create_user("boss", "demo", ["owner"])
    await client.get("/login")
    planted = "a" * 64  # a session id someone else chose (session fixation)
    _use_session(client, planted)
    await sign_in(client, "boss")
    issued = _session(client)
    assert issued and issued not in (planted, "null")
    _use_session(client, planted)
    assert (await client.get("/manager/admin", follow_redirects=False)).status_code == 303
    _use_session(client, issued)
    assert (await client.get("/manager/admin", follow_redirects=False)).status_code == 200
    # signing in again (already signed in) also rotates the id and drops the old one
    await sign_in(client, "boss")
    again = _session(client)
    assert again != issued
    _use_session(client, issued)
    assert (await client.get("/manager/admin", follow_redirects=False)).status_code == 303


async def test_logout_drops_the_session(client):
    await create_user("boss", "demo", ["owner"])
    await sign_in(client, "boss")
    session_id = _session(client)
    refused = await client.post("/logout", follow_redirects=False)  # no CSRF token
    assert refused.status_code == 403
    assert (await client.get("/manager/admin", follow_redirects=False)).status_code == 200
    response = await client.post("/logout", headers=csrf_headers(client), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert (await client.get("/manager/admin", follow_redirects=False)).status_code == 303
    _use_session(client, session_id)  # the old id is dead on the server too
    assert (await client.get("/manager/admin", follow_redirects=False)).status_code == 303


async def test_failed_attempts_are_rate_limited_per_username(client, app):
    await create_user("victim", "right-pass", ["owner"])
    await create_user("bystander", "right-pass", ["manager"])
    key = login_key("victim", TEST_CLIENT_HOST)
    async with attempts_store(app) as store:
        for _ in range(MAX_FAILURES):
            await sign_in(client, "victim", "wrong", expect=400)
        blocked = await sign_in(client, "Victim ", "right-pass", expect=429)  # the right password, too
        assert "Слишком много неудачных попыток входа под этим именем" in blocked.text
        assert 0 < int(blocked.headers["retry-after"]) <= WINDOW_SECONDS
        assert (await client.get("/manager/admin", follow_redirects=False)).status_code == 303
        # the counter expires with the window after the last failure
        left = await store.expires_in(key)
        assert left is not None and 0 < left <= WINDOW_SECONDS
        # other names are not affected
        await sign_in(client, "bystander", "right-pass")
        # once the window has passed (simulated: the counter expired) the right password works again
        await store.delete(key)
        await sign_in(client, "victim", "right-pass")


async def test_a_successful_sign_in_resets_the_failure_count(client):
    await create_user("anna", "right-pass", ["owner"])
    for _ in range(MAX_FAILURES - 1):
        await sign_in(client, "anna", "wrong", expect=400)
    await sign_in(client, "anna", "right-pass")
    for _ in range(MAX_FAILURES - 1):
        await sign_in(client, "anna", "wrong", expect=400)
    await sign_in(client, "anna", "right-pass")


async def test_pickers_land_in_the_warehouse_app_and_couriers_on_a_page_that_says_theirs_is_coming(client):
    await create_user("picker", "demo", ["picker"])
    await create_user("courier", "demo", ["courier"])
    response = await sign_in(client, "picker")
    page = await client.get(response.headers["location"])
    assert page.status_code == 200 and "Заказы к сборке" in page.text and 'href="/warehouse/manifest.webmanifest"' in page.text
    assert (await client.get("/courier/", follow_redirects=False)).status_code in (302, 303, 403)
    async with second_browser() as other:
        landing = await other.get((await sign_in(other, "courier")).headers["location"])
        assert landing.status_code == 200 and "Приложение курьера" in landing.text
