"""The courier PWA (/courier): today's route, one stop (navigate, call, statuses, payment at the door),
the device position, all usable offline (the page script queues actions with client UUIDs)."""

from __future__ import annotations


def courier_controllers() -> list:
    from server.routes.courier.live import CourierLiveController
    from server.routes.courier.payment import CourierPaymentController
    from server.routes.courier.route import CourierRouteController
    from server.routes.courier.stop import CourierStopController

    return [CourierRouteController, CourierStopController, CourierPaymentController, CourierLiveController]
