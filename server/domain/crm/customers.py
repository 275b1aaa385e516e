"""Customer cards: found or made on every order, merged by hand, read with their orders.

De-duplication: same e-mail OR same INN OR same normalised phone → the existing card (the oldest
when several match), with a new contact person when the name differs; never a second card. A merged
card leads to the card it joined. Concurrency: the lookup and the insert run in the caller's write
transaction; on PostgreSQL a transaction-scoped advisory lock per key (taken in sorted order)
serialises two intakes of the same new customer, and partial unique indexes among the cards that are
not merged stay the last line of defence. SQLite's IMMEDIATE transaction already serialises writers.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime

from piccolo.query import WhereRaw

from server.db import is_sqlite, write_tx
from server.domain.audit.log import record
from server.domain.crm.normalise import (
    CleanCustomer,
    clean_customer,
    like_words,
    normalise_phone,
    search_text,
)
from server.domain.crm.tables import ContactPerson, Customer
from server.domain.orders.dto import CustomerInput
from server.errors import Conflict, NotFound, ValidationFailed

_LOCK_NAMESPACE = 7_412  # pg_advisory_xact_lock(7412, crc32 of "email:…" / "phone:…" / "inn:…")
KEYS = ("email", "phone", "inn")
CLOSED_STATUSES = ("cancelled", "returned")  # not counted in a customer's sum


def _int32(text: str) -> int:
    value = zlib.crc32(text.encode("utf-8"))
    return value - 2**32 if value >= 2**31 else value


async def lock_keys(keys: list[str], namespace: int = _LOCK_NAMESPACE) -> None:
    """PostgreSQL: advisory transaction locks on the given keys, in one fixed (numeric) order; held
    until the transaction ends. SQLite needs none (its IMMEDIATE transaction has one writer)."""
    if is_sqlite() or not keys:
        return
    for lock_id in sorted({_int32(k) for k in keys}):
        await Customer.raw("SELECT pg_advisory_xact_lock({}, {})", namespace, lock_id)


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


async def _active_card(customer_id: int) -> int:
    """Follows merged_into to the card that is not merged (chains are flattened on merge, but a
    defensive loop costs nothing)."""
    seen: set[int] = set()
    current = customer_id
    while current not in seen:
        seen.add(current)
        row = await Customer.select(Customer.merged_into).where(Customer.id == current).first()
        if row is None or row["merged_into"] is None:
            return current
        current = row["merged_into"]
    return current  # pragma: no cover - a loop cannot be written by merge_customers


async def _matches(clean: CleanCustomer) -> list[dict]:
    """Every card (merged ones too) holding one of the customer's keys."""
    condition = None
    for key in KEYS:
        value = getattr(clean, key)
        if value:
            term = getattr(Customer, key) == value
            condition = term if condition is None else condition | term
    if condition is None:
        return []
    return await Customer.select().where(condition).order_by(Customer.id)


async def _add_contact(customer: dict, clean: CleanCustomer) -> None:
    if not clean.name or _same_name(clean.name, customer["name"]):
        return
    contacts = await ContactPerson.select(ContactPerson.name).where(ContactPerson.customer == customer["id"])
    if any(_same_name(clean.name, c["name"]) for c in contacts):
        return
    await ContactPerson(customer=customer["id"], name=clean.name, email=clean.email, phone=clean.phone).save()


async def _fill_gaps(card: dict, clean: CleanCustomer, taken: set[tuple[str, str]]) -> None:
    """Gives the card the keys and names it lacks, unless another card already holds that key."""
    changes: dict = {}
    for key in KEYS:
        value = getattr(clean, key)
        if value and not card[key] and (key, value) not in taken:
            changes[getattr(Customer, key)] = value
    if not card["name"] and clean.name:
        changes[Customer.name] = clean.name
    if not card["company"] and clean.company:
        changes[Customer.company] = clean.company
    if changes:
        merged = {**card, **{col._meta.name: v for col, v in changes.items()}}
        changes[Customer.search_text] = _search_text(merged)
        await Customer.update(changes).where(Customer.id == card["id"])


def _search_text(card: dict) -> str:
    return search_text(card["name"], card["company"], card["email"], card["phone"], card["inn"])


async def find_or_create_customer_clean(clean: CleanCustomer, *, actor: str = "system") -> int | None:
    """find_or_create_customer for data already normalised (order intake checks it first)."""
    if not clean.identified:
        return None
    async with write_tx():
        await lock_keys([f"{k}:{getattr(clean, k)}" for k in KEYS if getattr(clean, k)])
        matches = await _matches(clean)
        if matches:
            active = sorted({await _active_card(m["id"]) if m["merged_into"] else m["id"] for m in matches})
            card = await Customer.select().where(Customer.id == active[0]).first()
            taken = {(k, m[k]) for m in matches if m["id"] != card["id"] and not m["merged_into"] for k in KEYS}
            await _fill_gaps(card, clean, taken)
            await _add_contact(card, clean)
            return card["id"]
        row = Customer(name=clean.name, email=clean.email, phone=clean.phone, inn=clean.inn, company=clean.company,
                       search_text=search_text(clean.name, clean.company, clean.email, clean.phone, clean.inn))
        await row.save()
        await record(actor, "customer.create", "customer", row.id,
                     {"name": clean.name, "email": clean.email, "phone": clean.phone, "inn": clean.inn})
        return row.id


async def find_or_create_customer(data: CustomerInput, *, actor: str = "system") -> int | None:
    """The id of the customer's card: an existing one when e-mail, INN or phone match (a contact
    person is added when the name differs), else a new card. None when the data names no e-mail,
    phone or INN (such an order keeps only the name it was given). Joins the caller's transaction."""
    clean, problems = clean_customer(data)
    if problems:
        if len(problems) == 1:
            raise problems[0]
        raise ValidationFailed("The customer has %(count)s errors", problems=problems, count=len(problems))
    assert clean is not None
    return await find_or_create_customer_clean(clean, actor=actor)


async def _lock_cards(ids: list[int]) -> dict[int, dict]:
    lock = "" if is_sqlite() else " FOR UPDATE"
    marks = ", ".join("{}" for _ in ids)
    rows = await Customer.raw(f"SELECT * FROM customer WHERE id IN ({marks}) ORDER BY id{lock}", *ids)
    return {r["id"]: r for r in rows}


async def merge_customers(keep_id: int, drop_id: int, actor: str = "system") -> None:
    """Moves the orders and contact persons of `drop_id` to `keep_id`, keeps the dropped card's name as
    a contact person, gives the kept card the keys it lacked, and marks the dropped card merged."""
    from server.domain.orders.tables import Order  # orders' tables refer to crm's, not the other way

    if keep_id == drop_id:
        raise ValidationFailed("A customer cannot be merged into itself", field="drop_id")
    async with write_tx():
        cards = await _lock_cards(sorted({keep_id, drop_id}))
        for cid, field in ((keep_id, "keep_id"), (drop_id, "drop_id")):
            if cid not in cards:
                raise NotFound("Customer %(id)s not found", field=field, id=cid)
            if cards[cid]["merged_into"] is not None:
                raise Conflict("Customer %(id)s is already merged into another card", field=field, id=cid)
        keep, drop = cards[keep_id], cards[drop_id]
        moved = await Order.count().where(Order.customer == drop_id)
        await Order.update({Order.customer: keep_id}).where(Order.customer == drop_id)
        await ContactPerson.update({ContactPerson.customer: keep_id}).where(ContactPerson.customer == drop_id)
        await Customer.update({Customer.merged_into: keep_id}).where(Customer.merged_into == drop_id)
        await Customer.update({Customer.merged_into: keep_id, Customer.merged_at: datetime.now(UTC)}).where(
            Customer.id == drop_id)
        gaps = CleanCustomer(name=drop["name"], email=drop["email"], phone=drop["phone"], inn=drop["inn"],
                             company=drop["company"])
        await _fill_gaps(keep, gaps, set())
        await _add_contact(keep, gaps)
        await record(actor, "customer.merge", "customer", keep_id,
                     {"dropped": drop_id, "dropped_name": drop["name"], "orders": moved})


async def get_customer(customer_id: int) -> dict:
    """The card: keys, contact persons, orders (newest first) and totals (count of all orders; sum
    and paid of those not cancelled or returned, in kopecks)."""
    from server.domain.orders.tables import Order

    card = await Customer.select().where(Customer.id == customer_id).first()
    if card is None:
        raise NotFound("Customer %(id)s not found", id=customer_id)
    card["contacts"] = await ContactPerson.select().where(ContactPerson.customer == customer_id).order_by(
        ContactPerson.id)
    card["orders"] = await Order.select(
        Order.id, Order.number, Order.channel, Order.status, Order.total, Order.paid, Order.placed_at,
        Order.contact_name).where(Order.customer == customer_id).order_by(Order.placed_at, ascending=False)
    counted = [o for o in card["orders"] if o["status"] not in CLOSED_STATUSES]
    card["totals"] = {"count": len(card["orders"]), "sum": sum(o["total"] for o in counted),
                      "paid": sum(o["paid"] for o in counted)}
    return card


async def search_customers(query: str, *, limit: int = 20) -> list[dict]:
    """Cards (not merged) whose name, company, e-mail, phone or INN contain every word of the query; a
    query that reads as a phone number finds that phone in any format."""
    words = like_words(query)
    if not words:
        return []
    select = Customer.select().where(Customer.merged_at.is_null())
    try:
        phone = normalise_phone(query)
    except ValidationFailed:
        phone = ""
    if phone:
        select = select.where(Customer.phone == phone)
    else:
        for word in words:
            select = select.where(WhereRaw("search_text LIKE {} ESCAPE '\\'", f"%{word}%"))
    return await select.order_by(Customer.id).limit(limit)
