"""The manager PWA (/manager): catalog, documents, stock."""

from __future__ import annotations


def manager_controllers() -> list:
    from server.routes.manager.home import ManagerHomeController

    return [ManagerHomeController]
