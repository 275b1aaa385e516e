"""create_app(): the Litestar application with all its parts wired once."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from litestar import Litestar, Router
from litestar.channels import ChannelsPlugin
from litestar.config.csrf import CSRFConfig
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.htmx import HTMXPlugin
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from server.config import get_settings
from server.integrations.commerceml.schedule import start_scheduler, stop_scheduler
from server.outbox_runner import start_inline, stop_inline
from server.routes import route_handlers
from server.web.access import AuthenticationMiddleware, access_guard
from server.web.locale_mw import LocaleMiddleware
from server.web.per_start import PerStartChannelsBackend, make_channels_backend, make_stores, refresh_stores
from server.web.problems import EXCEPTION_HANDLERS
from server.web.sessions import SessionConfig
from server.web.templating import PWA_DIR, make_environment

log = logging.getLogger("kladovka")


def _channels(redis_url: str | None) -> ChannelsPlugin:
    backend = PerStartChannelsBackend(lambda: make_channels_backend(redis_url))
    return ChannelsPlugin(backend=backend, arbitrary_channels_allowed=True)


def _static_routers() -> list:
    routers = []
    for app in ("common", "manager", "warehouse", "courier"):
        directory = PWA_DIR / app / "static"
        directory.mkdir(parents=True, exist_ok=True)
        routers.append(create_static_files_router(
            path=f"/static/{app}", directories=[Path(directory)], opt={"public": True},
            name=f"static-{app}", include_in_schema=False))
    return routers


async def _open_pool(app: Litestar) -> None:
    """PostgreSQL: one connection pool per process (without it every query opens a connection,
    about three times slower in bench/ledger.py). SQLite needs none. Only the app that opened the
    pool closes it. A pool belongs to the loop that made it (server/pg_engine.py keeps one per loop,
    so the test client's app, on a loop of its own, pools too). KLADOVKA_DB_POOL=0 turns it off."""
    from server.db import engine, is_sqlite

    app.state.db_pool = None  # an app may start again (tests): what an earlier start opened is not ours
    if not is_sqlite() and engine().pool is None and get_settings().db_pool_size > 0:
        await engine().start_connection_pool(min_size=1, max_size=get_settings().db_pool_size)
        app.state.db_pool = engine().pool


async def _close_pool(app: Litestar) -> None:
    from server.db import engine

    pool = app.state.get("db_pool")
    if pool is None or engine().pool is not pool:
        return
    engine().pool = None
    try:
        await asyncio.wait_for(pool.close(), timeout=10)
    except TimeoutError:  # a connection still checked out: do not hang the shutdown
        pool.terminate()


def create_app() -> Litestar:
    settings = get_settings()
    session = SessionConfig(store="sessions", httponly=True, samesite="lax",
                                      max_age=60 * 60 * 12, renew_on_access=True)
    csrf = CSRFConfig(secret=settings.secret_key, cookie_name="csrftoken", header_name="x-csrftoken",
                      cookie_samesite="lax", exclude=["/api/"])
    template_config = TemplateConfig(
        engine=JinjaTemplateEngine.from_environment(make_environment()),
    )
    return Litestar(
        route_handlers=[*route_handlers(), *_static_routers()],
        guards=[access_guard],
        middleware=[session.middleware, DefineMiddleware(AuthenticationMiddleware),
                    DefineMiddleware(LocaleMiddleware)],
        csrf_config=csrf,
        stores=make_stores(settings.redis_url),  # replaced at each start-up (refresh_stores)
        plugins=[HTMXPlugin(), _channels(settings.redis_url)],
        template_config=template_config,
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        openapi_config=OpenAPIConfig(title="Kladovka API", version="1.0.0", path="/schema",
                                     components=Components(security_schemes={"BearerToken": SecurityScheme(
                                         type="http", scheme="bearer",
                                         description="An API token: `kladovka token create NAME --role ROLE`")}),
                                     openapi_router=Router("/schema", route_handlers=[], include_in_schema=False,
                                                           opt={"public": True})),
        on_startup=[refresh_stores(settings.redis_url), _open_pool, start_inline, start_scheduler],  # outbox worker, site exchanges (KLADOVKA_WORKER)
        on_shutdown=[stop_scheduler, stop_inline, _close_pool],
        debug=False,
    )
