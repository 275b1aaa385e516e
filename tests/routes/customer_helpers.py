"""Builders for the customer, shortage and tracking page tests: goods in stock at MAIN and orders taken
through the real intake (so reservations, shortages, customers and tracking tokens are the real ones)."""

from __future__ import annotations

from datetime import datetime

from api_helpers import make_goods, warehouse

from server.domain.orders.dto import CustomerInput, DeliveryInput, IntakeLine, OrderIntake, PaymentInput
from server.domain.orders.intake import intake_order
from server.domain.orders.tables import Order
from server.domain.stock.documents import create_document
from server.domain.stock.dto import DocumentInput, LineInput

ANNA = {"name": "Анна Петрова", "email": "anna@example.ru", "phone": "+7 916 123-45-67"}


async def stocked(*goods: tuple[str, int]) -> dict[str, int]:
    """Warehouse MAIN with these goods: stocked(("KEN-250", 2), ("TEA", 0)) → {"wh": id, "KEN-250": id, …}."""
    wh, _bins = await warehouse("MAIN")
    made = {"wh": wh}
    for sku, qty in goods:
        made[sku] = await make_goods(sku, product=f"Товар {sku}")
        if qty:
            await receive(wh, made[sku], qty)
    return made


async def receive(wh: int, variant_id: int, qty: int) -> None:
    lines = [LineInput(variant_id, qty, price=40000)]
    await create_document(DocumentInput(kind="receipt", warehouse_id=wh, lines=lines), post=True)


async def take(*lines: tuple[str, int], customer: dict | None = None, price: int = 89000, paid: int = 0,
               delivery: DeliveryInput | None = None, placed_at: datetime | None = None):
    """An order through intake_order (channel "api"); returns its IntakeResult."""
    return await intake_order(OrderIntake(
        channel="api", lines=[IntakeLine(sku=sku, qty=qty, price=price) for sku, qty in lines],
        customer=CustomerInput(**(customer or ANNA)), delivery=delivery or DeliveryInput(),
        payment=PaymentInput(method="prepaid_online" if paid else "cash_on_delivery", paid=paid),
        placed_at=placed_at))


async def token_of(order_id: int) -> str:
    return (await Order.select(Order.tracking_token).where(Order.id == order_id).first())["tracking_token"]
