"""A courier's day for the courier app tests: a warehouse on the map, coffee in stock, packed courier
orders with coordinates, windows, phones and comments (made through order intake and the status machine),
couriers (users with the courier role and their Courier rows) and their routes of today with stops in
order — published, as the manager's planning screen leaves them."""

from __future__ import annotations

import secrets
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
from server.domain.delivery.tables import Courier, DeliveryRoute, RouteStop  # noqa: E402
from server.domain.orders.dto import CustomerInput, DeliveryInput, IntakeLine, OrderIntake, PaymentInput  # noqa: E402
from server.domain.orders.intake import intake_order  # noqa: E402
from server.domain.orders.status import change_status  # noqa: E402
from server.domain.stock.tables import Warehouse  # noqa: E402
from server.domain.stock.warehouses import create_warehouse  # noqa: E402
from server.domain.users.accounts import create_user  # noqa: E402
from server.domain.users.tables import User  # noqa: E402

DEPOT = (55.7146, 37.6792)
POINTS = [(55.7300, 37.6500), (55.7400, 37.6200), (55.7000, 37.7000), (55.7200, 37.7200)]
PRICE = 50000  # kopecks a pack


@dataclass
class Stop:
    id: int
    order_id: int
    seq: int


@dataclass
class CourierDay:
    day: date
    warehouse: int
    variant: int
    routes: dict[str, int] = field(default_factory=dict)  # courier login → route id
    stops: dict[str, list[Stop]] = field(default_factory=dict)  # courier login → stops in order


def local_today() -> date:
    return datetime.now(ZoneInfo(get_settings().timezone)).date()


def at_local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(get_settings().timezone)).astimezone(UTC)


def new_uuid() -> str:
    return str(uuid.uuid4())


async def make_courier(login: str, warehouse: int, name: str, password: str = "demo") -> int:
    await create_user(login, password, ["courier"], full_name=name)
    user = await User.select(User.id).where(User.username == login).first()
    rows = await Courier.insert(Courier(user=user["id"], name=name, phone="+7 916 000-00-01", vehicle="Largus",
                                        capacity_weight_g=100_000, capacity_volume_cm3=500_000, shift_start="08:00",
                                        shift_end="22:00", warehouse=warehouse, active=True)).returning(Courier.id)
    return rows[0]["id"]


async def packed_order(day: CourierDay, point: tuple[float, float], *, qty: int = 2, method: str = "cash_on_delivery",
                       paid: int = 0, address: str = "Москва, ул. Лесная, д. 5", comment: str = "",
                       phone: str = "+79161234567", name: str = "Анна Петрова", email: str = "") -> int:
    taken = await intake_order(OrderIntake(
        channel="api", lines=[IntakeLine(sku="BEANS-1", qty=qty, price=PRICE)], comment=comment,
        customer=CustomerInput(name=name, email=email or f"{uuid.uuid4().hex[:8]}@example.ru", phone=phone),
        delivery=DeliveryInput(method="courier", address=address, lat=point[0], lon=point[1],
                               window_start=at_local(day.day, 10), window_end=at_local(day.day, 14), cost=0),
        payment=PaymentInput(method=method, paid=paid), warehouse_code="MAIN"))
    for status in ("confirmed", "picking", "packed"):
        await change_status(taken.order_id, status, actor="manager")
    return taken.order_id


async def courier_day() -> CourierDay:
    """The warehouse MAIN (at DEPOT) with 200 packs of BEANS-1, no couriers yet."""
    wh = await create_warehouse("MAIN", "Основной склад")
    await Warehouse.update({Warehouse.lat: DEPOT[0], Warehouse.lon: DEPOT[1]}).where(Warehouse.id == wh)
    product = await create_product(ProductInput(name="Кофе в зёрнах", weight_g=1000, variants=[
        VariantInput(sku="BEANS-1", prices={"retail": PRICE})]))
    await receive(wh, (product.variants[0].id, 200, 20000))
    return CourierDay(day=local_today(), warehouse=wh, variant=product.variants[0].id)


async def route_for(day: CourierDay, login: str, orders: list[int], *, status: str = "published",
                    name: str = "Иван Курьеров") -> int:
    """A route of today for the courier `login` (made if new) visiting `orders` in this order, ETAs an hour
    apart from 10:30."""
    found = await Courier.select(Courier.id).where(Courier.user.username == login).first()
    courier_id = found["id"] if found else await make_courier(login, day.warehouse, name)
    now = datetime.now(UTC)
    rows = await DeliveryRoute.insert(DeliveryRoute(
        day=day.day, warehouse=day.warehouse, courier=courier_id, status=status, sheet_token=secrets.token_urlsafe(16),
        distance_m=12000, duration_s=3 * 3600, planned_start=at_local(day.day, 10),
        planned_end=at_local(day.day, 14), published_at=now)).returning(DeliveryRoute.id)
    route_id = rows[0]["id"]
    stops = []
    for seq, order_id in enumerate(orders, start=1):
        made = await RouteStop.insert(RouteStop(route=route_id, order=order_id, seq=seq,
                                                eta=at_local(day.day, 9 + seq, 30),
                                                eta_departure=at_local(day.day, 9 + seq, 40))).returning(RouteStop.id)
        stops.append(Stop(id=made[0]["id"], order_id=order_id, seq=seq))
    day.routes[login] = route_id
    day.stops[login] = stops
    return route_id


async def two_couriers_day(*, status: str = "published") -> CourierDay:
    """Ivan (login courier) with three stops — cash, card, prepaid — and Pyotr (courier2) with one."""
    day = await courier_day()
    ivan = [await packed_order(day, POINTS[0], comment="Домофон 12, позвонить за 10 минут"),
            await packed_order(day, POINTS[1], method="card_on_delivery", address="Москва, ул. Садовая, д. 3",
                               phone="+79167654321", name="Борис Смирнов"),
            await packed_order(day, POINTS[2], method="prepaid_online", paid=2 * PRICE,
                               address="Москва, Мира пр-т, д. 10")]
    await route_for(day, "courier", ivan, status=status)
    await route_for(day, "courier2", [await packed_order(day, POINTS[3], address="Москва, ул. Чужая, д. 1")],
                    status=status, name="Пётр Доставкин")
    return day
