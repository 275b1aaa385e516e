"""The outbox events of an order, written inside the transaction of the change. Internal.

Their payloads are a contract: the notification worker and the site sync read them as they are.
  order.created         {"order_id", "number", "channel", "status"}
  order.status_changed  {"order_id", "number", "channel", "from", "to", "status_label", "notify", "at",
                         "tracking_token", "customer": {"name", "email", "phone"}, "total",
                         "delivery": {"address", "window_start", "window_end"}}
Times are ISO 8601 in UTC; "from" is None when the order has just been created (to = "new").
"""

from __future__ import annotations

from datetime import UTC, datetime

from server.domain.orders.settings import StatusSetting, status_settings
from server.domain.outbox.events import emit


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


async def order_created(order: dict) -> None:
    await emit("order.created", {"order_id": order["id"], "number": order["number"], "channel": order["channel"],
                                 "status": order["status"]})


async def status_changed(order: dict, from_status: str | None, to_status: str, at: datetime, *,
                         settings: dict[str, StatusSetting] | None = None) -> None:
    """`settings`: the shop's status settings when the caller has already read them in this transaction."""
    setting = (settings or await status_settings())[to_status]
    await emit("order.status_changed", {
        "order_id": order["id"],
        "number": order["number"],
        "channel": order["channel"],
        "from": from_status,
        "to": to_status,
        "status_label": setting.label,
        "notify": setting.notify_customer,
        "at": _iso(at),
        "tracking_token": order["tracking_token"],
        "customer": {"name": order["contact_name"], "email": order["contact_email"],
                     "phone": order["contact_phone"]},
        "total": order["total"],
        "delivery": {"address": order["delivery_address"], "window_start": _iso(order["window_start"]),
                     "window_end": _iso(order["window_end"])},
    })
