"""CommerceML order documents ⇄ our orders.

In: a Документ from a site (the answer to type=sale&mode=query) or from the shop's 1C becomes an
OrderIntake — external id = Ид (else Номер); the customer from the buyer Контрагент (name, ИНН, e-mail
and phone contacts; values our checks refuse go to the comment instead of losing the order); lines
by Ид (our own ids, then the channel's external id mapping of variants and products), else Артикул
(Bitrix's "СвойствоКорзины#ARTICLE" too) as SKU, else a Штрихкод requisite as barcode; ЦенаЗаЕдиницу
in kopecks, the line discount as the difference to Сумма (or its Скидки); Bitrix's ORDER_DELIVERY
service line is the delivery cost, not goods; delivery method and address, payment method
("Метод оплаты") and paid ("Заказ оплачен", a payment date) from the requisites. `remote_state`
reads what the document says of the order's state (status, cancelled, paid) for orders we know.

Out: our order becomes a Документ for 1C (new orders) or for a site (status changes): lines under
the offer ids the channel knows, delivery as ORDER_DELIVERY, and the status requisites Bitrix and
1C read ("Статус заказа ИД", "Отменен", "Заказ оплачен", "Финальный статус" …).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from server.domain.catalog.tables import Variant
from server.domain.exchange.order_sync import FORWARD, RemoteState
from server.domain.exchange.refs import load_refs
from server.domain.orders.dto import CustomerInput, DeliveryInput, IntakeLine, OrderIntake, PaymentInput
from server.domain.orders.queries import get_order
from server.errors import DomainError, ValidationFailed
from server.integrations.commerceml.catalog_export import own_id, parse_own_id, variant_offer_ids
from server.integrations.commerceml.model import (
    Contact,
    Counterparty,
    Discount,
    Order,
    OrderLine,
    Requisite,
    Unit,
    is_true,
)
from server.integrations.webhooks.common import comment_text, lenient_customer

DELIVERY_LINE = "ORDER_DELIVERY"
PAYMENT_LABELS = {"cash_on_delivery": "Наличными при получении", "card_on_delivery": "Картой при получении",
                  "sbp": "СБП", "prepaid_online": "Банковской картой онлайн", "invoice": "По счёту"}
DELIVERY_LABELS = {"courier": "Курьер", "pickup": "Самовывоз", "post": "Почта",
                   "transport_company": "Транспортная компания"}
# ours → the status id a Bitrix site knows (the channel's "status_map" setting overrides)
STATUS_OUT = {"new": "N", "confirmed": "P", "picking": "P", "packed": "P", "out_for_delivery": "P",
              "delivered": "F", "closed": "F", "cancelled": "N", "returned": "F"}
# what sites and 1C say → ours (the channel's "status_map_in" setting overrides); None: no change
STATUS_IN = {"n": None, "p": "confirmed", "f": "delivered", "открыт": None, "в работе": "confirmed",
             "согласован": "confirmed", "к отгрузке": "packed", "закрыт": "delivered", "выполнен": "delivered"}
_BRACKETED = re.compile(r"^\s*\[([^\]]{1,20})\]\s*(.*)$")


@dataclass
class Incoming:
    """A document read for intake: the order as our intake takes it, and what it says of its state."""

    intake: OrderIntake
    remote_id: str
    remote_number: str
    state: RemoteState
    notes: list[str] = field(default_factory=list)


# --- small readers ---------------------------------------------------------------------------------

def _requisite(requisites: list[Requisite], *names: str) -> str:
    wanted = {n.casefold() for n in names}
    for r in requisites:
        if r.name.casefold() in wanted and r.value.strip():
            return r.value.strip()
    return ""


def _line_kind(line: OrderLine) -> str:
    return (line.requisite("ТипНоменклатуры") or line.requisite("ВидНоменклатуры") or "").strip().casefold()


def is_delivery_line(line: OrderLine) -> bool:
    return line.id.strip().upper() == DELIVERY_LINE or (
        _line_kind(line) == "услуга" and "достав" in line.name.casefold())


def _amount(line: OrderLine) -> int:
    if line.total is not None:
        return line.total
    return int((Decimal(line.price or 0) * line.quantity).to_integral_value())


def _payment_method(text: str) -> str:
    t = text.casefold()
    if "сбп" in t or "быстрых платежей" in t:
        return "sbp"
    if "счет" in t.replace("ё", "е") or "безнал" in t or "invoice" in t:
        return "invoice"
    if "онлайн" in t or "online" in t or "предоплат" in t or ("карт" in t and "получ" not in t):
        return "prepaid_online"
    if "карт" in t:
        return "card_on_delivery"
    return "cash_on_delivery"


def _delivery_method(text: str) -> str:
    t = text.casefold()
    if "самовывоз" in t or "pickup" in t or "пункт выдачи" in t:
        return "pickup"
    if "почт" in t:
        return "post"
    if "сдэк" in t or "транспорт" in t or "тк " in t or "boxberry" in t or "деловые линии" in t:
        return "transport_company"
    return "courier"


def _placed_at(date: str, time: str, tz: str) -> datetime | None:
    date, time = date.strip(), (time.strip() or "00:00:00")
    if "T" in date:
        date, time = date.split("T", 1)
    for fmt in ("%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            local = datetime.strptime(f"{date} {time[:8]}", fmt)
        except ValueError:
            continue
        try:
            zone = ZoneInfo(tz)
        except (KeyError, ValueError):
            zone = ZoneInfo("Europe/Moscow")
        return local.replace(tzinfo=zone).astimezone(UTC)
    return None


def _customer(order: Order, notes: list[tuple[str, str]]) -> CustomerInput:
    buyer = order.customer or Counterparty()
    person = " ".join(p for p in (buyer.last_name, buyer.first_name, buyer.middle_name) if p)
    name = buyer.full_name or buyer.name or person
    legal = len(re.sub(r"\D", "", buyer.inn)) == 10
    customer = CustomerInput(name=(person or name)[:300] if legal else name[:300],
                             email=buyer.contact("почт", "mail")[:254],
                             phone=buyer.contact("телефон", "phone")[:40], inn=re.sub(r"\s", "", buyer.inn)[:20],
                             company=name[:300] if legal else "")
    return lenient_customer(customer, notes)


# --- lines -----------------------------------------------------------------------------------------

async def _variants_by_id(lines: list[OrderLine], source: str) -> dict[str, int]:
    """Line Ид → our variant id, for the lines whose Ид we can place."""
    found: dict[str, int] = {}
    products: dict[str, int] = {}
    for line in lines:
        ext = line.id.strip()
        own = parse_own_id(ext.split("#", 1)[-1]) if "#" in ext else parse_own_id(ext)
        if own and own[0] == "variant":
            found[ext] = own[1]
        elif own and own[0] == "product":
            products[ext] = own[1]
    rest = [line.id.strip() for line in lines if line.id.strip() and line.id.strip() not in found | products]
    found.update(await load_refs(source, "variant", rest))
    bases = {e: e.split("#", 1)[0] for e in rest if e not in found}
    by_base = await load_refs(source, "product", sorted(set(bases.values())))
    products.update({e: by_base[b] for e, b in bases.items() if b in by_base})
    for e, b in bases.items():
        own = parse_own_id(b)
        if e not in products and own and own[0] == "product":
            products[e] = own[1]
    if products:
        ids = sorted(set(products.values()))
        rows = await Variant.raw(f"SELECT id, product FROM variant WHERE product IN ({', '.join('{}' for _ in ids)}) "
                                 "AND archived = {} ORDER BY id", *ids, False)
        first: dict[int, int] = {}
        for r in rows:
            first.setdefault(r["product"], r["id"])
        found.update({e: first[p] for e, p in products.items() if p in first})
    existing = await Variant.select(Variant.id).where(Variant.id.is_in(sorted(set(found.values())) or [0]))
    known = {r["id"] for r in existing}
    return {e: v for e, v in found.items() if v in known}


def _quantity(line: OrderLine, where: str, number: str, n: int, problems: list[DomainError]) -> int | None:
    qty = line.quantity
    if qty != qty.to_integral_value() or qty <= 0:
        problems.append(ValidationFailed("Order %(number)s, line %(line)s: quantity %(qty)s is not a whole number of "
                                         "units greater than zero", field=where, number=number, line=n, qty=str(qty)))
        return None
    return int(qty)


async def _lines(order: Order, source: str, number: str) -> tuple[list[IntakeLine], int, list[str]]:
    """(goods lines, delivery cost, notes)."""
    goods = [x for x in order.lines if not is_delivery_line(x)]
    delivery = sum(_amount(x) for x in order.lines if is_delivery_line(x))
    variants = await _variants_by_id(goods, source)
    problems: list[DomainError] = []
    lines, notes = [], []
    for n, x in enumerate(goods, start=1):
        if _line_kind(x) == "услуга" and x.id.strip() not in variants:
            notes.append(f"Услуга «{x.name}» на {_amount(x) / 100:.2f} ₽ не перенесена")
            continue
        where = f"lines[{n - 1}]"
        qty = _quantity(x, where, number, n, problems)
        if qty is None:
            continue
        price = x.price if x.price is not None else (_amount(x) // qty if qty else 0)
        gross = price * qty
        if x.total is not None and x.total < gross:
            discount = gross - x.total
        else:
            discount = sum(d.amount for d in x.discounts if d.included is False and d.amount > 0)
        discount = max(0, min(discount, gross))
        barcode = x.requisite("Штрихкод") or ""
        sku = x.sku or x.requisite("СвойствоКорзины#ARTICLE") or ""
        variant = variants.get(x.id.strip())
        if variant is None and not sku and not barcode:
            problems.append(ValidationFailed("Order %(number)s, line %(line)s: %(name)s (%(id)s) matches none of our "
                                             "products", field=where, number=number, line=n, name=x.name[:100],
                                             id=x.id[:80]))
            continue
        lines.append(IntakeLine(qty=qty, price=price, discount=discount, variant_id=variant,
                                sku="" if variant else sku[:64], barcode="" if variant or sku else barcode[:64],
                                name=x.name[:300]))
    extra = sum(d.amount for d in order.discounts if d.included is False and d.amount > 0)
    for line in reversed(lines):
        if extra <= 0:
            break
        take = min(extra, line.price * line.qty - line.discount)
        line.discount += take
        extra -= take
    if problems:
        if len(problems) == 1:
            raise problems[0]
        raise ValidationFailed("Order %(number)s has %(count)s problems", problems=problems, number=number,
                               count=len(problems))
    return lines, delivery, notes


# --- in --------------------------------------------------------------------------------------------

def remote_state(order: Order, *, status_map: dict[str, str] | None = None,
                 labels: dict[str, str] | None = None) -> RemoteState:
    """What the document says of the order: the status ours should reach (the furthest of what its
    status, final flag and shipment requisites mean), cancelled, paid."""
    reqs = order.requisites
    cancelled = order.cancelled or is_true(order.requisite("ПометкаУдаления"))
    paid = order.paid or len(_requisite(reqs, "Дата оплаты по 1С", "Дата оплаты")) > 1
    wanted: list[str] = []
    code = _requisite(reqs, "Статус заказа ИД", "Статуса заказа ИД")
    text = _requisite(reqs, "Статус заказа")
    bracket = _BRACKETED.match(text)
    candidates = [c for c in (code, bracket.group(1) if bracket else "", bracket.group(2) if bracket else "", text)
                  if c]
    mapping = {k.casefold(): v for k, v in (status_map or {}).items()}
    ours = {v.casefold(): k for k, v in (labels or {}).items()}
    for c in candidates:
        key = c.strip().casefold()
        if key in mapping:
            wanted.append(mapping[key])
            break
        if key in FORWARD or key in ("cancelled", "returned"):
            wanted.append(key)
            break
        if key in ours:
            wanted.append(ours[key])
            break
        if key in STATUS_IN:
            wanted.append(STATUS_IN[key] or "")
            break
    if is_true(order.requisite("Финальный статус")):
        wanted.append("delivered")
    if _requisite(reqs, "Номер отгрузки по 1С", "Дата отгрузки по 1С", "Дата отгрузки"):
        wanted.append("out_for_delivery")
    if "cancelled" in wanted or "returned" in wanted:
        cancelled = True
    forward = [w for w in wanted if w in FORWARD]
    status = max(forward, key=FORWARD.index) if forward else None
    return RemoteState(status=status, cancelled=cancelled, paid=paid)


async def incoming_order(order: Order, channel: str, *, source: str, tz: str, warehouse: str | None = None,
                         status_map: dict[str, str] | None = None, labels: dict[str, str] | None = None) -> Incoming:
    """The document as an OrderIntake of `channel`; raises ValidationFailed naming every line that
    matches none of our goods (nothing is taken in then)."""
    remote_id = (order.id or order.number).strip()[:128]
    number = order.number or order.id
    lines, delivery_cost, service_notes = await _lines(order, source, number)
    notes: list[tuple[str, str]] = []
    customer = _customer(order, notes)
    state = remote_state(order, status_map=status_map, labels=labels)
    reqs = order.requisites
    buyer = order.customer or Counterparty()
    delivery = DeliveryInput(method=_delivery_method(_requisite(reqs, "Способ доставки", "Метод доставки")),
                             address=(order.delivery_address or buyer.address)[:500], cost=delivery_cost)
    total = sum(x.price * x.qty - x.discount for x in lines) + delivery_cost
    payment = PaymentInput(method=_payment_method(order.payment_method), paid=total if state.paid else 0)
    comments = [c for c in (order.comment, _requisite(reqs, "Комментарии покупателя", "Комментарий покупателя")) if c]
    notes += [("Заказ на сайте", order.number if order.number != remote_id else ""),
              ("Способ оплаты", order.payment_method)]
    notes += [("Примечание", n) for n in service_notes]
    comment = "\n".join([*comments, comment_text(notes)]).strip()[:4000]
    intake = OrderIntake(channel=channel, lines=lines, external_id=remote_id, customer=customer, delivery=delivery,
                         payment=payment, comment=comment, warehouse_code=warehouse,
                         placed_at=_placed_at(order.date, order.time, tz))
    return Incoming(intake=intake, remote_id=remote_id, remote_number=order.number[:64], state=state,
                    notes=service_notes)


# --- out -------------------------------------------------------------------------------------------

def _local(value: datetime | None, tz: str) -> datetime:
    value = value or datetime.now(UTC)
    try:
        return value.astimezone(ZoneInfo(tz))
    except (KeyError, ValueError):
        return value.astimezone(ZoneInfo("Europe/Moscow"))


def _status_requisites(card: dict, tz: str, status_map: dict[str, str]) -> list[Requisite]:
    status = card["status"]
    code = {**STATUS_OUT, **status_map}.get(status, status)
    total, paid = card["total"], card["paid"]
    changed = _local(card["updated_at"], tz).strftime("%Y-%m-%d %H:%M:%S")
    reqs = [
        Requisite("Метод оплаты", PAYMENT_LABELS.get(card["payment_method"], card["payment_method"])),
        Requisite("Заказ оплачен", "true" if total > 0 and paid >= total else "false"),
        Requisite("Доставка разрешена", "true" if status in ("packed", *FORWARD[4:]) else "false"),
        Requisite("Отменен", "true" if status in ("cancelled", "returned") else "false"),
        Requisite("Финальный статус", "true" if status in ("delivered", "closed") else "false"),
        Requisite("Статус заказа", f"[{code}] {card['status_label']}"),
        Requisite("Статус заказа ИД", code),
        Requisite("Статуса заказа ИД", code),
        Requisite("Дата изменения статуса", changed),
        Requisite("Способ доставки", DELIVERY_LABELS.get(card["delivery"]["method"], card["delivery"]["method"])),
        Requisite("Номер в Кладовке", card["number"]),
    ]
    if card["delivery"]["address"]:
        reqs.append(Requisite("Адрес доставки", card["delivery"]["address"]))
    if total > 0 and paid >= total:
        reqs.append(Requisite("Дата оплаты", changed))
    return reqs


def _counterparty(card: dict) -> Counterparty:
    customer = card["customer"] or {}
    contact = card["contact"]
    name = contact["name"] or customer.get("name") or ""
    company = customer.get("company") or ""
    contacts = [Contact("Электронная почта", contact["email"] or customer.get("email") or ""),
                Contact("Телефон рабочий", contact["phone"] or customer.get("phone") or "")]
    parts = name.split()
    return Counterparty(
        id=own_id("customer", customer["id"]) if customer.get("id") else own_id("customer", 0) + f"#{card['id']}",
        name=company or name, full_name=company or name, role="Покупатель",
        last_name=parts[0] if len(parts) > 1 and not company else "",
        first_name=" ".join(parts[1:]) if len(parts) > 1 and not company else "",
        inn=customer.get("inn") or "", address=card["delivery"]["address"],
        contacts=[c for c in contacts if c.value])


async def outgoing_orders(order_ids: Iterable[int], *, source: str, tz: str, remote: dict[int, tuple[str, str]],
                          status_map: dict[str, str] | None = None) -> list[Order]:
    """Our orders as documents for a channel: Ид/Номер as the channel knows them (`remote`: order id →
    (its id there, its number there)), else our id and number."""
    cards = [await get_order(i) for i in order_ids]
    offer_ids = await variant_offer_ids([x["variant_id"] for c in cards for x in c["lines"]], source)
    out = []
    for card in cards:
        remote_id, remote_number = remote.get(card["id"], ("", ""))
        placed = _local(card["placed_at"], tz)
        lines = [OrderLine(id=offer_ids.get(x["variant_id"], own_id("variant", x["variant_id"])), name=x["name"],
                           sku=x["sku"], unit=Unit(code="796", name="шт", full_name="Штука"), price=x["price"],
                           quantity=Decimal(x["qty"]), total=x["amount"],
                           discounts=[Discount(name="Скидка", amount=x["discount"], included=True)] if x["discount"]
                           else [],
                           requisites=[Requisite("ВидНоменклатуры", "Товар"), Requisite("ТипНоменклатуры", "Товар")])
                 for x in card["lines"]]
        if card["totals"]["delivery"]:
            cost = card["totals"]["delivery"]
            lines.append(OrderLine(id=DELIVERY_LINE, name="Доставка заказа", unit=Unit(code="796", name="шт"),
                                   price=cost, quantity=Decimal(1), total=cost,
                                   requisites=[Requisite("ВидНоменклатуры", "Услуга"),
                                               Requisite("ТипНоменклатуры", "Услуга")]))
        out.append(Order(id=remote_id or str(card["id"]), number=remote_number or card["number"],
                         date=placed.strftime("%Y-%m-%d"), time=placed.strftime("%H:%M:%S"), role="Продавец",
                         currency="руб", rate="1", total=card["total"], comment=card["comment"],
                         counterparties=[_counterparty(card)], lines=lines,
                         requisites=_status_requisites(card, tz, status_map or {})))
    return out
