"""The demo's order history, planned in memory before anything is written: pure and seeded (only the
times move with the load time).

About 250 orders over the last 60 days from five channels — the WooCommerce site (before that, for
the older orders, the old 1C-Bitrix site), Yandex Market, the phone, the shop's Telegram bot through the
REST API — by the people of people.py, each ending in a status that fits its age (timeline.py). Lines
take goods that are in stock in the main warehouse; what the orders need beyond that stock comes in
"top-up" receipts (`OrderPlan.topups`) posted before the orders, so every order reserves in full —
except a few recent open ones that ask for goods nobody has delivered yet: the shortages screen.
Payments follow the method: prepaid online and SBP in the bot are paid with the order, invoices are
paid before picking, cash and card on delivery when the courier hands the order over.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from server.demo import timeline
from server.demo.catalog import Built
from server.demo.people import Person, customer_input
from server.demo.stock_plan import MAIN, Sku, skus_of
from server.demo.zone_fit import zone_of
from server.domain.orders.dto import DeliveryInput, IntakeLine, OrderIntake, PaymentInput

SEED = 300
ORDERS = 250
DAYS = 60
SITE, BITRIX, MARKET, PHONE, API = "site", "bitrix", "yandex-market", "phone", "api"
SITE_SINCE_DAYS = 35  # the shop moved from the old Bitrix site to WooCommerce then
MARKET_SINCE_DAYS = 45
INTAKE_ACTORS = {SITE: "webhook:site", BITRIX: "exchange:bitrix", MARKET: "token:yandex-market",
                 PHONE: "manager", API: "token:telegram-bot"}
SHORT_ORDERS = 8  # recent open orders asking for goods not in stock
FREE_DELIVERY_FROM = 300_000  # kopecks of goods: free courier delivery
DELIVERY_COST = {"courier": 30_000, "pickup": 0, "post": 35_000, "transport_company": 45_000}
PAID_ON_DELIVERY = ("cash_on_delivery", "card_on_delivery", "sbp")
TOPS = {"Кофе": 50, "Чай": 20, "Сладости": 10, "Аксессуары": 8, "Сиропы": 7, "Мерч": 5}
COMMENTS = ["Позвоните за час до доставки", "Домофон не работает, наберите по телефону", "Оставьте у двери",
            "Подъезд 3, этаж 7", "Можно после 19:00", "Не звоните, пишите в Телеграм", "Нужен чек для бухгалтерии",
            "Подарочная упаковка, пожалуйста"]
PROMO = "Промокод КОФЕ10"


@dataclass(frozen=True)
class Good:
    """A variant as the order plan sees it."""

    sku: str
    top: str
    values: tuple[str, ...]
    retail: int  # kopecks
    popular: bool
    stock: Sku  # supplier, purchase price, home bin (for top-up receipts)


@dataclass
class PlannedOrder:
    placed_at: datetime
    channel: str
    external_id: str
    person: Person
    life: timeline.Life
    payment_method: str
    lines: list[IntakeLine] = field(default_factory=list)
    comment: str = ""
    short: bool = False  # has a line that cannot be reserved
    delivery_cost: int = 0
    paid: int = 0  # with the order (kopecks)
    customer_rng_seed: int = 0
    minimum: int = 0  # kopecks of goods: the minimum order of its delivery zone (courier orders)

    @property
    def status(self) -> str:
        return self.life.status

    @property
    def total(self) -> int:
        return sum(x.qty * x.price - x.discount for x in self.lines) + self.delivery_cost

    @property
    def actor(self) -> str:
        return INTAKE_ACTORS[self.channel]

    def intake(self) -> OrderIntake:
        p, life = self.person, self.life
        address = p.address if life.method != "pickup" else None
        window = life.window or (None, None)
        delivery = DeliveryInput(method=life.method, address=address.text if address else "",
                                 lat=address.lat if address else None, lon=address.lon if address else None,
                                 window_start=window[0], window_end=window[1], cost=self.delivery_cost)
        customer = customer_input(p, random.Random(self.customer_rng_seed), email=self.channel != MARKET)
        return OrderIntake(channel=self.channel, lines=self.lines, external_id=self.external_id, customer=customer,
                           delivery=delivery, payment=PaymentInput(method=self.payment_method, paid=self.paid),
                           comment=self.comment, warehouse_code=MAIN, placed_at=self.placed_at)


@dataclass
class OrderPlan:
    orders: list[PlannedOrder]
    topups: dict[str, int]  # sku → units to receive into the main warehouse before the orders


def goods_of(built: list[Built]) -> list[Good]:
    retail = {v.sku: v.prices["retail"] for b in built for v in b.product.variants}
    return [Good(s.sku, s.top, s.values, retail[s.sku], s.popular, s) for s in skus_of(built)]


class _Ids:
    """The channels' own order numbers, growing with time."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.next = {SITE: 10_418, BITRIX: 2_931, MARKET: 47_103_345, API: 5_812}

    def take(self, channel: str) -> str:
        if channel == PHONE:
            return ""
        value = self.next[channel]
        self.next[channel] += self.rng.randint(100, 9_000) if channel == MARKET else self.rng.randint(1, 3)
        return f"tg-{value}" if channel == API else str(value)


def _channel(person: Person, age_days: float, rng: random.Random) -> str:
    if person.business:
        channel = PHONE if rng.random() < 0.6 else SITE
    elif not person.address.moscow:
        channel = SITE if rng.random() < 0.8 else PHONE
    else:
        channel = rng.choices([SITE, MARKET, PHONE, API], [45, 25, 18, 12])[0]
    if channel == MARKET and age_days > MARKET_SINCE_DAYS:
        channel = SITE
    if channel == SITE and age_days > SITE_SINCE_DAYS:
        channel = BITRIX
    return channel


def _method(person: Person, channel: str, rng: random.Random) -> str:
    if not person.address.moscow:
        return "post" if rng.random() < 0.6 else "transport_company"
    if person.business or channel == MARKET:
        return "courier"
    return "courier" if rng.random() < 0.82 else "pickup"


def _payment(person: Person, channel: str, rng: random.Random) -> str:
    if person.business:
        return "invoice"
    if channel == MARKET:
        return "prepaid_online" if rng.random() < 0.9 else "cash_on_delivery"
    if channel == API:
        return "sbp"
    if channel == PHONE:
        return rng.choices(["cash_on_delivery", "card_on_delivery", "sbp"], [50, 40, 10])[0]
    return rng.choices(["prepaid_online", "card_on_delivery", "cash_on_delivery", "sbp"], [50, 25, 15, 10])[0]


def _buyers(people: list[Person], count: int, rng: random.Random) -> list[Person]:
    """Everyone orders at least once; the rest by how often each one orders."""
    extra = rng.choices(people, [p.weight for p in people], k=max(count - len(people), 0))
    buyers = (list(people) + extra)[:count]
    rng.shuffle(buyers)
    return buyers


def _statuses(orders: list[PlannedOrder], now: datetime, rng: random.Random) -> None:
    for order in orders:
        age = (now - order.placed_at).total_seconds() / 3600
        timeline.settle(order.life, timeline.target_for(age, rng), now, rng)
    _cover_every_status(orders, now, rng)


def _cover_every_status(orders: list[PlannedOrder], now: datetime, rng: random.Random) -> None:
    """However the dice fell, every status occurs: a missing open status is given to one of the newest
    orders, a missing final one to an old order (both taken from a status that occurs more than once)."""
    for status in ("new", "confirmed", "picking", "packed", "out_for_delivery", "delivered", "closed",
                   "cancelled", "returned"):
        counts = Counter(o.status for o in orders)
        if counts[status]:
            continue
        if status in timeline.OPEN:
            pool = list(reversed(orders))
        elif status in ("out_for_delivery", "delivered"):  # a day or two old
            pool = sorted(orders, key=lambda o: abs((now - o.placed_at).total_seconds() - 2 * 86_400))
        else:
            pool = orders
        order = next((o for o in pool if counts[o.status] > 1), None)
        if order is None:  # too few orders to show everything
            continue
        if status in ("cancelled", "returned"):
            for _ in range(20):  # an old order: every step lies in the past, the dice only pick the moment
                timeline.settle(order.life, status, now, rng)
                if order.status == status:
                    break
        else:
            timeline.force(order.life, status, now)


def _payments(order: PlannedOrder) -> None:
    """Who paid when: with the order (prepaid online, SBP in the bot), by invoice before picking, or
    into the courier's hands on delivery."""
    method = order.payment_method
    if method == "prepaid_online" or (method == "sbp" and order.channel == API):
        order.paid = order.total
        return
    for step in order.life.steps:
        if (method == "invoice" and step.status == "picking") or (
                method in PAID_ON_DELIVERY and step.status == "delivered"):
            step.payment = method


class _Basket:
    def __init__(self, goods: list[Good], available: dict[str, int], rng: random.Random) -> None:
        self.rng = rng
        self.in_stock = [g for g in goods if available.get(g.sku, 0) > 2]
        self.none = [g for g in goods if available.get(g.sku, 0) == 0]
        self.by_top: dict[str, list[Good]] = defaultdict(list)
        for g in self.in_stock:
            self.by_top[g.top].append(g)
        self.demand: Counter = Counter()

    def _pick(self, candidates: list[Good], taken: set[str]) -> Good | None:
        left = [g for g in candidates if g.sku not in taken]
        if not left:
            return None
        weights = [(3 if g.popular else 1) * (2 if "250 г" in g.values else 0.5 if "1 кг" in g.values else 1)
                   for g in left]
        return self.rng.choices(left, weights)[0]

    def private(self) -> list[tuple[Good, int]]:
        rng, taken, out = self.rng, set(), []
        for _ in range(rng.choices([1, 2, 3, 4], [45, 30, 17, 8])[0]):
            top = rng.choices(list(TOPS), list(TOPS.values()))[0]
            good = self._pick(self.by_top[top], taken)
            if good is not None:
                qty = 1 if top in ("Аксессуары", "Мерч") else rng.choices([1, 2, 3], [75, 20, 5])[0]
                taken.add(good.sku)
                out.append((good, qty))
        return out

    def office(self) -> list[tuple[Good, int]]:
        """Coffee by the kilo, capsules, syrups and sweets for an office or a café."""
        rng, taken, out = self.rng, set(), []
        kilos = [g for g in self.by_top["Кофе"] if "1 кг" in g.values]
        for candidates, qty in ((kilos, rng.randint(2, 5)), (kilos, rng.randint(1, 3)),
                                ([g for g in self.by_top["Кофе"] if "50 шт" in g.values], rng.randint(2, 4)),
                                (self.by_top["Сиропы"], rng.randint(2, 6)), (self.by_top["Сладости"], rng.randint(3, 10))):
            if rng.random() < 0.6 or not out:
                good = self._pick(candidates, taken)
                if good is not None:
                    taken.add(good.sku)
                    out.append((good, qty))
        return out

    def more(self, taken: set[str]) -> Good | None:
        """One more good for a basket below its zone's minimum: coffee, else anything in stock."""
        return self._pick(self.by_top["Кофе"], taken) or self._pick(self.in_stock, taken)

    def missing(self) -> tuple[Good, int]:
        return self.rng.choice(self.none), self.rng.randint(1, 2)


def _lines(order: PlannedOrder, basket: _Basket, rng: random.Random) -> None:
    picks = basket.office() if order.person.business else basket.private()
    for good, qty in picks:
        basket.demand[good.sku] += qty
    if order.short:
        good, qty = basket.missing()
        if good.sku not in {g.sku for g, _ in picks}:
            picks.append((good, qty))
    promo = order.channel in (SITE, BITRIX) and rng.random() < 0.15
    for good, qty in picks:
        order.lines.append(_line(good, qty, promo))
    _reach_minimum(order, basket, promo)
    if promo:
        order.comment = PROMO
    elif rng.random() < 0.2:
        order.comment = rng.choice(COMMENTS)
    goods = sum(x.qty * x.price - x.discount for x in order.lines)
    cost = DELIVERY_COST[order.life.method]
    order.delivery_cost = 0 if order.life.method == "courier" and goods >= FREE_DELIVERY_FROM else cost


def _line_discount(price: int, qty: int, promo: bool) -> int:
    return (qty * price // 10) // 100 * 100 if promo else 0  # the promo code: 10 % off, whole roubles


def _line(good: Good, qty: int, promo: bool) -> IntakeLine:
    return IntakeLine(qty=qty, price=good.retail, sku=good.sku, discount=_line_discount(good.retail, qty, promo))


def _reach_minimum(order: PlannedOrder, basket: _Basket, promo: bool) -> None:
    """A courier basket below its zone's minimum gets more goods until it reaches it (the site does not
    take less): another good in stock, else one more unit of the last line."""
    for _ in range(12):
        if sum(x.qty * x.price - x.discount for x in order.lines) >= order.minimum:
            return
        good = basket.more({x.sku for x in order.lines})
        if good is not None:
            order.lines.append(_line(good, 1, promo))
            basket.demand[good.sku] += 1
        elif order.lines:
            last = order.lines[-1]
            order.lines[-1] = IntakeLine(qty=last.qty + 1, price=last.price, sku=last.sku,
                                         discount=_line_discount(last.price, last.qty + 1, promo))
            basket.demand[last.sku] += 1


def _topups(basket: _Basket, available: dict[str, int], rng: random.Random) -> dict[str, int]:
    """What the orders take beyond the stock, plus a few units so that most goods stay in stock."""
    out = {}
    for sku, qty in sorted(basket.demand.items()):
        short = qty - (available.get(sku, 0) - 2)
        if short > 0:
            out[sku] = short + rng.randint(2, 8)
    return out


def plan_orders(people: list[Person], goods: list[Good], available: dict[str, int], now: datetime,
                count: int = ORDERS) -> OrderPlan:
    """`available`: units per SKU in the main warehouse before the orders."""
    rng = random.Random(SEED)
    ids = _Ids(rng)
    orders = []
    for placed, person in zip(timeline.placements(rng, now, count, DAYS), _buyers(people, count, rng),
                              strict=True):
        age_days = (now - placed).total_seconds() / 86_400
        channel = _channel(person, age_days, rng)
        if channel == PHONE and not 9 <= timeline.local(placed).hour < 20:  # calls come in working hours
            placed = timeline.at_local(placed, rng.uniform(9.5, 19.5))
            if placed > now - timeline.LIMIT_MARGIN:
                placed = timeline.at_local(placed, -24 + rng.uniform(9.5, 19.5))
        method = _method(person, channel, rng)
        zone = zone_of(person.address.lat, person.address.lon) if method == "courier" else None
        life = timeline.plan_life(placed, method, rng, business=person.business, quick_confirm=channel == PHONE,
                                  zone=zone)
        orders.append(PlannedOrder(placed, channel, ids.take(channel), person, life, _payment(person, channel, rng),
                                   customer_rng_seed=rng.randrange(10**9), minimum=zone.minimum if zone else 0))
    orders.sort(key=lambda o: o.placed_at)
    _statuses(orders, now, rng)
    recent_open = [o for o in reversed(orders) if o.status in ("new", "confirmed")
                   and (now - o.placed_at).days < 3]
    for order in recent_open[:SHORT_ORDERS]:
        order.short = True
    basket = _Basket(goods, available, rng)
    for order in orders:
        _lines(order, basket, rng)
        _payments(order)
    return OrderPlan(orders, _topups(basket, available, rng))
