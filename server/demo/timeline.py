"""When the demo's orders were placed and how far each got: pure, seeded, relative to the load time.

An order's life is planned on the clock of a small Moscow shop: a manager confirms from 9 to 21, the
picker packs before the courier leaves, the courier arrives inside the delivery window the customer
chose, the day's orders are closed at the evening reconciliation. How far an order got depends on its
age (recent ones mostly open, older ones mostly closed) and never reaches past the load time: a step
whose time has not come yet is not taken. Cancellations and returns come with a reason.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from server.demo.zone_fit import DemoZone

MSK = ZoneInfo("Europe/Moscow")
HAPPY = ("confirmed", "picking", "packed", "out_for_delivery", "delivered", "closed")
OPEN = ("new", "confirmed", "picking", "packed")
# age of the order (upper bound in hours) → how far it should get (weights per final status)
TARGETS = [
    (20, {"new": 35, "confirmed": 30, "picking": 10, "packed": 10, "out_for_delivery": 5, "cancelled": 10}),
    (72, {"new": 4, "confirmed": 8, "picking": 8, "packed": 10, "out_for_delivery": 25, "delivered": 35,
          "cancelled": 7, "returned": 3}),
    (240, {"out_for_delivery": 3, "delivered": 40, "closed": 45, "cancelled": 8, "returned": 4}),
    (10**6, {"delivered": 3, "closed": 85, "cancelled": 8, "returned": 4}),
]
CANCEL_REASONS = ["Клиент передумал", "Не дозвонились до клиента", "Клиент оформил заказ повторно",
                  "Клиент попросил другой помол — оформлен новый заказ", "Дубль заказа"]
RETURN_REASONS = {"out_for_delivery": ["Отказ при получении", "Клиента не было дома, заказ вернули на склад"],
                  "delivered": ["Возврат: не подошёл помол", "Возврат: повреждена упаковка",
                                "Возврат: клиент заказал не тот размер"]}
LIMIT_MARGIN = timedelta(minutes=2)  # the last step is at least this long before the load time


@dataclass
class Step:
    status: str
    at: datetime
    actor: str
    comment: str = ""
    payment: str = ""  # a payment of the whole total by this method is recorded just before the step


@dataclass
class Life:
    """An order's planned life: the delivery it was placed with and the status changes it went through."""

    placed_at: datetime
    method: str  # courier | pickup | post | transport_company
    window: tuple[datetime, datetime] | None = None
    happy: dict[str, datetime] = field(default_factory=dict)  # the whole way to closed, had nothing gone wrong
    steps: list[Step] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.steps[-1].status if self.steps else "new"


def local(at: datetime) -> datetime:
    return at.astimezone(MSK)


def at_local(day: datetime, hour: float) -> datetime:
    """That local day at `hour` (10.5 = 10:30), in UTC."""
    base = local(day).replace(hour=0, minute=0, second=0, microsecond=0)
    return (base + timedelta(hours=hour)).astimezone(UTC)


def working(at: datetime, rng: random.Random, start: float = 9, end: float = 21) -> datetime:
    """`at`, or the next working morning when it falls outside [start, end) local time."""
    hour = local(at).hour + local(at).minute / 60
    if start <= hour < end:
        return at
    day = at if hour < start else at + timedelta(days=1)
    return at_local(day, start + rng.uniform(0.1, 1.5))


def placements(rng: random.Random, now: datetime, count: int, days: int) -> list[datetime]:
    """Oldest first: a few in the last day, some in the two before, the rest over `days` days, busier
    lately; nobody orders between 1 and 7 at night."""
    recent = min(max(count // 19, 1), count)
    middle = min(recent * 3 // 2, count - recent)
    ages = [rng.uniform(0.3, 20) for _ in range(recent)] + [rng.uniform(24, 72) for _ in range(middle)]
    ages += [72 + (days * 24 - 72) * rng.random() ** 1.3 for _ in range(count - len(ages))]
    limit = now - LIMIT_MARGIN
    out = []
    for age in ages:
        at = now - timedelta(hours=age)
        if 1 <= local(at).hour < 7:
            morning = at_local(at, rng.uniform(7.5, 9.5))
            at = morning if morning <= limit else at_local(at - timedelta(days=1), rng.uniform(21.5, 23.5))
        out.append(at)
    return sorted(out)


def _window(placed: datetime, rng: random.Random, business: bool, zone: DemoZone | None) -> tuple[datetime, datetime]:
    """A slot of the zone (without the evening ones for an office) on a day it delivers on; without a
    zone the shop's usual 10–14, 14–18, 18–22."""
    hour = local(placed).hour
    slots = zone.slot_hours(evening=not business) if zone else [(10, 14), (14, 18)] + ([] if business else [(18, 22)])
    if hour < 10 and rng.random() < 0.35:  # ordered in the morning, delivered the same day
        day, (start, end) = placed, slots[-1]
    else:
        day, (start, end) = placed + timedelta(days=1 if rng.random() < 0.75 else 2), rng.choice(slots)
    if zone is not None:
        day = zone.delivery_day(day)
    return at_local(day, start), at_local(day, end)


def plan_life(placed: datetime, method: str, rng: random.Random, *, business: bool = False,
              quick_confirm: bool = False, zone: DemoZone | None = None) -> Life:
    """The delivery window (couriers: inside the slots of the delivery `zone` on a day it delivers on)
    and the time of every step of the happy path."""
    life = Life(placed_at=placed, method=method)
    minute = timedelta(minutes=1)
    confirmed = placed + minute * (rng.uniform(1, 4) if quick_confirm else rng.uniform(4, 50))
    confirmed = working(confirmed, rng)
    if method == "courier":
        life.window = _window(placed, rng, business, zone)
        start = life.window[0]
        out = start - minute * rng.uniform(40, 100)
        picking = out - minute * rng.uniform(90, 200)
        if picking <= confirmed + minute * 5:
            picking = confirmed + minute * rng.uniform(5, 30)
        packed = picking + minute * rng.uniform(10, 40)
        out = max(out, packed + minute * 5)
        delivered = max(start + minute * rng.uniform(15, 225), out + minute * 10)
    else:
        picking = working(confirmed + minute * rng.uniform(30, 180), rng, 9, 19)
        packed = picking + minute * rng.uniform(10, 30)
        if method == "pickup":  # the customer comes for it
            out = working(packed + timedelta(hours=rng.uniform(2, 48)), rng, 10, 20)
            delivered = out + minute * rng.uniform(1, 3)
        else:  # handed to the post office or the transport company, delivered days later
            out = at_local(packed + timedelta(days=0 if local(packed).hour < 15 else 1), rng.uniform(16, 18))
            delivered = at_local(out + timedelta(days=rng.randint(2, 8)), rng.uniform(10, 19))
    closed = at_local(delivered + timedelta(days=rng.randint(1, 3)), rng.uniform(19, 21))
    life.happy = dict(zip(HAPPY, (confirmed, picking, packed, out, delivered, closed), strict=True))
    return life


def target_for(age_hours: float, rng: random.Random) -> str:
    weights = next(w for limit, w in TARGETS if age_hours < limit)
    return rng.choices(list(weights), list(weights.values()))[0]


def actor_of(status: str, method: str) -> str:
    if status in ("picking", "packed"):
        return "picker"
    if status in ("out_for_delivery", "delivered") and method == "courier":
        return "courier"
    return "manager"


def _happy_steps(life: Life, upto: str) -> list[Step]:
    statuses = HAPPY[:HAPPY.index(upto) + 1] if upto in HAPPY else ()
    return [Step(s, life.happy[s], actor_of(s, life.method)) for s in statuses]


def settle(life: Life, target: str, now: datetime, rng: random.Random) -> None:
    """Sets life.steps: the way to `target`, cut where the load time is reached; a cancellation comes
    after an open status, a return after leaving the warehouse."""
    limit = now - LIMIT_MARGIN
    if target == "cancelled":
        base = rng.choices(OPEN, [50, 35, 10, 5])[0]
    elif target == "returned":
        base = rng.choice(["out_for_delivery", "delivered", "delivered"])
    else:
        base = target
    steps = [s for s in _happy_steps(life, base) if s.at <= limit]
    if target in OPEN[1:] and len(steps) < HAPPY.index(target) + 1:  # picked and packed early for once
        force(life, target, now)
        return
    last = steps[-1].at if steps else life.placed_at
    if target == "cancelled":
        at = min(last + timedelta(minutes=rng.uniform(20, 20 * 60)), limit)
        if at > last:
            steps.append(Step("cancelled", at, "manager", rng.choice(CANCEL_REASONS)))
    elif target == "returned" and steps and steps[-1].status in RETURN_REASONS:
        frm = steps[-1].status
        wait = timedelta(hours=rng.uniform(1, 4)) if frm == "out_for_delivery" else timedelta(days=rng.uniform(1, 6))
        at = min(last + wait, limit)
        if at > last:
            steps.append(Step("returned", at, "manager", rng.choice(RETURN_REASONS[frm])))
    life.steps = steps


def force(life: Life, status: str, now: datetime) -> None:
    """Makes the order end in `status` (the happy path squeezed in before the load time if need be)."""
    limit = now - LIMIT_MARGIN
    steps = _happy_steps(life, status)
    if steps and steps[-1].at > limit:  # squeeze the way between placement and the load time
        span = (limit - life.placed_at) / (len(steps) + 1)
        for n, step in enumerate(steps, start=1):
            step.at = life.placed_at + span * n
    life.steps = steps
