"""Sessions are written back only when a request changed them (server/web/sessions.py): a request that
was in flight while another one put a message in the session does not wipe it by writing its older copy."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import httpx
from litestar import Litestar, Request, get
from litestar.stores.memory import MemoryStore

from server.web.sessions import SessionConfig

released = asyncio.Event()
started = asyncio.Event()


@get("/login", sync_to_thread=False)
def login(request: Request) -> str:
    request.session["user"] = "anna"
    return "ok"


@get("/slow")
async def slow(request: Request) -> str:  # a fragment the page loads by itself; it only reads the session
    started.set()
    await asyncio.wait_for(released.wait(), 10)
    return request.session.get("user", "")


@get("/flash", sync_to_thread=False)
def set_flash(request: Request) -> str:
    request.session["flash"] = "Статус заказа: «Подтверждён»"
    return "ok"


@get("/read", sync_to_thread=False)
def read(request: Request) -> dict:
    return dict(request.session)


@asynccontextmanager
async def _client():
    """Straight onto the ASGI app in this event loop, so that two requests are really in flight at once
    (Litestar's test client hands one request at a time to the app)."""
    config = SessionConfig(store="sessions", httponly=True, samesite="lax", renew_on_access=True)
    app = Litestar([login, slow, set_flash, read], middleware=[config.middleware], stores={"sessions": MemoryStore()})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver.local") as client:
        yield client


async def test_a_request_in_flight_does_not_wipe_what_another_one_wrote_meanwhile():
    released.clear()
    started.clear()
    async with _client() as client:
        assert (await client.get("/login")).status_code == 200
        cookie = client.cookies.get("session")
        in_flight = asyncio.create_task(client.get("/slow"))
        await asyncio.wait_for(started.wait(), 10)
        assert (await client.get("/flash")).status_code == 200
        released.set()
        answer = await in_flight
        assert answer.text == "anna"
        assert "session=" in answer.headers.get("set-cookie", ""), "the cookie is renewed all the same"
        assert client.cookies.get("session") == cookie
        assert (await client.get("/read")).json() == {"user": "anna", "flash": "Статус заказа: «Подтверждён»"}


async def test_a_changed_session_is_still_written_and_an_emptied_one_deleted():
    async with _client() as client:
        await client.get("/login")
        await client.get("/flash")
        assert (await client.get("/read")).json() == {"user": "anna", "flash": "Статус заказа: «Подтверждён»"}
