"""Builders for the payment tests: an order to pay (goods in stock, delivery cost, contact)."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from order_helpers import intake
from stock_helpers import make_variant, make_warehouse, receive

from server.domain.catalog.tables import Variant
from server.domain.orders.dto import DeliveryInput, PaymentInput
from server.domain.orders.intake import intake_order
from server.domain.orders.status import change_status
from server.domain.orders.tables import Order
from server.domain.payments.tables import Receipt
from server.domain.stock.tables import Warehouse


async def order_to_pay(*lines: tuple[str, int], price: int = 89000, delivery: int = 30000, paid: int = 0,
                       method: str = "cash_on_delivery", **customer: str) -> dict:
    """An order of `lines` (SKU, qty) at `price` each plus `delivery`; returns its row."""
    lines = lines or (("KEN-250", 2),)
    await stocked(*lines)
    data = intake(*lines, price=price, **customer)
    data.delivery = DeliveryInput(address="Москва, Тверская, 1", cost=delivery)
    data.payment = PaymentInput(method=method, paid=paid)
    result = await intake_order(data, actor="test")
    return await Order.select().where(Order.id == result.order_id).first()


def new_uuid() -> str:
    return str(uuid.uuid4())


async def stocked(*lines: tuple[str, int]) -> int:
    """Warehouse MAIN (made once) with the goods of `lines` in stock; returns the warehouse id."""
    found = await Warehouse.select(Warehouse.id).where(Warehouse.code == "MAIN").first()
    wh = found["id"] if found else await make_warehouse("MAIN")
    for sku, qty in lines:
        variant = await Variant.select(Variant.id).where(Variant.sku == sku).first()
        variant_id = variant["id"] if variant else await make_variant(sku)
        await receive(wh, (variant_id, qty, 10000))
    return wh


async def make_route(username: str = "courier1", token: str = "sheet-abc", *, password: str = "demo-password") -> int:
    """A courier user with a started route of today (the shop's day) whose sheet QR is `token`."""
    from server.domain.delivery.tables import Courier, DeliveryRoute
    from server.domain.users.accounts import create_user

    wh = await stocked()
    user = await create_user(username, password, ["courier"])
    courier = await Courier.insert(Courier(user=user.id, name="Пётр Курьеров", warehouse=wh)).returning(Courier.id)
    today = datetime.now(ZoneInfo("Europe/Moscow")).date()
    route = await DeliveryRoute.insert(DeliveryRoute(day=today, warehouse=wh, courier=courier[0]["id"],
                                                     status="started", sheet_token=token)).returning(DeliveryRoute.id)
    return route[0]["id"]


async def send_out(order_id: int) -> int:
    """The order confirmed, picked, packed and out for delivery (by the manager)."""
    for to in ("confirmed", "picking", "packed", "out_for_delivery"):
        await change_status(order_id, to, actor="manager")
    return order_id


async def sell_receipts(order_id: int) -> list[dict]:
    return await Receipt.select().where((Receipt.order == order_id) & (Receipt.operation == "sell")).order_by(
        Receipt.id).output(load_json=True)
