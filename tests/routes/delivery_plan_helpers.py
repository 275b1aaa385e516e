"""A small delivery day for the planning screen tests, made through the real domain functions: a
warehouse with its place on the map, goods in stock, couriers (users with the courier role and their
vehicles), and packed courier orders with coordinates and today's windows."""

from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "domain"))  # stock_helpers' own imports
from stock_helpers import receive  # noqa: E402

from server.config import get_settings  # noqa: E402
from server.domain.catalog.dto import ProductInput, VariantInput  # noqa: E402
from server.domain.catalog.products import create_product  # noqa: E402
from server.domain.delivery.couriers import CourierInput, create_courier, set_depot  # noqa: E402
from server.domain.orders.dto import CustomerInput, DeliveryInput, IntakeLine, OrderIntake, PaymentInput  # noqa: E402
from server.domain.orders.intake import intake_order  # noqa: E402
from server.domain.orders.status import change_status  # noqa: E402
from server.domain.stock.warehouses import create_warehouse  # noqa: E402
from server.domain.users.accounts import create_user  # noqa: E402

DEPOT = (55.7146, 37.6792)
# around the depot, a few kilometres apart
POINTS = [(55.7300, 37.6500), (55.7400, 37.6200), (55.7000, 37.7000), (55.7200, 37.7200), (55.7550, 37.6300),
          (55.6900, 37.6600)]


@dataclass
class Day:
    day: date
    warehouse: int
    couriers: dict[str, int] = field(default_factory=dict)  # login → courier id
    orders: list[int] = field(default_factory=list)
    sku: str = "BEANS-1"


def local_today() -> date:
    return datetime.now(ZoneInfo(get_settings().timezone)).date()


def at_local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(get_settings().timezone)).astimezone(UTC)


async def courier(login: str, warehouse: int, *, name: str, kg: int = 100, litres: int = 500,
                  shift: tuple[str, str] = ("08:00", "22:00")) -> int:
    account = await create_user(login, "demo", ["courier"], full_name=name)
    return await create_courier(CourierInput(user_id=account.id, name=name, phone="+7 916 000-00-01",
                                             vehicle="Lada Largus", capacity_weight_g=kg * 1000,
                                             capacity_volume_cm3=litres * 1000, shift_start=shift[0],
                                             shift_end=shift[1], warehouse_id=warehouse), actor="manager")


async def packed_order(day: Day, point: tuple[float, float], window: tuple[int, int] | None = (10, 18), *,
                       qty: int = 1, address: str = "Москва, ул. Тестовая, д. 1", paid: int = 0) -> int:
    start = end = None
    if window:
        start, end = at_local(day.day, window[0]), at_local(day.day, window[1])
    taken = await intake_order(OrderIntake(
        channel="api", lines=[IntakeLine(sku=day.sku, qty=qty, price=50000)],
        customer=CustomerInput(name="Анна Петрова", email=f"{uuid.uuid4().hex[:8]}@example.ru", phone="+79160000000"),
        delivery=DeliveryInput(method="courier", address=address, lat=point[0], lon=point[1], window_start=start,
                               window_end=end),
        payment=PaymentInput(method="cash_on_delivery", paid=paid), warehouse_code="MAIN"))
    for status in ("confirmed", "picking", "packed"):
        await change_status(taken.order_id, status, actor="manager")
    day.orders.append(taken.order_id)
    return taken.order_id


async def delivery_day(orders: int = 4, couriers: int = 2) -> Day:
    wh = await create_warehouse("MAIN", "Основной склад")
    await set_depot(wh, *DEPOT, actor="manager")
    product = await create_product(ProductInput(name="Кофе в зёрнах", weight_g=1000, variants=[
        VariantInput(sku="BEANS-1", prices={"retail": 50000})]))
    await receive(wh, (product.variants[0].id, 200, 20000))
    day = Day(day=local_today(), warehouse=wh)
    for n in range(couriers):
        login = f"courier{n + 1}"
        day.couriers[login] = await courier(login, wh, name=["Иван Курьеров", "Пётр Доставкин", "Анна Быстрова"][n % 3])
    for n in range(orders):
        await packed_order(day, POINTS[n % len(POINTS)], address=f"Москва, ул. Тестовая, д. {n + 1}")
    return day
