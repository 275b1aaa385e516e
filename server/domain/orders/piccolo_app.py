from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = Path(__file__).parent

APP_CONFIG = AppConfig(
    app_name="orders",
    migrations_folder_path=str(CURRENT_DIRECTORY / "piccolo_migrations"),
    table_classes=table_finder(modules=["server.domain.orders.tables"], exclude_imported=True),
    migration_dependencies=[
        "server.domain.catalog.piccolo_app",
        "server.domain.stock.piccolo_app",
        "server.domain.crm.piccolo_app",
        "server.domain.audit.piccolo_app",  # the backfills of order_payment and window_moved_at read audit_entry
    ],
    commands=[],
)
