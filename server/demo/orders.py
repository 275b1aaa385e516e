"""Loads the demo's sales channels and order history (order_plan.py) through the order services, inside
the loader's one transaction.

- Channels: "api" and "phone" (seeded), «Сайт на WooCommerce» (site: signed webhooks, a fresh secret
  each load), «Яндекс Маркет (YML)» (yandex-market: a feed with a fresh token) and the old
  «Старый сайт на 1С-Битрикс» (bitrix, inactive, so no exchange ever tries to reach it; its address is
  under .example). Nothing here reaches the internet. A channel whose code is taken is left as it is.
- Top-up receipts bring what the orders need beyond the stock history, then every order goes through
  intake_order (customer de-duplication, reservation, shortages) and change_status with the planned,
  past times (`at`), payments through record_payment: the ledger sees reservations, shipments, returns.
- Back-dating what the services stamp "now": the first history row (intake's "new") and the order's
  created_at get the time it was placed.
- The outbox: every order event of the demo is marked done when the load ends. They describe a past
  that nobody must be told about (the customers are invented; a worker started later must not e-mail
  or text them), and a site sync has nothing to send for it.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from server.db import is_sqlite
from server.demo import timeline
from server.demo.catalog import Built
from server.demo.order_plan import (
    BITRIX,
    DAYS,
    MARKET,
    ORDERS,
    PHONE,
    SITE,
    OrderPlan,
    PlannedOrder,
    goods_of,
    plan_orders,
)
from server.demo.people import demo_people
from server.demo.stock_plan import MAIN
from server.domain.channels.channels import create_channel, ensure_default_channels
from server.domain.channels.tables import SalesChannel
from server.domain.crm.tables import ContactPerson
from server.domain.orders.edits import assign_manager, record_payment
from server.domain.orders.intake import intake_order
from server.domain.orders.status import change_status
from server.domain.orders.tables import Order, OrderPayment, OrderStatusChange
from server.domain.outbox.tables import OutboxEvent
from server.domain.stock.documents import create_document
from server.domain.stock.dto import DocumentInput, LineInput
from server.domain.stock.tables import StockBalance

ACTOR = "demo"
SHOP_URL = "https://kofe-lavka.example"
CHANNELS = [  # code, name, kind, settings, with a secret, active
    (SITE, "Сайт на WooCommerce", "woocommerce", {"url": SHOP_URL, "price_type": "retail"}, True, True),
    (MARKET, "Яндекс Маркет (YML)", "yml", {"shop_name": "Кофейная лавка", "company": "ООО «Кофейная лавка»",
                                            "url": SHOP_URL, "price_type": "retail", "warehouses": [MAIN]},
     False, True),
    (BITRIX, "Старый сайт на 1С-Битрикс", "commerceml_site",
     {"exchange_url": "https://old.kofe-lavka.example/bitrix/admin/1c_exchange.php", "login": "kladovka",
      "schedule_seconds": 300}, True, False),
]


@dataclass
class SalesResult:
    channels: list[str] = field(default_factory=list)  # "code «name» (what to know)"
    skipped_channels: list[str] = field(default_factory=list)
    topups: int = 0  # receipts
    orders: Counter = field(default_factory=Counter)  # status → orders
    channel_orders: Counter = field(default_factory=Counter)
    short: int = 0  # orders with a line not reserved in full
    customers: int = 0  # cards the orders made
    shared_cards: int = 0  # cards with contact persons (found by the same phone, INN or e-mail)


async def _channels(result: SalesResult) -> None:
    await ensure_default_channels()
    taken = {r["code"] for r in await SalesChannel.select(SalesChannel.code).where(
        SalesChannel.code.is_in([c[0] for c in CHANNELS]))}
    for code, name, kind, settings, with_secret, active in CHANNELS:
        if code in taken:
            result.skipped_channels.append(code)
            continue
        secret = secrets.token_urlsafe(24) if with_secret else ""
        channel = await create_channel(code, name, kind, secret=secret, settings=settings, active=active,
                                       actor=ACTOR)
        if kind == "woocommerce":
            note = f"webhook POST /hooks/{code}, secret {secret}"
        elif channel.feed_token:
            note = f"feed /feeds/{code}.yml?token={channel.feed_token}"
        else:
            note = "inactive: the shop's old site, its orders are history"
        result.channels.append(f"{code} «{name}» ({note})")


async def _main_available(warehouse_id: int, variants: dict[str, int]) -> dict[str, int]:
    skus = {v: s for s, v in variants.items()}
    rows = await StockBalance.select(StockBalance.variant, StockBalance.on_hand, StockBalance.reserved).where(
        StockBalance.warehouse == warehouse_id)
    return {skus[r["variant"]]: r["on_hand"] - r["reserved"] for r in rows if r["variant"] in skus}


async def _topups(plan: OrderPlan, built: list[Built], variants: dict[str, int], warehouse_id: int,
                  bins: dict[tuple[str, str], int], result: SalesResult) -> None:
    """One receipt per supplier, dated the day before the first order that needed it (at the earliest
    the day after the opening deliveries)."""
    goods = {g.sku: g for g in goods_of(built)}
    first_need: dict[str, datetime] = {}
    for order in plan.orders:
        for line in order.lines:
            first_need.setdefault(line.sku, order.placed_at)
    by_supplier: dict[str, list[str]] = defaultdict(list)
    for sku in plan.topups:
        by_supplier[goods[sku].stock.supplier].append(sku)
    rng = random.Random(len(plan.topups))
    earliest = datetime.now(UTC) - timedelta(days=DAYS - 1)  # after the opening deliveries of the history
    for n, (supplier, skus) in enumerate(sorted(by_supplier.items())):
        at = timeline.at_local(max(min(first_need[s] for s in skus) - timedelta(days=1), earliest),
                               10 + rng.random())
        lines = [LineInput(variants[s], plan.topups[s], bin_id=bins[(MAIN, goods[s].stock.home)],
                           price=round(goods[s].stock.purchase * rng.uniform(0.97, 1.04))) for s in sorted(skus)]
        await create_document(DocumentInput("receipt", warehouse_id, lines, supplier=supplier,
                                            comment=f"Накладная № {2210 + 17 * n}, дозаказ под заказы"),
                              actor=ACTOR, post=True, at=min(at, datetime.now(UTC)))
        result.topups += 1


async def _take(order: PlannedOrder, result: SalesResult) -> int:
    taken = await intake_order(order.intake(), actor=order.actor)
    if any(line.reserved < line.qty for line in taken.lines):
        result.short += 1
    if order.channel == PHONE:  # the manager who took the call keeps the order
        await assign_manager(taken.order_id, "manager", actor="manager")
    for step in order.life.steps:
        if step.payment:
            await record_payment(taken.order_id, taken.total - order.paid, step.payment, actor=step.actor,
                                 at=step.at)
        await change_status(taken.order_id, step.status, actor=step.actor, comment=step.comment, at=step.at)
    result.orders[order.status] += 1
    result.channel_orders[order.channel] += 1
    return taken.order_id


async def _backdate(order_ids: list[int]) -> None:
    """Intake stamps the order, its first history row and the payment that came with it with the load
    time; the demo's orders were placed earlier. (Later payments carry their step's time already.)"""
    ids = ", ".join("{}" for _ in order_ids)
    await OrderStatusChange.raw(
        'UPDATE order_status_change SET "at" = (SELECT o.placed_at FROM sales_order o '
        f'WHERE o.id = order_status_change."order") WHERE from_status IS NULL AND "order" IN ({ids})', *order_ids)
    # the intake's payment row is stamped with the order's created_at (the same instant); a step's is earlier
    await OrderPayment.raw(
        'UPDATE order_payment SET "at" = (SELECT o.placed_at FROM sales_order o WHERE o.id = order_payment."order") '
        f'WHERE "order" IN ({ids}) AND "at" = (SELECT o.created_at FROM sales_order o '
        'WHERE o.id = order_payment."order")', *order_ids)
    await Order.raw("UPDATE sales_order SET created_at = placed_at, updated_at = CASE WHEN status = 'new' "
                    f"THEN placed_at ELSE updated_at END WHERE id IN ({ids})", *order_ids)


async def _settle_outbox(after_id: int, order_ids: list[int]) -> None:
    """The demo's order events: done, never to be delivered (see the module docstring). Only the demo's
    own: with --force on a live PostgreSQL shop, real orders may commit events meanwhile."""
    order_id = "json_extract(payload, '$.order_id')" if is_sqlite() else "(payload::json->>'order_id')::bigint"
    ids = ", ".join("{}" for _ in order_ids)
    await OutboxEvent.raw(
        "UPDATE outbox_event SET status = 'done', processed_at = {}, locked_by = '' WHERE id > {} "
        f"AND topic IN ('order.created', 'order.status_changed') AND {order_id} IN ({ids})",
        datetime.now(UTC), after_id, *order_ids)


async def _customers(order_ids: list[int], result: SalesResult) -> None:
    cards = {r["customer"] for r in await Order.select(Order.customer).where(
        Order.id.is_in(order_ids)) if r["customer"] is not None}
    result.customers = len(cards)
    shared = await ContactPerson.select(ContactPerson.customer).where(
        ContactPerson.customer.is_in(sorted(cards) or [0])).distinct()
    result.shared_cards = len(shared)


async def load_orders(built: list[Built], variants: dict[str, int], warehouses: dict[str, int],
                      bins: dict[tuple[str, str], int], result: SalesResult, count: int = ORDERS) -> None:
    """Channels, top-up receipts and `count` orders of history; joins the caller's transaction."""
    await _channels(result)
    now = datetime.now(UTC)
    available = await _main_available(warehouses[MAIN], variants)
    plan = plan_orders(demo_people(), goods_of(built), available, now, count)
    await _topups(plan, built, variants, warehouses[MAIN], bins, result)
    last_event = await OutboxEvent.select(OutboxEvent.id).order_by(OutboxEvent.id, ascending=False).first()
    order_ids = [await _take(order, result) for order in plan.orders]
    if order_ids:
        await _backdate(order_ids)
        await _settle_outbox(last_event["id"] if last_event else 0, order_ids)
        await _customers(order_ids, result)


def summary_lines(result: SalesResult) -> list[str]:
    statuses = ", ".join(f"{n} {status}" for status, n in sorted(result.orders.items(), key=lambda x: -x[1]))
    channels = ", ".join(f"{n} {code}" for code, n in result.channel_orders.most_common())
    lines = [f"  customers:  {result.customers} cards ({result.shared_cards} with contact persons found by the "
             "same phone, INN or e-mail)",
             f"  orders:     {sum(result.orders.values())} over 60 days ({channels}): {statuses}; "
             f"{result.short} short of stock",
             "  channels:   api, phone" + "".join(f";\n              {c}" for c in result.channels)]
    if result.skipped_channels:
        lines.append(f"              already there, left as they were: {', '.join(result.skipped_channels)}")
    return lines
