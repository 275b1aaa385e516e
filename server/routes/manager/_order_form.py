"""The phone order form: what the browser sent → OrderForm → OrderIntake for intake_order.

Like the document editor (_document_form.py) the draft lives in the form until it is submitted: lines
are rows of inputs (line_variant, line_sku, line_name, line_qty, line_price), added by a scanned or
typed code or picked from the matches, so every re-render shows exactly what the manager typed and
nothing is written before «Create». `form_id` (a UUID made when the form is opened) is the intake's
Idempotency-Key: a double submit creates one order.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.config import get_settings
from server.domain.catalog.prices import get_prices
from server.domain.orders.dto import CustomerInput, DeliveryInput, IntakeLine, OrderIntake, PaymentInput
from server.domain.orders.tables import DELIVERY_METHODS, PAYMENT_METHODS
from server.errors import DomainError, ValidationFailed
from server.routes.manager._common import money_input, parse_money, parse_qty, to_int
from server.routes.manager._document_form import MAX_LINES, LineForm

CHANNEL = "phone"
KEY_PREFIX = "manager-phone-order:"
CUSTOMER_FIELDS = ("name", "phone", "email", "inn", "company")


def new_form_id() -> str:
    return uuid.uuid4().hex


@dataclass
class OrderForm:
    form_id: str = field(default_factory=new_form_id)
    customer: dict[str, str] = field(default_factory=lambda: dict.fromkeys(CUSTOMER_FIELDS, ""))
    customer_id: int | None = None  # the card picked from the search (shown as a link)
    delivery_method: str = "courier"
    address: str = ""
    delivery_date: str = ""  # YYYY-MM-DD, shop time
    time_from: str = ""  # HH:MM
    time_to: str = ""
    delivery_cost: str = ""  # roubles as typed
    payment_method: str = "cash_on_delivery"
    comment: str = ""
    lines: list[LineForm] = field(default_factory=list)

    @property
    def idempotency_key(self) -> str:
        return KEY_PREFIX + self.form_id

    def amounts(self) -> dict[str, int] | None:
        """Goods, delivery and total in kopecks for the summary; None while something is not a number."""
        goods = 0
        for line in self.lines:
            qty, price = parse_qty(line.qty), parse_money(line.price)
            if not isinstance(qty, int) or price is None:
                return None
            goods += qty * price
        delivery = parse_money(self.delivery_cost)
        if delivery is None:
            return None
        return {"goods": goods, "delivery": delivery, "total": goods + delivery}

    def to_intake(self) -> OrderIntake:
        """Raises ValidationFailed (every problem at once, with the form's field names) for what only
        the form can check; intake_order checks the rest."""
        problems: list[DomainError] = []
        lines = [self._line(i, line, problems) for i, line in enumerate(self.lines)]
        cost = parse_money(self.delivery_cost)
        if cost is None or cost < 0:
            problems.append(ValidationFailed("The delivery cost must be a sum in roubles, e.g. 300,00",
                                             field="delivery.cost"))
        start, end = self._window(problems)
        if not (self.customer["phone"].strip() or self.customer["email"].strip()):
            problems.append(ValidationFailed("Write down the customer's phone or e-mail", field="customer.phone"))
        if len(problems) == 1:
            raise problems[0]
        if problems:
            raise ValidationFailed("The order has %(count)s errors", problems=problems, count=len(problems))
        return OrderIntake(
            channel=CHANNEL, external_id="", lines=lines,
            customer=CustomerInput(**{k: self.customer[k].strip() for k in CUSTOMER_FIELDS}),
            delivery=DeliveryInput(method=self.delivery_method, address=self.address.strip(), window_start=start,
                                   window_end=end, cost=cost or 0),
            payment=PaymentInput(method=self.payment_method, paid=0), comment=self.comment.strip())

    @staticmethod
    def _line(index: int, line: LineForm, problems: list[DomainError]) -> IntakeLine:
        qty, price = parse_qty(line.qty), parse_money(line.price)
        if not isinstance(qty, int):
            problems.append(ValidationFailed("Line %(line)s: the quantity must be a whole number",
                                             field=f"lines[{index}]", line=index + 1))
        if price is None:
            problems.append(ValidationFailed("Line %(line)s: the price must be a sum in roubles, e.g. 149,90",
                                             field=f"lines[{index}]", line=index + 1))
        return IntakeLine(variant_id=line.variant_id, qty=qty if isinstance(qty, int) else 0, price=price or 0)

    def _window(self, problems: list[DomainError]) -> tuple[datetime | None, datetime | None]:
        """The delivery window in UTC: a day, or a day from one time to another (shop time)."""
        if not (self.delivery_date or self.time_from or self.time_to):
            return None, None
        try:
            day = date.fromisoformat(self.delivery_date)
        except ValueError:
            problems.append(ValidationFailed("Choose the delivery date", field="delivery.window_start"))
            return None, None
        zone = ZoneInfo(get_settings().timezone)
        if not (self.time_from or self.time_to):
            start = datetime.combine(day, time.min, zone)
            return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)
        try:
            first, last = time.fromisoformat(self.time_from), time.fromisoformat(self.time_to)
        except ValueError:
            problems.append(ValidationFailed("Give the delivery window as two times, e.g. 10:00 and 14:00",
                                             field="delivery.window_start"))
            return None, None
        return (datetime.combine(day, first, zone).astimezone(UTC),
                datetime.combine(day, last, zone).astimezone(UTC))


def _text(form: Any, name: str, limit: int) -> str:
    return str(form.get(name) or "").strip()[:limit]


def _form_id(value: Any) -> str:
    try:
        return uuid.UUID(str(value or "")).hex
    except ValueError:
        return new_form_id()


def parse_order_form(form: Any) -> OrderForm:
    """The browser's form (a multi-dict) → OrderForm. Lines missing a variant are dropped."""
    delivery, payment = _text(form, "delivery_method", 32), _text(form, "payment_method", 32)
    order = OrderForm(
        form_id=_form_id(form.get("form_id")),
        customer={k: _text(form, f"customer_{k}", 300) for k in CUSTOMER_FIELDS},
        customer_id=to_int(form.get("customer_id")),
        delivery_method=delivery if delivery in DELIVERY_METHODS else "courier",
        address=_text(form, "address", 600), delivery_date=_text(form, "delivery_date", 10),
        time_from=_text(form, "time_from", 5), time_to=_text(form, "time_to", 5),
        delivery_cost=_text(form, "delivery_cost", 20),
        payment_method=payment if payment in PAYMENT_METHODS else "cash_on_delivery",
        comment=_text(form, "comment", 4100))
    columns = {name: form.getall(name, []) for name in ("line_variant", "line_sku", "line_name", "line_qty",
                                                          "line_price")}
    for i, raw_variant in enumerate(columns["line_variant"][:MAX_LINES]):
        variant_id = to_int(raw_variant)
        if variant_id is None:
            continue

        def col(name: str, i: int = i) -> str:
            values = columns[name]
            return str(values[i]).strip() if i < len(values) else ""

        order.lines.append(LineForm(variant_id=variant_id, sku=col("line_sku")[:64], name=col("line_name")[:300],
                                    qty=col("line_qty")[:12], price=col("line_price")[:20]))
    return order


def fill_customer(order: OrderForm, card: dict) -> None:
    """The form's customer fields from a card found by the search (intake finds the card again by them)."""
    order.customer_id = card["id"]
    for key in CUSTOMER_FIELDS:
        order.customer[key] = str(card.get(key) or "")


async def fill_prices(order: OrderForm) -> None:
    """Lines without a price (just added) get the variant's retail price."""
    empty = [line for line in order.lines if not line.price.strip()]
    if not empty:
        return
    prices = await get_prices(sorted({line.variant_id for line in empty}))
    for line in empty:
        retail = (prices.get(line.variant_id) or {}).get("retail")
        line.price = money_input(retail) if retail else "0"
