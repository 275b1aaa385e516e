"""Counts failed sign-ins per username and address in the app's store (memory or Redis, so every
server process sees the same counts). After MAX_FAILURES failures the pair is refused — even with
the right password — until WINDOW_SECONDS after the last failure have passed."""

from __future__ import annotations

from litestar import Litestar
from litestar.stores.base import Store

MAX_FAILURES = 5
WINDOW_SECONDS = 300


def login_key(username: str, address: str) -> str:
    return f"{username.strip().lower()}|{address}"


class LoginAttempts:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def blocked(self, key: str) -> bool:
        value = await self.store.get(key)
        return value is not None and int(value) >= MAX_FAILURES

    async def hit(self, key: str) -> int:
        value = await self.store.get(key)
        count = (int(value) if value is not None else 0) + 1
        await self.store.set(key, str(count), expires_in=WINDOW_SECONDS)
        return count

    async def retry_after(self, key: str) -> int:
        """Seconds until the pair may try again (the window if the store cannot tell)."""
        left = await self.store.expires_in(key)
        return max(1, left) if left is not None else WINDOW_SECONDS

    async def reset(self, key: str) -> None:
        await self.store.delete(key)


def login_attempts(app: Litestar) -> LoginAttempts:
    return LoginAttempts(app.stores.get("login_attempts"))
