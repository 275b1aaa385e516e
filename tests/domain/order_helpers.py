"""Builders for the order and customer tests: goods with stock, an intake, valid INNs."""

from __future__ import annotations

from stock_helpers import make_variants, make_warehouse, receive

from server.domain.orders.dto import CustomerInput, IntakeLine, OrderIntake


async def shop(*stock: tuple[str, int]) -> dict:
    """A warehouse MAIN with goods: shop(("KEN-250", 10), ("EFI-250", 0)) → {"wh": id, "KEN-250": id, …}."""
    wh = await make_warehouse("MAIN")
    ids = await make_variants(*(sku for sku, _ in stock))
    made = {"wh": wh}
    for (sku, qty), variant in zip(stock, ids, strict=True):
        made[sku] = variant
        if qty:
            await receive(wh, (variant, qty, 10000))
    return made


def intake(*lines: tuple[str, int], channel: str = "api", external_id: str = "", price: int = 89000,
           **customer: str) -> OrderIntake:
    return OrderIntake(channel=channel, external_id=external_id,
                       lines=[IntakeLine(sku=sku, qty=qty, price=price) for sku, qty in lines],
                       customer=CustomerInput(**(customer or {"name": "Анна Петрова", "email": "anna@example.ru",
                                                              "phone": "+7 916 123-45-67"})))


def inn10(first9: str) -> str:
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    return first9 + str(sum(int(d) * w for d, w in zip(first9, weights, strict=True)) % 11 % 10)


def inn12(first10: str) -> str:
    w11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    w12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    eleven = first10 + str(sum(int(d) * w for d, w in zip(first10, w11, strict=True)) % 11 % 10)
    return eleven + str(sum(int(d) * w for d, w in zip(eleven, w12, strict=True)) % 11 % 10)
