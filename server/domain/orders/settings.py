"""The shop's names for the order statuses and which of them notify the customer.

Defaults live here; a row in OrderStatusSetting overrides them (written by rename_status and
set_status_notify), so reading never writes and an empty database has every status named.
The labels are the shop's own data in Russian (shown to customers as they are), not msgids.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.orders.tables import ORDER_STATUSES, OrderStatusSetting
from server.errors import ValidationFailed

DEFAULTS: dict[str, tuple[str, bool]] = {  # code: (label, notify the customer)
    "new": ("Новый", True),
    "confirmed": ("Подтверждён", True),
    "picking": ("Собирается", False),
    "packed": ("Собран", False),
    "out_for_delivery": ("Передан в доставку", True),
    "delivered": ("Доставлен", True),
    "closed": ("Выполнен", False),
    "cancelled": ("Отменён", True),
    "returned": ("Возврат", False),
}
LABEL_LIMIT = 100


@dataclass(frozen=True)
class StatusSetting:
    code: str
    label: str
    notify_customer: bool
    position: int


async def status_settings() -> dict[str, StatusSetting]:
    """Every status in workflow order: code → the shop's label and notify flag."""
    rows = {r["code"]: r for r in await OrderStatusSetting.select()}
    out: dict[str, StatusSetting] = {}
    for position, code in enumerate(ORDER_STATUSES):
        label, notify = DEFAULTS[code]
        row = rows.get(code)
        out[code] = StatusSetting(code=code, label=row["label"] if row else label,
                                  notify_customer=row["notify_customer"] if row else notify, position=position)
    return out


async def status_label(code: str) -> str:
    return (await status_settings())[code].label if code in ORDER_STATUSES else code


def _check_code(code: str) -> None:
    if code not in ORDER_STATUSES:
        raise ValidationFailed("Unknown order status %(status)s", field="status", status=str(code)[:40])


async def _upsert(code: str, changes: dict, actor: str, action: str) -> None:
    current = (await status_settings())[code]
    async with write_tx():
        await OrderStatusSetting.raw(
            "INSERT INTO order_status_setting (code, label, notify_customer, position) VALUES ({}, {}, {}, {}) "
            "ON CONFLICT (code) DO NOTHING", code, current.label, current.notify_customer, current.position)
        await OrderStatusSetting.update(changes).where(OrderStatusSetting.code == code)
        await record(actor, action, "order_status", code,
                     {col._meta.name: value for col, value in changes.items()})


async def rename_status(code: str, label: str, *, actor: str = "system") -> None:
    """The shop's name for a status (what managers and customers read)."""
    _check_code(code)
    label = " ".join((label or "").split())
    if not label or len(label) > LABEL_LIMIT:
        raise ValidationFailed("A status name must be 1 to 100 characters long", field="label")
    await _upsert(code, {OrderStatusSetting.label: label}, actor, "order_status.rename")


async def set_status_notify(code: str, notify: bool, *, actor: str = "system") -> None:
    """Whether the customer is told when an order reaches this status."""
    _check_code(code)
    await _upsert(code, {OrderStatusSetting.notify_customer: bool(notify)}, actor, "order_status.notify")
