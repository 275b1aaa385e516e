"""Every controller of the app. Each one declares its audience in `opt` (see server/web/access.py)."""

from __future__ import annotations


def route_handlers() -> list:
    from server.routes.admin import admin_controllers
    from server.routes.api import api_controllers
    from server.routes.auth import AuthController
    from server.routes.courier import courier_controllers
    from server.routes.exchange import ExchangeController
    from server.routes.feeds import FeedController
    from server.routes.fiscal import FiscalCallbackController
    from server.routes.manager import manager_controllers
    from server.routes.pwa import pwa_handlers
    from server.routes.system import SystemController
    from server.routes.tracking import TrackingController
    from server.routes.tracking_push import TrackingPushController
    from server.routes.warehouse import warehouse_controllers
    from server.routes.webhooks import WebhookController

    return [SystemController, AuthController, *pwa_handlers(), *courier_controllers(), *manager_controllers(), *warehouse_controllers(),
            *admin_controllers(), *api_controllers(), TrackingPushController, TrackingController,
            WebhookController, FeedController, ExchangeController, FiscalCallbackController]
