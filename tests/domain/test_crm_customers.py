"""Customers: normalised keys, one card per e-mail / INN / phone, contact persons, merging, the card."""

from __future__ import annotations

import asyncio

import pytest
from order_helpers import inn10, inn12, intake, shop

from server.domain.audit.tables import AuditEntry
from server.domain.crm.customers import (
    find_or_create_customer,
    get_customer,
    merge_customers,
    search_customers,
)
from server.domain.crm.normalise import inn_is_valid, normalise_email, normalise_phone
from server.domain.crm.tables import ContactPerson, Customer
from server.domain.orders.dto import CustomerInput
from server.domain.orders.intake import intake_order
from server.domain.orders.status import change_status
from server.errors import Conflict, NotFound, ValidationFailed


def test_phones_in_russian_formats_become_one_number():
    for raw in ("+7 916 123-45-67", "8 (916) 123-45-67", "7-916-1234567", "89161234567", "(916) 123 45 67",
                " +7(916)123.45.67 "):
        assert normalise_phone(raw) == "+79161234567", raw
    assert normalise_phone("+49 30 1234567") == "+49301234567"
    assert normalise_phone("") == ""
    for bad in ("123", "позвонить вечером", "+7 916 123-45-67 доб. 5", "8916123456789"):
        with pytest.raises(ValidationFailed) as caught:
            normalise_phone(bad)
        assert caught.value.field == "customer.phone"


def test_emails_and_inns_are_checked():
    assert normalise_email("  Anna.P@Example.RU ") == "anna.p@example.ru"
    with pytest.raises(ValidationFailed):
        normalise_email("anna@")
    assert inn_is_valid("7707083893")  # a real legal entity's INN
    assert inn_is_valid(inn12("5001007322"))
    assert not inn_is_valid("7707083894")
    wrong_last = inn12("5001007322")[:-1] + str((int(inn12("5001007322")[-1]) + 1) % 10)
    assert not inn_is_valid(wrong_last)
    assert not inn_is_valid("12345") and not inn_is_valid("770708389a")


async def test_same_email_inn_or_phone_finds_the_same_card_and_adds_contact_persons():
    first = await find_or_create_customer(CustomerInput(name="Анна Петрова", email="anna@example.ru"))
    assert await find_or_create_customer(CustomerInput(name="Анна Петрова", email="ANNA@example.ru ",
                                                       phone="8 916 123 45 67")) == first
    # the phone she gave now is on the card: another format finds it, another name becomes a contact
    assert await find_or_create_customer(CustomerInput(name="Иван Петров", phone="+7 (916) 123-45-67")) == first
    assert await find_or_create_customer(CustomerInput(name="иван  петров", phone="79161234567")) == first
    company = await find_or_create_customer(CustomerInput(name="ООО Ромашка", inn="7707083893", company="Ромашка"))
    assert await find_or_create_customer(CustomerInput(name="Бухгалтерия", inn="7707083893",
                                                       email="buh@romashka.ru")) == company
    assert company != first
    assert await Customer.count() == 2
    contacts = await ContactPerson.select(ContactPerson.customer, ContactPerson.name).order_by(ContactPerson.id)
    assert [(c["customer"], c["name"]) for c in contacts] == [(first, "Иван Петров"), (company, "Бухгалтерия")]
    card = await Customer.select().where(Customer.id == first).first()
    assert (card["email"], card["phone"], card["name"]) == ("anna@example.ru", "+79161234567", "Анна Петрова")
    assert await find_or_create_customer(CustomerInput(name="Без контактов")) is None


async def test_when_keys_match_different_cards_the_oldest_wins_and_keeps_no_stolen_key():
    older = await find_or_create_customer(CustomerInput(name="Анна", email="anna@example.ru"))
    newer = await find_or_create_customer(CustomerInput(name="Анна П.", phone="+79161234567"))
    found = await find_or_create_customer(CustomerInput(name="Анна", email="anna@example.ru", phone="89161234567"))
    assert found == older
    assert (await Customer.select(Customer.phone).where(Customer.id == older).first())["phone"] == ""
    assert (await Customer.select(Customer.phone).where(Customer.id == newer).first())["phone"] == "+79161234567"


async def test_bad_customer_data_is_refused_with_every_field():
    with pytest.raises(ValidationFailed) as caught:
        await find_or_create_customer(CustomerInput(email="nope", phone="12", inn="1234567890"))
    assert {p.field for p in caught.value.problems} == {"customer.email", "customer.phone", "customer.inn"}
    assert await Customer.count() == 0


async def test_concurrent_intakes_of_one_new_customer_make_one_card():
    people = [CustomerInput(name=f"Покупатель {n}", email="same@example.ru" if n % 2 else "",
                            phone="+7 916 000-00-01" if n % 2 == 0 else "89160000001") for n in range(12)]
    ids = await asyncio.gather(*[find_or_create_customer(p) for p in people])
    assert len(set(ids)) == 1
    assert await Customer.count() == 1
    assert await ContactPerson.count() == 11


async def test_merge_moves_orders_and_contacts_and_later_orders_find_the_kept_card():
    await shop(("KEN-250", 10))
    a = await intake_order(intake(("KEN-250", 1), name="Анна", email="anna@example.ru"))
    b = await intake_order(intake(("KEN-250", 2), name="Анна Петрова", phone="+7 916 123-45-67",
                                  inn=inn10("500100732")))
    await find_or_create_customer(CustomerInput(name="Муж", phone="+79161234567"))
    keep, drop = [(await get_customer_of(r.order_id)) for r in (a, b)]
    await change_status(b.order_id, "cancelled", actor="manager")

    await merge_customers(keep, drop, actor="manager")

    card = await get_customer(keep)
    assert sorted(o["id"] for o in card["orders"]) == [a.order_id, b.order_id]
    assert card["totals"]["count"] == 2 and card["totals"]["sum"] == 89000  # the cancelled one is not summed
    assert sorted(c["name"] for c in card["contacts"]) == ["Анна Петрова", "Муж"]
    assert (card["phone"], card["inn"]) == ("+79161234567", inn10("500100732"))
    dropped = await Customer.select().where(Customer.id == drop).first()
    assert dropped["merged_into"] == keep
    entry = await AuditEntry.select().where(AuditEntry.action == "customer.merge").first()
    assert (entry["actor"], entry["entity_id"]) == ("manager", str(keep))
    assert await find_or_create_customer(CustomerInput(name="Анна", phone="8 916 123 45 67")) == keep
    assert [c["id"] for c in await search_customers("анна")] == [keep]
    assert [c["id"] for c in await search_customers("8 (916) 123-45-67")] == [keep]

    with pytest.raises(Conflict):
        await merge_customers(keep, drop)
    with pytest.raises(ValidationFailed):
        await merge_customers(keep, keep)
    with pytest.raises(NotFound):
        await merge_customers(keep, 999)


async def get_customer_of(order_id: int) -> int:
    from server.domain.orders.tables import Order

    return (await Order.select(Order.customer).where(Order.id == order_id).first())["customer"]
