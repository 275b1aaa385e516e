from server.domain.users.accounts import create_user
from tests.conftest import login


async def test_login_page_is_russian_and_has_named_fields(client):
    response = await client.get("/login")
    assert response.status_code == 200
    assert 'name="username"' in response.text and 'name="password"' in response.text
    assert "Войти" in response.text


async def test_manager_pages_need_login(client):
    response = await client.get("/manager/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


async def test_login_sets_httponly_session_and_opens_manager(client):
    await create_user("manager", "demo", ["manager"])
    response = await login(client, "manager")
    assert response.status_code == 200, response.text
    assert str(response.url).endswith("/manager/") or "/manager" in str(response.url)
    cookie_headers = [h for h in response.history[0].headers.get_list("set-cookie") if h.startswith("session=")]
    assert cookie_headers and "HttpOnly" in cookie_headers[0] and "SameSite=lax" in cookie_headers[0]


async def test_wrong_password_rerenders_form_with_message(client):
    await create_user("manager", "demo", ["manager"])
    response = await login(client, "manager", "nope")
    assert response.status_code == 400
    assert "Неверное имя пользователя или пароль" in response.text


async def test_post_without_csrf_token_is_refused(client):
    await create_user("manager", "demo", ["manager"])
    await client.get("/login")
    response = await client.post("/login", data={"username": "manager", "password": "demo"})
    assert response.status_code == 403
