"""Today's deliveries of the demo shop, so that a new user can press «Оптимизировать» on the first run.

- The main warehouse gets its place on the map (the depot of every route).
- Four couriers with their vehicles and shifts: the demo login `courier` and three more (`courier2`…
  `courier4`, password `demo`): a van, a small van, a car and a bicycle courier with a short shift.
- About sixty orders packed this morning for delivery today, spread over Moscow (the streets of the demo's
  customers, so they fall into the demo's delivery zones — only zones that deliver today), with delivery
  windows inside the zone's slots (10–14, 14–18, 18–22 where the zone has evening slots, a few two-hour
  ones, a few without a window), small baskets of goods in stock that reach the zone's minimum order, and
  payment on delivery in cash, by card or SBP, or paid in advance on the site.
- Two deliberate exceptions, so that the zone flags show on the board: the first customer in a zone
  without evening slots who asked for 19–21 (comment EVENING_REQUEST), and one small basket below its
  zone's minimum (from order SMALL_BASKET_FROM on).
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
from server.demo.zone_fit import DemoZone, zone_of
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
SMALL_BASKET_FROM = 10  # the first order from this one in a zone keeps its small basket (below the minimum)
EVENING_REQUEST = "Только вечером: раньше 19:00 никого не будет дома"  # the one window asked outside the slots
PAYMENTS = [("cash_on_delivery", 22), ("card_on_delivery", 14), ("sbp", 8), ("prepaid_online", 14)]
DELIVERY_COST = 30000  # kopecks


@dataclass
class DeliveryResult:
    couriers: list[str] = field(default_factory=list)
    orders: int = 0
    without_window: int = 0


def _weighted(rng: random.Random, options: list[tuple]) -> object:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def _goods(lines: list[tuple]) -> int:
    return sum(g.retail * q for g, q in lines)


def _address(rng: random.Random, now: datetime) -> tuple[str, float, float, DemoZone | None]:
    """A house on a demo street whose zone delivers today (or outside every zone: flagged so)."""
    for _ in range(100):
        street, lat, lon = rng.choice(STREETS)
        lat, lon = round(lat + rng.uniform(-0.004, 0.004), 6), round(lon + rng.uniform(-0.006, 0.006), 6)
        zone = zone_of(lat, lon)
        if zone is None or zone.delivers(now):
            break
    return f"Москва, {street}, д. {rng.randint(1, 120)}, кв. {rng.randint(1, 280)}", lat, lon, zone


def _intake(n: int, person: Person, lines: list[tuple], address: tuple, window: tuple | None, comment: str,
            rng: random.Random, now: datetime) -> OrderIntake:
    start = end = None
    if window:
        start, end = timeline.at_local(now, window[0]), timeline.at_local(now, window[1])
    text, lat, lon, _ = address
    method = _weighted(rng, PAYMENTS)
    paid = _goods(lines) + DELIVERY_COST if method == "prepaid_online" else 0
    return OrderIntake(channel="api", lines=[IntakeLine(qty=q, price=g.retail, sku=g.sku)
                                                  for g, q in lines],
                       customer=customer_input(person, random.Random(1000 + n)),
                       delivery=DeliveryInput(method="courier", address=text, lat=lat, lon=lon, window_start=start,
                                              window_end=end, cost=DELIVERY_COST),
                       payment=PaymentInput(method=method, paid=paid), warehouse_code=MAIN, comment=comment,
                       placed_at=now - timedelta(hours=rng.uniform(2, 16)))


class _Baskets:
    """Small baskets of goods that need no marking code, each within what is still free."""

    def __init__(self, goods: list, rng: random.Random) -> None:
        self.rng = rng
        self.plain = [g for g in goods if not g.marked]
        self.free = {g.variant_id: g.available for g in self.plain}

    def _add(self, lines: list[tuple], qty: int) -> bool:
        fits = [g for g in self.plain if self.free[g.variant_id] >= 1
                and g.variant_id not in {x.variant_id for x, _ in lines}]
        if not fits:
            return False
        chosen = self.rng.choice(fits)
        qty = min(self.free[chosen.variant_id], qty)
        self.free[chosen.variant_id] -= qty
        lines.append((chosen, qty))
        return True

    def take(self) -> list[tuple]:
        """One to three lines."""
        lines: list[tuple] = []
        for _ in range(self.rng.choice((1, 1, 2, 2, 3))):
            if not self._add(lines, self.rng.choice((1, 1, 2, 3))):
                break
        return lines

    def top_up(self, lines: list[tuple], minimum: int) -> None:
        """More of the basket's goods (up to 3 of each, as long as they are free), then other goods,
        until the basket reaches `minimum` (kopecks)."""
        for n, (good, qty) in enumerate(lines):
            more = 0
            while _goods(lines) + good.retail * more < minimum and qty + more < 3 and self.free[good.variant_id] > more:
                more += 1
            self.free[good.variant_id] -= more
            lines[n] = (good, qty + more)
        while lines and _goods(lines) < minimum and self._add(lines, 1):
            pass


@dataclass
class _Exceptions:
    """The deliberate exceptions the board shows, one of each: the first customer in a zone without
    evening slots asks for the evening; one small basket from order SMALL_BASKET_FROM on stays below its
    zone's minimum (the manager decides: call the customer or deliver it anyway)."""

    evening_asked: bool = False
    small_left: bool = False

    def evening(self, zone: DemoZone | None) -> bool:
        """This order is the evening request."""
        if self.evening_asked or zone is None or zone.has_evening():
            return False
        self.evening_asked = True
        return True

    def small(self, n: int, minimum: int, lines: list[tuple]) -> bool:
        """This basket (of order `n`) stays below the zone's `minimum`: the small one."""
        if self.small_left or n < SMALL_BASKET_FROM or _goods(lines) >= minimum:
            return False
        self.small_left = True
        return True


def _window(rng: random.Random, zone: DemoZone | None, asked_evening: bool) -> tuple[tuple | None, str]:
    """(local hours or None, the comment): a window of WINDOWS that lies inside the zone's slots (moved
    into one when none does); the one customer who asked for the evening in a zone without evening slots
    keeps it (flagged on the board)."""
    window = _weighted(rng, [(w, n) for w, n in WINDOWS if zone is None or w is None or zone.holds(*w)])
    comment = rng.choice(["", "", "", "Позвонить за час", "Домофон не работает, звонить на телефон",
                          "Оставить у консьержа", "Код подъезда 45К7"])
    if asked_evening:
        return (19, 21), EVENING_REQUEST
    if window and zone is not None:
        window = zone.fit(*window)
    return window, comment


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
    ids, baskets, exceptions = [], _Baskets(await _stocked(warehouse_id), rng), _Exceptions()
    for n in range(ORDERS_TO_DELIVER):
        address = _address(rng, now)
        zone = address[3]
        window, comment = _window(rng, zone, exceptions.evening(zone))
        lines, minimum = baskets.take(), zone.minimum if zone else 0
        if not exceptions.small(n, minimum, lines):
            baskets.top_up(lines, minimum)
        if not lines:
            break
        data = _intake(n, people[(n * 7) % len(people)], lines, address, window, comment, rng, now)
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
