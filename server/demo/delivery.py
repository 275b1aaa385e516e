"""Today's deliveries of the demo shop, so that a new user can press «Оптимизировать» on the first run.

- The main warehouse gets its place on the map (the depot of every route).
- Four couriers with their vehicles and shifts: the demo login `courier` and three more (`courier2`…
  `courier4`, password `demo`): a van, a small van, a car and a bicycle courier with a short shift.
- About sixty orders packed this morning for delivery today, spread over Moscow (the streets of the demo's
  customers, so they fall into the demo's delivery zones), with delivery windows (10–14, 14–18, 18–22, a
  few two-hour ones, a few without a window), small baskets of goods in stock, and payment on delivery in
  cash, by card or SBP, or paid in advance on the site.
They go through the real intake and status machine (new → confirmed → picking → packed): their goods are
reserved. They were not picked on the devices: their shipments take the goods out of the warehouse without
naming the bins. The orders' events are marked done in the outbox like the rest of the demo (nobody is told
about an invented order). Joins the loader's transaction.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from server.demo import timeline
from server.demo.floor import _stocked
from server.demo.orders import _backdate, _settle_outbox
from server.demo.people import STREETS, Person, customer_input, demo_people
from server.demo.stock_plan import MAIN
from server.domain.delivery.couriers import CourierInput, create_courier, set_depot
from server.domain.orders.dto import DeliveryInput, IntakeLine, OrderIntake, PaymentInput
from server.domain.orders.intake import intake_order
from server.domain.orders.status import change_status
from server.domain.outbox.tables import OutboxEvent
from server.domain.stock.tables import Warehouse
from server.domain.users.accounts import create_user
from server.domain.users.tables import User

ORDERS_TO_DELIVER = 60
DEPOT = (55.7146, 37.6792)  # Москва, ул. Шарикоподшипниковская — the main warehouse
DEPOT_ADDRESS = "Москва, ул. Шарикоподшипниковская, д. 11, стр. 2"
PASSWORD = "demo"
# login, name, phone, vehicle, capacity kg, capacity litres, shift
COURIERS = [
    ("courier", "Иван Курьеров", "+7 916 100-20-01", "Lada Largus фургон", 600, 2500, "09:00", "21:00"),
    ("courier2", "Пётр Доставкин", "+7 916 100-20-02", "Renault Kangoo", 450, 1800, "10:00", "22:00"),
    ("courier3", "Анна Быстрова", "+7 916 100-20-03", "Hyundai Solaris", 200, 400, "09:00", "18:00"),
    ("courier4", "Самат Ахмедов", "+7 916 100-20-04", "велосипед с коробом", 25, 80, "12:00", "20:00"),
]
# local delivery windows (start hour, end hour; None: no window) and how often each comes up
WINDOWS = [((10, 14), 12), ((14, 18), 14), ((18, 22), 10), ((11, 13), 4), ((16, 18), 4), ((19, 21), 4),
           (None, 8)]
PAYMENTS = [("cash_on_delivery", 22), ("card_on_delivery", 14), ("sbp", 8), ("prepaid_online", 14)]
DELIVERY_COST = 30000  # kopecks


@dataclass
class DeliveryResult:
    couriers: list[str] = field(default_factory=list)
    orders: int = 0
    without_window: int = 0


def _weighted(rng: random.Random, options: list[tuple]) -> object:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def _address(rng: random.Random) -> tuple[str, float, float]:
    street, lat, lon = rng.choice(STREETS)
    text = f"Москва, {street}, д. {rng.randint(1, 120)}, кв. {rng.randint(1, 280)}"
    return text, round(lat + rng.uniform(-0.004, 0.004), 6), round(lon + rng.uniform(-0.006, 0.006), 6)


def _intake(n: int, person: Person, lines: list[tuple], rng: random.Random, now: datetime) -> OrderIntake:
    window = _weighted(rng, WINDOWS)
    start = end = None
    if window:
        start, end = timeline.at_local(now, window[0]), timeline.at_local(now, window[1])
    text, lat, lon = _address(rng)
    method = _weighted(rng, PAYMENTS)
    goods = sum(g.retail * q for g, q in lines)
    paid = goods + DELIVERY_COST if method == "prepaid_online" else 0
    comment = rng.choice(["", "", "", "Позвонить за час", "Домофон не работает, звонить на телефон",
                          "Оставить у консьержа", "Код подъезда 45К7"])
    return OrderIntake(channel="api", lines=[IntakeLine(qty=q, price=g.retail, sku=g.sku)
                                                  for g, q in lines],
                       customer=customer_input(person, random.Random(1000 + n)),
                       delivery=DeliveryInput(method="courier", address=text, lat=lat, lon=lon, window_start=start,
                                              window_end=end, cost=DELIVERY_COST),
                       payment=PaymentInput(method=method, paid=paid), warehouse_code=MAIN, comment=comment,
                       placed_at=now - timedelta(hours=rng.uniform(2, 16)))


def _baskets(goods: list, rng: random.Random, count: int) -> list[list[tuple]]:
    """Small baskets of goods that need no marking code, each within what is still free."""
    plain = [g for g in goods if not g.marked]
    free = {g.variant_id: g.available for g in plain}
    baskets = []
    for _ in range(count):
        lines = []
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            fits = [g for g in plain if free[g.variant_id] >= 1 and g.variant_id not in {x.variant_id for x, _ in lines}]
            if not fits:
                break
            chosen = rng.choice(fits)
            qty = min(free[chosen.variant_id], rng.choice((1, 1, 2, 3)))
            free[chosen.variant_id] -= qty
            lines.append((chosen, qty))
        if lines:
            baskets.append(lines)
    return baskets


async def _couriers(warehouse_id: int, result: DeliveryResult) -> None:
    users = {r["username"]: r["id"] for r in await User.select(User.username, User.id).where(
        User.username.is_in([c[0] for c in COURIERS]))}
    for login, name, phone, vehicle, kg, litres, start, end in COURIERS:
        if login not in users:
            users[login] = (await create_user(login, PASSWORD, ["courier"], full_name=name, actor="demo")).id
        await create_courier(CourierInput(user_id=users[login], name=name, phone=phone, vehicle=vehicle,
                                          capacity_weight_g=kg * 1000, capacity_volume_cm3=litres * 1000,
                                          shift_start=start, shift_end=end, warehouse_id=warehouse_id), actor="demo")
        result.couriers.append(login)


async def load_deliveries(warehouse_id: int) -> DeliveryResult:
    """The depot, the couriers and today's packed orders (see the module docstring)."""
    rng = random.Random(5)
    now = datetime.now(UTC)
    result = DeliveryResult()
    await set_depot(warehouse_id, *DEPOT, actor="demo")
    await Warehouse.update({Warehouse.address: DEPOT_ADDRESS}).where(Warehouse.id == warehouse_id)
    await _couriers(warehouse_id, result)
    people = [p for p in demo_people() if not p.company]
    last_event = await OutboxEvent.select(OutboxEvent.id).order_by(OutboxEvent.id, ascending=False).first()
    ids = []
    for n, lines in enumerate(_baskets(await _stocked(warehouse_id), rng, ORDERS_TO_DELIVER)):
        data = _intake(n, people[(n * 7) % len(people)], lines, rng, now)
        taken = await intake_order(data, actor="manager")
        for status in ("confirmed", "picking", "packed"):
            await change_status(taken.order_id, status, actor="manager")
        ids.append(taken.order_id)
        result.without_window += data.delivery.window_start is None
    result.orders = len(ids)
    if ids:
        await _backdate(ids)
        await _settle_outbox(last_event["id"] if last_event else 0, ids)
    return result
