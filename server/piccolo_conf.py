"""Piccolo's engine and app registry, built from DATABASE_URL."""

from piccolo.conf.apps import AppRegistry
from piccolo.engine.sqlite import SQLiteEngine

from server.config import get_settings
from server.pg_engine import LoopPooledPostgresEngine

_db = get_settings().database

if _db.is_sqlite:
    DB = SQLiteEngine(path=_db.path, timeout=30)
else:
    DB = LoopPooledPostgresEngine(
        config={
            "host": _db.host,
            "port": _db.port,
            "user": _db.user,
            "password": _db.password,
            "database": _db.database,
        }
    )

APP_REGISTRY = AppRegistry(
    apps=[
        "server.domain.users.piccolo_app",
        "server.domain.audit.piccolo_app",
        "server.domain.catalog.piccolo_app",
        "server.domain.stock.piccolo_app",
        "server.domain.outbox.piccolo_app",
        "server.domain.notify.piccolo_app",
        "server.domain.crm.piccolo_app",
        "server.domain.orders.piccolo_app",
        "server.domain.channels.piccolo_app",
        "server.domain.sync.piccolo_app",
        "server.domain.exchange.piccolo_app",
        "server.domain.marking.piccolo_app",
        "server.domain.picking.piccolo_app",
        "server.domain.counting.piccolo_app",
        "server.domain.receiving.piccolo_app",
        "server.domain.delivery.piccolo_app",
        "server.domain.payments.piccolo_app",
        "server.domain.zones.piccolo_app",
    ]
)
