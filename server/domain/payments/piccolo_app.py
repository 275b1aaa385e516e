from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = Path(__file__).parent

APP_CONFIG = AppConfig(
    app_name="payments",
    migrations_folder_path=str(CURRENT_DIRECTORY / "piccolo_migrations"),
    table_classes=table_finder(modules=["server.domain.payments.tables"], exclude_imported=True),
    migration_dependencies=[
        "server.domain.orders.piccolo_app",
    ],
    commands=[],
)
