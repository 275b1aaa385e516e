"""The app's stores and its channels backend are made at each start-up, on the loop that runs the app.

A Redis client's connections belong to the event loop that opened them, and a memory store or channel
queue belongs to one run of the app. Made in create_app(), they tied the app to its first start-up: an
app started a second time (tests start one app per test client, each on a loop of its own) met closed
connections or another run's sessions. Here `refresh_stores` (the first start-up hook) puts a new store
registry on an app that starts again, and `PerStartChannelsBackend` builds the real backend in its own `on_startup`.
A server process starts once, so for it nothing changes."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Iterable

from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.stores.memory import MemoryStore
from litestar.stores.registry import StoreRegistry


def make_stores(redis_url: str | None) -> StoreRegistry:
    if not redis_url:
        return StoreRegistry(default_factory=lambda name: MemoryStore())
    from litestar.stores.redis import RedisStore

    root = RedisStore.with_client(url=redis_url, namespace="kladovka")
    return StoreRegistry(default_factory=root.with_namespace)


def make_channels_backend(redis_url: str | None) -> ChannelsBackend:
    if not redis_url:
        return MemoryChannelsBackend(history=0)
    from litestar.channels.backends.redis import RedisChannelsPubSubBackend
    from redis.asyncio import Redis

    return RedisChannelsPubSubBackend(redis=Redis.from_url(redis_url))


def refresh_stores(redis_url: str | None) -> Callable:
    """The first start-up keeps the registry create_app() made (what was taken from it before the start,
    e.g. a store a test resets, is the app's own); every later start gets a new one."""
    async def hook(app) -> None:
        if app.state.get("stores_started"):
            app.stores = make_stores(redis_url)
        app.state.stores_started = True

    return hook


class PerStartChannelsBackend(ChannelsBackend):
    """Delegates to a backend made by `factory` at every start-up."""

    def __init__(self, factory: Callable[[], ChannelsBackend]) -> None:
        self._factory = factory
        self._backend: ChannelsBackend | None = None

    @property
    def current(self) -> ChannelsBackend:
        if self._backend is None:
            raise RuntimeError("the channels backend is used before the app started")
        return self._backend

    async def on_startup(self) -> None:
        self._backend = self._factory()
        await self._backend.on_startup()

    async def on_shutdown(self) -> None:
        if self._backend is not None:
            await self._backend.on_shutdown()

    async def publish(self, data: bytes, channels: Iterable[str]) -> None:
        await self.current.publish(data, channels)

    async def subscribe(self, channels: Iterable[str]) -> None:
        await self.current.subscribe(channels)

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        await self.current.unsubscribe(channels)

    def stream_events(self) -> AsyncGenerator[tuple[str, bytes], None]:
        return self.current.stream_events()

    async def get_history(self, channel: str, limit: int | None = None) -> list[bytes]:
        return await self.current.get_history(channel, limit)
