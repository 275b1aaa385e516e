"""Shared by the account/access tests: sign in without following the redirect, post forms with CSRF."""

from __future__ import annotations

from contextlib import asynccontextmanager

from harness import csrf_headers
from litestar.testing import AsyncTestClient

from server.config import get_settings


async def sign_in(client, username: str, password: str = "demo", *, expect: int = 303):
    """Signs in through the real form (CSRF token included); returns the answer to the POST."""
    page = await client.get("/login")
    assert page.status_code == 200
    response = await client.post("/login", data={"username": username, "password": password,
                                                 "_csrf_token": client.cookies.get("csrftoken") or ""},
                                 follow_redirects=False)
    assert response.status_code == expect, response.text[:500]
    return response


def form_data(data) -> dict:
    """A dict, or (name, value) pairs where a name may repeat (roles=picker&roles=courier)."""
    if isinstance(data, dict):
        return data
    merged: dict[str, list[str]] = {}
    for name, value in data:
        merged.setdefault(name, []).append(value)
    return merged


async def post_form(client, url: str, data, **headers):
    """A form POST with the CSRF header; redirects are not followed."""
    return await client.post(url, data=form_data(data), headers={**csrf_headers(client), **headers},
                             follow_redirects=False)


@asynccontextmanager
async def second_browser():
    """Another browser, on its own app instance: two test clients on one app start its lifespan twice,
    which the Redis channels backend does not survive."""
    from server.app import create_app

    async with AsyncTestClient(app=create_app(), base_url="http://127.0.0.1") as other:
        yield other


@asynccontextmanager
async def attempts_store(app):
    """The login-attempt counters the app uses, reachable from the test's event loop (a Redis client
    belongs to the loop that made it, so with Redis this is a new client on the same keys)."""
    redis_url = get_settings().redis_url
    if not redis_url:
        yield app.stores.get("login_attempts")
        return
    from server.web.per_start import make_stores

    store = make_stores(redis_url).get("login_attempts")
    async with store:
        yield store
