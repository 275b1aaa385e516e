"""Delivery: couriers, routes, stops, plan runs, courier positions."""
from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = Path(__file__).parent

APP_CONFIG = AppConfig(
    app_name="delivery",
    migrations_folder_path=str(CURRENT_DIRECTORY / "piccolo_migrations"),
    table_classes=table_finder(modules=["server.domain.delivery.tables"], exclude_imported=True),
    migration_dependencies=[
        "server.domain.users.piccolo_app",
        "server.domain.stock.piccolo_app",
        "server.domain.orders.piccolo_app",
    ],
    commands=[],
)
