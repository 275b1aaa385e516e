"""A small city for the delivery tests: the warehouse MAIN on the map (the depot), coffee of known weight
and size in stock, couriers (users with the courier role), packed courier orders with points and windows
(made through intake and the status machine), and routes written directly when a test needs no solver."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from stock_helpers import receive

from server.config import get_settings
from server.domain.catalog.dto import ProductInput, VariantInput
from server.domain.catalog.products import create_product
from server.domain.delivery.couriers import CourierInput, create_courier
from server.domain.delivery.tables import DeliveryRoute, RouteStop
from server.domain.orders.dto import CustomerInput, DeliveryInput, IntakeLine, OrderIntake, PaymentInput
from server.domain.orders.intake import intake_order
from server.domain.orders.status import change_status
from server.domain.stock.tables import Warehouse
from server.domain.stock.warehouses import create_warehouse
from server.domain.users.accounts import create_user
from server.domain.users.tables import User

DEPOT = (55.7558, 37.6173)  # the centre of Moscow
# 15 points within ~6 km of the depot
POINTS = [(55.7700, 37.6000), (55.7800, 37.6400), (55.7400, 37.5900), (55.7350, 37.6500), (55.7600, 37.6700),
          (55.7900, 37.5800), (55.7250, 37.6100), (55.7650, 37.5600), (55.7480, 37.6900), (55.7820, 37.6900),
          (55.7300, 37.5700), (55.7700, 37.6300), (55.7450, 37.6300), (55.7550, 37.5800), (55.7950, 37.6200)]
PRICE = 50000  # kopecks a pack
PACK_G = 1000  # a pack weighs 1 kg, 100 × 100 × 200 mm = 2 litres


@dataclass
class City:
    day: date
    warehouse: int
    variant: int
    couriers: dict[str, int] = field(default_factory=dict)  # login → courier id


def local_today() -> date:
    return datetime.now(ZoneInfo(get_settings().timezone)).date()


def at_local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(get_settings().timezone)).astimezone(UTC)


def new_uuid() -> str:
    return str(uuid.uuid4())


async def city(day: date | None = None, *, depot: tuple[float, float] | None = DEPOT) -> City:
    wh = await create_warehouse("MAIN", "Основной склад")
    if depot:
        await Warehouse.update({Warehouse.lat: depot[0], Warehouse.lon: depot[1]}).where(Warehouse.id == wh)
    product = await create_product(ProductInput(name="Кофе в зёрнах", weight_g=PACK_G, length_mm=100, width_mm=100,
                                                height_mm=200, variants=[VariantInput(sku="BEANS-1",
                                                                                      prices={"retail": PRICE})]))
    await receive(wh, (product.variants[0].id, 1000, 20000))
    return City(day=day or local_today(), warehouse=wh, variant=product.variants[0].id)


async def courier(c: City, login: str, *, kg: int = 30, litres: int = 100, shift: tuple[str, str] = ("09:00", "21:00"),
                  name: str = "") -> int:
    await create_user(login, "courier-password-1", ["courier"], full_name=name or login)
    user = await User.select(User.id).where(User.username == login).first()
    cid = await create_courier(CourierInput(user_id=user["id"], name=name or login, phone="+79160000001",
                                            vehicle="Largus", capacity_weight_g=kg * 1000,
                                            capacity_volume_cm3=litres * 1000, shift_start=shift[0],
                                            shift_end=shift[1], warehouse_id=c.warehouse), actor="manager")
    c.couriers[login] = cid
    return cid


async def packed(c: City, point: tuple[float, float] | None, *, qty: int = 2, window: tuple[int, int] | None = (10, 18),
                 method: str = "cash_on_delivery", paid: int = 0, phone: str = "+79161234567",
                 status: str = "packed") -> int:
    taken = await intake_order(OrderIntake(
        channel="api", lines=[IntakeLine(sku="BEANS-1", qty=qty, price=PRICE)],
        customer=CustomerInput(name="Анна Петрова", email=f"{uuid.uuid4().hex[:8]}@example.ru", phone=phone),
        delivery=DeliveryInput(method="courier", address="Москва, ул. Лесная, д. 5",
                               lat=point[0] if point else None, lon=point[1] if point else None,
                               window_start=at_local(c.day, window[0]) if window else None,
                               window_end=at_local(c.day, window[1]) if window else None, cost=0),
        payment=PaymentInput(method=method, paid=paid), warehouse_code="MAIN"))
    for to in ("confirmed", "picking", "packed"):
        if to == status:
            await change_status(taken.order_id, to, actor="manager")
            break
        await change_status(taken.order_id, to, actor="manager")
    return taken.order_id


async def route(c: City, login: str, orders: list[int], *, status: str = "published") -> tuple[int, list[int]]:
    """A route written directly (no solver): the stops in this order, ETAs half an hour apart from 10:30."""
    rows = await DeliveryRoute.insert(DeliveryRoute(
        day=c.day, warehouse=c.warehouse, courier=c.couriers[login], status=status,
        sheet_token=secrets.token_urlsafe(16), planned_start=at_local(c.day, 10),
        planned_end=at_local(c.day, 14))).returning(DeliveryRoute.id)
    stops = []
    for seq, order_id in enumerate(orders, start=1):
        made = await RouteStop.insert(RouteStop(route=rows[0]["id"], order=order_id, seq=seq,
                                                eta=at_local(c.day, 10, 30 * seq % 60))).returning(RouteStop.id)
        stops.append(made[0]["id"])
    return rows[0]["id"], stops
