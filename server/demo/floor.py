"""Today's work on the warehouse floor of the demo shop, so that a new user can try the warehouse app at
once: confirmed orders waiting to be picked in the main warehouse, and a supplier delivery expected today.

- Six orders placed this morning, confirmed by the manager, every line in stock in the main warehouse's
  bins (nothing short, so each can be picked to the end): two with goods that need a Честный ЗНАК
  code per unit, one with a whole package of goods whose package barcode counts several units, one of
  goods spread over two bins when any are, the others small (at least the minimum order of their
  delivery zone); delivery windows in the zone's slots today and tomorrow (or its next delivery day).
- A draft receipt from «ООО Зерно-Импорт»: what the supplier's invoice says will arrive, not posted —
  the picker receives it on the device (scans, counts against it, posts).
The orders' events are marked done in the outbox like the history's (nobody is told about an invented
order). Joins the loader's transaction.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from server.demo import timeline
from server.demo.orders import _backdate, _settle_outbox
from server.demo.people import Person, customer_input, demo_people
from server.demo.stock_plan import MAIN
from server.demo.zone_fit import minimum_of, zone_of
from server.domain.catalog.tables import Barcode, Price, PriceType, Product, Variant
from server.domain.orders.dto import DeliveryInput, IntakeLine, OrderIntake, PaymentInput
from server.domain.orders.edits import assign_manager
from server.domain.orders.intake import intake_order
from server.domain.orders.status import change_status
from server.domain.outbox.tables import OutboxEvent
from server.domain.stock.documents import create_document
from server.domain.stock.dto import DocumentInput, LineInput
from server.domain.stock.tables import BinBalance, StockBalance, StockDocument

SUPPLIER = "ООО Зерно-Импорт"
ORDERS_TO_PICK = 6


@dataclass
class FloorResult:
    orders: list[str]  # numbers of the orders waiting to be picked
    receipt: str = ""  # the expected receipt's number


@dataclass(frozen=True)
class _Stocked:
    variant_id: int
    sku: str
    available: int  # in the warehouse, not reserved
    bins: int  # bins holding it
    marked: bool
    package: int  # the units of its package barcode (0: none)
    retail: int  # kopecks


async def _stocked(warehouse_id: int) -> list[_Stocked]:
    """Goods of the warehouse that lie in bins and are free to sell, with what the orders need to know."""
    balances = {r["variant"]: r["on_hand"] - r["reserved"] for r in await StockBalance.select(
        StockBalance.variant, StockBalance.on_hand, StockBalance.reserved).where(StockBalance.warehouse == warehouse_id)}
    bins: dict[int, int] = {}
    for r in await BinBalance.select(BinBalance.variant).where(BinBalance.bin.warehouse == warehouse_id).where(
            BinBalance.on_hand > 0):
        bins[r["variant"]] = bins.get(r["variant"], 0) + 1
    variants = await Variant.select(Variant.id, Variant.sku, Variant.product).where(Variant.id.is_in(
        sorted(bins) or [0])).order_by(Variant.id)
    marked = {r["id"] for r in await Product.select(Product.id).where(Product.marking_required.eq(True))}
    packages = {r["variant"]: r["multiplier"] for r in await Barcode.select(Barcode.variant, Barcode.multiplier).where(
        Barcode.multiplier > 1)}
    retail_type = await PriceType.select(PriceType.id).where(PriceType.code == "retail").first()
    retail = {r["variant"]: r["amount"] for r in await Price.select(Price.variant, Price.amount).where(
        Price.price_type == (retail_type["id"] if retail_type else 0))}
    return [_Stocked(v["id"], v["sku"], balances.get(v["id"], 0), bins[v["id"]], v["product"] in marked,
                     packages.get(v["id"], 0), retail.get(v["id"], 0))
            for v in variants if balances.get(v["id"], 0) > 0 and retail.get(v["id"], 0) > 0]


def _baskets(goods: list[_Stocked], rng: random.Random, minima: list[int]) -> list[list[tuple[_Stocked, int]]]:
    """Six baskets, each line within what is free (what one basket takes is not offered to the next),
    each reaching the minimum order of its delivery zone (`minima`, kopecks, basket by basket)."""
    free = {g.variant_id: g.available for g in goods}

    def take(candidates: list[_Stocked], qty: int) -> tuple[_Stocked, int] | None:
        fits = [g for g in candidates if free[g.variant_id] >= qty]
        if not fits:
            return take(candidates, qty - 1) if qty > 1 else None
        chosen = rng.choice(fits)
        free[chosen.variant_id] -= qty
        return chosen, qty

    plain = [g for g in goods if not g.marked]
    wanted = [
        [(lambda: [g for g in goods if g.marked], 1), (lambda: plain, 2)],
        [(lambda: [g for g in goods if g.marked], 2)],
        [(lambda: [g for g in plain if g.package], None), (lambda: plain, 1)],
        [(lambda: [g for g in plain if g.bins > 1] or plain, 3)],
        [(lambda: plain, 1), (lambda: plain, 1), (lambda: plain, 2)],
        [(lambda: plain, 1)],
    ]
    baskets = []
    for n, spec in enumerate(wanted):
        lines = []
        for source, qty in spec:
            candidates = [g for g in source() if g.variant_id not in {x.variant_id for x, _ in lines}]
            got = _whole_package(candidates, free, rng) if qty is None else take(candidates, qty)
            if got:
                lines.append(got)
        while sum(g.retail * q for g, q in lines) < (minima[n] if n < len(minima) else 0):
            got = take([g for g in plain if g.variant_id not in {x.variant_id for x, _ in lines}], 1)
            if got is None:
                break
            lines.append(got)
        if lines:
            baskets.append(lines)
    return baskets


def _whole_package(candidates: list[_Stocked], free: dict[int, int], rng: random.Random) -> tuple[_Stocked, int] | None:
    fits = [g for g in candidates if g.package and free[g.variant_id] >= g.package]
    if not fits:
        return None
    chosen = rng.choice(fits)
    free[chosen.variant_id] -= chosen.package
    return chosen, chosen.package


def _intake(lines: list[tuple[_Stocked, int]], person: Person, n: int, now: datetime) -> OrderIntake:
    """Today or tomorrow (the next day its zone delivers on), in a slot of the zone."""
    day, hours = now + timedelta(days=n // 3), (14, 18) if n % 2 else (10, 14)
    zone = zone_of(person.address.lat, person.address.lon)
    if zone is not None:
        day, hours = zone.delivery_day(day), zone.fit(*hours)
    delivery = DeliveryInput(method="courier", address=person.address.text, lat=person.address.lat,
                             lon=person.address.lon, window_start=timeline.at_local(day, hours[0]),
                             window_end=timeline.at_local(day, hours[1]), cost=30000)
    return OrderIntake(channel="phone", lines=[IntakeLine(qty=q, price=g.retail, sku=g.sku) for g, q in lines],
                       customer=customer_input(person, random.Random(n)), delivery=delivery,
                       payment=PaymentInput(method="card_on_delivery"), warehouse_code=MAIN,
                       placed_at=now - timedelta(hours=3, minutes=17 * (ORDERS_TO_PICK - n)))


async def _expected_receipt(warehouse_id: int, goods: list[_Stocked], rng: random.Random) -> str:
    coffee = [g for g in goods if g.sku.startswith("CF-")] or goods  # a coffee importer brings coffee
    picked = sorted(rng.sample(coffee, min(5, len(coffee))), key=lambda g: g.sku)
    lines = [LineInput(variant_id=g.variant_id, qty=rng.choice((6, 10, 12, 20)), price=round(g.retail * 0.55))
             for g in picked]
    document_id = await create_document(DocumentInput(
        kind="receipt", warehouse_id=warehouse_id, lines=lines, supplier=SUPPLIER,
        comment="Ожидается сегодня: счёт-фактура № 4512 от поставщика; принять на складе по сканеру"),
        actor="manager")
    row = await StockDocument.select(StockDocument.number).where(StockDocument.id == document_id).first()
    return row["number"]


async def load_floor(warehouse_id: int) -> FloorResult:
    """The orders to pick and the expected receipt (see the module docstring)."""
    rng = random.Random(4)
    now = datetime.now(UTC)
    goods = await _stocked(warehouse_id)
    people = [p for p in demo_people() if p.address.text and not p.company][:ORDERS_TO_PICK * 3]
    last_event = await OutboxEvent.select(OutboxEvent.id).order_by(OutboxEvent.id, ascending=False).first()
    result, ids = FloorResult(orders=[]), []
    buyers = people[::3][:ORDERS_TO_PICK]
    minima = [minimum_of(p.address.lat, p.address.lon) for p in buyers]
    for n, lines in enumerate(_baskets(goods, rng, minima)):
        taken = await intake_order(_intake(lines, buyers[n], n, now), actor="manager")
        await assign_manager(taken.order_id, "manager", actor="manager")  # the manager who took the call
        await change_status(taken.order_id, "confirmed", actor="manager", comment="Подтверждён по телефону")
        result.orders.append(taken.number)
        ids.append(taken.order_id)
    if ids:
        await _backdate(ids)
        await _settle_outbox(last_event["id"] if last_event else 0, ids)
    result.receipt = await _expected_receipt(warehouse_id, goods, rng)
    return result

