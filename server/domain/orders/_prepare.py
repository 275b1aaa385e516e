"""Checking an OrderIntake before anything is written, and resolving it into ids and kopecks. Internal.

Every problem is collected and raised at once (one ValidationFailed carrying `problems`, each with
its field: `lines[0]`, `customer.phone`, `delivery.window_end` …). Goods are looked up in a few
queries for the whole order: SKUs exactly (then regardless of case), barcodes with their package
multiplier (qty × multiplier units), variant ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from server.domain.catalog.barcodes import clean_scan, find_by_sku
from server.domain.catalog.tables import VAT_RATES, Barcode, Variant
from server.domain.crm.normalise import CleanCustomer, clean_customer
from server.domain.orders.dto import IntakeLine, OrderIntake
from server.domain.orders.tables import DELIVERY_METHODS, PAYMENT_METHODS
from server.domain.stock.tables import Warehouse
from server.errors import DomainError, ValidationFailed

MAX_KOPECKS = 10**13  # as the API's common.MAX_KOPECKS: far beyond any order, well inside BigInt
MAX_QTY = 1_000_000_000
MAX_LINES = 1000
_CHANNEL = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
_TEXTS = {  # field: (limit, msgid)
    "external_id": (128, "The external id must be at most 128 characters long"),
    "comment": (4000, "The comment must be at most 4000 characters long"),
    "delivery.address": (500, "The delivery address must be at most 500 characters long"),
}


@dataclass
class Line:
    line_no: int
    variant_id: int
    sku: str
    name: str
    qty: int  # units (package barcodes multiplied out)
    price: int
    discount: int
    vat: str


@dataclass
class Prepared:
    intake: OrderIntake
    channel: str
    external_id: str
    warehouse: dict
    customer: CleanCustomer | None
    lines: list[Line] = field(default_factory=list)
    goods_total: int = 0
    discount_total: int = 0
    total: int = 0
    placed_at: datetime | None = None


def raise_all(problems: list[DomainError], summary: str = "The order has %(count)s errors") -> None:
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationFailed(summary, problems=problems, count=len(problems))


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _aware(value: datetime | None) -> bool:
    return value is None or (isinstance(value, datetime) and value.tzinfo is not None)


async def _warehouse(code: str | None, problems: list[DomainError]) -> dict:
    if code is None or not str(code).strip():
        row = await Warehouse.select().where(Warehouse.active.eq(True)).order_by(Warehouse.id).first()
        if row is None:
            problems.append(ValidationFailed("There is no open warehouse to ship the order from", field="warehouse"))
        return row or {}
    wanted = str(code).strip().upper()
    row = await Warehouse.select().where(Warehouse.code == wanted).first()
    if row is None:
        problems.append(ValidationFailed("Unknown warehouse %(warehouse)s", field="warehouse", warehouse=wanted[:40]))
    elif not row["active"]:
        problems.append(ValidationFailed("Warehouse %(code)s is closed", field="warehouse", code=row["code"]))
    return row or {}


async def _goods(lines: list[IntakeLine]) -> tuple[dict[str, int], dict[str, tuple[int, int]], dict[int, dict]]:
    """(SKU → variant id, barcode → (variant id, multiplier), variant id → sku/name/vat)."""
    skus = sorted({clean_scan(x.sku) for x in lines if x.variant_id is None and x.sku and clean_scan(x.sku)})
    codes = sorted({clean_scan(x.barcode) for x in lines if x.variant_id is None and not x.sku and x.barcode})
    by_sku: dict[str, int] = {}
    if skus:
        rows = await Variant.select(Variant.id, Variant.sku).where(Variant.sku.is_in(skus))
        by_sku = {r["sku"]: r["id"] for r in rows}
        for sku in skus:
            if sku not in by_sku and len(sku) <= 64:
                found = await find_by_sku(sku)  # SKUs are unique regardless of case
                if found is not None:
                    by_sku[sku] = found.variant_id
    by_code: dict[str, tuple[int, int]] = {}
    if codes:
        rows = await Barcode.select(Barcode.code, Barcode.variant, Barcode.multiplier).where(Barcode.code.is_in(codes))
        by_code = {r["code"]: (r["variant"], max(1, r["multiplier"])) for r in rows}
    ids = {x.variant_id for x in lines if _whole(x.variant_id)} | set(by_sku.values()) | {
        v for v, _m in by_code.values()}
    details: dict[int, dict] = {}
    if ids:
        rows = await Variant.select(Variant.id, Variant.sku, Variant.name, Variant.product.name.as_alias("product"),
                                    Variant.product.vat.as_alias("vat")).where(Variant.id.is_in(sorted(ids)))
        details = {r["id"]: r for r in rows}
    return by_sku, by_code, details


def _line_error(index: int, message: str, **params: object) -> ValidationFailed:
    return ValidationFailed(message, field=f"lines[{index}]", line=index + 1, **params)


def _resolve(index: int, line: IntakeLine, goods, problems: list[DomainError]) -> tuple[int | None, int]:
    """(variant id, units per line unit) or (None, 1) with a problem appended."""
    by_sku, by_code, details = goods
    if line.variant_id is not None:
        if _whole(line.variant_id) and line.variant_id in details:
            return line.variant_id, 1
        problems.append(_line_error(index, "Line %(line)s: unknown product variant %(variant_id)s",
                                    variant_id=str(line.variant_id)[:20]))
    elif line.sku:
        sku = clean_scan(line.sku)
        if sku in by_sku:
            return by_sku[sku], 1
        problems.append(_line_error(index, "Line %(line)s: unknown SKU %(sku)s", sku=sku[:64]))
    elif line.barcode:
        code = clean_scan(line.barcode)
        if code in by_code:
            return by_code[code]
        problems.append(_line_error(index, "Line %(line)s: unknown barcode %(barcode)s", barcode=code[:64]))
    else:
        problems.append(_line_error(index, "Line %(line)s: give either sku or barcode"))
    return None, 1


def _amounts(index: int, line: IntakeLine, units: int, problems: list[DomainError]) -> bool:
    ok = True
    if not _whole(line.qty):
        problems.append(_line_error(index, "Line %(line)s: the quantity must be a whole number"))
        ok = False
    elif line.qty <= 0:
        problems.append(_line_error(index, "Line %(line)s: the quantity must be greater than zero"))
        ok = False
    elif units > MAX_QTY:
        problems.append(_line_error(index, "Line %(line)s: the quantity is too large"))
        ok = False
    if not _whole(line.price) or not _whole(line.discount):
        problems.append(_line_error(index, "Line %(line)s: the price and the discount must be whole numbers of "
                                           "kopecks"))
        return False
    if line.price < 0:
        problems.append(_line_error(index, "Line %(line)s: the price cannot be negative"))
        return False
    if ok and line.price * units >= MAX_KOPECKS:
        problems.append(_line_error(index, "Line %(line)s: the line total is too large"))
        return False
    if ok and not 0 <= line.discount <= line.price * units:
        problems.append(_line_error(index, "Line %(line)s: the discount must be from zero to the line's amount"))
        return False
    if line.vat is not None and line.vat not in VAT_RATES:
        problems.append(_line_error(index, "Line %(line)s: unknown VAT rate %(vat)s", vat=str(line.vat)[:8]))
        return False
    return ok


def _header(intake: OrderIntake, problems: list[DomainError]) -> tuple[str, str]:
    channel = (intake.channel or "").strip() if isinstance(intake.channel, str) else ""
    if not _CHANNEL.match(channel):
        problems.append(ValidationFailed("The channel must be 1 to 32 Latin letters, digits, dots, dashes or "
                                         "underscores", field="channel"))
    external_id = (intake.external_id or "").strip()
    texts = {"external_id": external_id, "comment": intake.comment or "",
             "delivery.address": intake.delivery.address or ""}
    for name, (limit, message) in _TEXTS.items():
        if len(texts[name]) > limit:
            problems.append(ValidationFailed(message, field=name))
    values = [channel, external_id, intake.comment, intake.delivery.address, intake.customer.name,
              intake.customer.company, *(x.name for x in intake.lines)]
    if any("\x00" in (v or "") for v in values):
        problems.append(ValidationFailed("Text cannot contain the NUL character", field=None))
    if not _aware(intake.placed_at):
        problems.append(ValidationFailed("The order time must be a time zone aware moment", field="placed_at"))
    return channel, external_id


def _delivery_and_payment(intake: OrderIntake, problems: list[DomainError]) -> None:
    d, p = intake.delivery, intake.payment
    if d.method not in DELIVERY_METHODS:
        problems.append(ValidationFailed("Unknown delivery method %(method)s: use %(methods)s",
                                         field="delivery.method", method=str(d.method)[:32],
                                         methods=", ".join(DELIVERY_METHODS)))
    for name, value, limit in (("delivery.lat", d.lat, 90), ("delivery.lon", d.lon, 180)):
        if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool)
                                  or not -limit <= value <= limit):
            problems.append(ValidationFailed("The coordinates are out of range", field=name))
    if not (_aware(d.window_start) and _aware(d.window_end)):
        problems.append(ValidationFailed("The delivery window must be given as time zone aware moments",
                                         field="delivery.window_start"))
    elif d.window_start and d.window_end and d.window_end <= d.window_start:
        problems.append(ValidationFailed("The delivery window must end after it starts", field="delivery.window_end"))
    for name, value in (("delivery.cost", d.cost), ("payment.paid", p.paid)):
        if not _whole(value) or not 0 <= value < MAX_KOPECKS:
            problems.append(ValidationFailed("The amount must be a whole number of kopecks, zero or more",
                                             field=name))
    if p.method not in PAYMENT_METHODS:
        problems.append(ValidationFailed("Unknown payment method %(method)s: use %(methods)s",
                                         field="payment.method", method=str(p.method)[:32],
                                         methods=", ".join(PAYMENT_METHODS)))


async def prepare(intake: OrderIntake) -> Prepared:
    """Checks everything; returns the resolved order or raises one error listing every problem."""
    problems: list[DomainError] = []
    channel, external_id = _header(intake, problems)
    customer, customer_problems = clean_customer(intake.customer)
    problems.extend(customer_problems)
    _delivery_and_payment(intake, problems)
    warehouse = await _warehouse(intake.warehouse_code, problems)
    lines = list(intake.lines or [])
    if not lines:
        problems.append(ValidationFailed("Add at least one line", field="lines"))
    elif len(lines) > MAX_LINES:
        problems.append(ValidationFailed("An order can have at most %(max)s lines", field="lines", max=MAX_LINES))
        lines = []
    goods = await _goods(lines)
    prepared = Prepared(intake=intake, channel=channel, external_id=external_id, warehouse=warehouse,
                        customer=customer, placed_at=intake.placed_at)
    for index, line in enumerate(lines):
        variant_id, per_unit = _resolve(index, line, goods, problems)
        units = line.qty * per_unit if _whole(line.qty) else 0
        if not _amounts(index, line, units, problems) or variant_id is None:
            continue
        variant = goods[2][variant_id]
        name = " ".join((line.name or "").split())[:300] or ", ".join(
            p for p in (variant["product"], variant["name"]) if p)[:300]
        prepared.lines.append(Line(line_no=index + 1, variant_id=variant_id, sku=variant["sku"], name=name,
                                   qty=units, price=line.price, discount=line.discount,
                                   vat=line.vat or variant["vat"] or "22"))
    prepared.goods_total = sum(x.qty * x.price for x in prepared.lines)
    prepared.discount_total = sum(x.discount for x in prepared.lines)
    if not problems:
        prepared.total = prepared.goods_total - prepared.discount_total + intake.delivery.cost
        if prepared.total >= MAX_KOPECKS:
            problems.append(ValidationFailed("The order total is too large", field="lines"))
    raise_all(problems)
    return prepared
