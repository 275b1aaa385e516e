"""Counts failed sign-ins per username and address in the app's store (memory or Redis)."""

from __future__ import annotations

from litestar import Litestar
from litestar.stores.base import Store

MAX_FAILURES = 5
WINDOW_SECONDS = 300


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

    async def reset(self, key: str) -> None:
        await self.store.delete(key)


def login_attempts(app: Litestar) -> LoginAttempts:
    return LoginAttempts(app.stores.get("login_attempts"))
