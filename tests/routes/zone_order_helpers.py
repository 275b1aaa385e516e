"""A courier order with a point and a window, taken through intake (the zone routes' tests)."""

from __future__ import annotations

from datetime import datetime

from server.domain.orders.dto import CustomerInput, DeliveryInput, IntakeLine, OrderIntake
from server.domain.orders.intake import intake_order
from server.domain.stock.tables import Warehouse
from tests.domain.stock_helpers import make_variants, make_warehouse, receive
from tests.domain.zones.zone_helpers import CENTRE


async def courier_order(start: datetime | None, end: datetime | None, point: tuple[float, float] = CENTRE,
                        qty: int = 1) -> int:
    if not await Warehouse.exists():
        wh = await make_warehouse("MAIN")
        (variant,) = await make_variants("KEN-250")
        await receive(wh, (variant, 50, 10000))
    order = OrderIntake(channel="api", lines=[IntakeLine(sku="KEN-250", qty=qty, price=89000)],
                        customer=CustomerInput(name="Анна Петрова", phone="+7 916 123-45-67"),
                        delivery=DeliveryInput(method="courier", address="Москва, ул. Тверская, д. 1", lat=point[0],
                                               lon=point[1], window_start=start, window_end=end))
    return (await intake_order(order)).order_id
