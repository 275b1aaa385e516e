"""VAT amounts on the ATOL v5 body (server/domain/payments/fiscal.py): every item's vat.sum is the tax
inside its sum at its rate (x/(100+x), the calculated rates 110/120/… alike, vat0/none 0), Decimal from the
kopecks rounded half up; the receipt's vats[] sums them per type. A receipt with two goods rates and a
delivery line, checked figure for figure, accepted by the loopback provider; an advance at a calculated
rate; a refund less what went back at the door re-computes the tax of what is left; wrong figures refused."""

from __future__ import annotations

import copy

import pytest
from harness import IS_SQLITE

from server.domain.payments import fiscal
from tests.support.atol_server import validate

pytestmark = pytest.mark.skipif(not IS_SQLITE, reason="pure functions: the SQLite pass runs them")
COMPANY = fiscal.Company(inn="7704000000", sno="osn", email="shop@example.org",
                         payment_address="https://shop.example.org")
COFFEE = {"id": 1, "sku": "KEN", "name": "Кофе", "qty": 3, "price": 10000, "discount": 100, "vat": "22"}
TEA = {"id": 2, "sku": "TEA", "name": "Чай", "qty": 2, "price": 25050, "discount": 0, "vat": "10"}
DELIVERY = 30000
TOTAL = 3 * 10000 - 100 + 2 * 25050 + DELIVERY  # 1100.00


def _order(**kw) -> dict:
    return {"id": 5, "number": "З-000005", "total": TOTAL, "delivery_cost": DELIVERY,
            "contact_email": "buyer@example.org", "contact_phone": "", "contact_name": "", **kw}


def _offset() -> dict:
    return fiscal.offset_body(order=_order(), lines=[COFFEE, TEA], codes={}, company=COMPANY, external_id="x-1",
                              timestamp="25.11.2025 12:00:00", delivery_vat="20")


def test_two_rates_and_the_delivery_carry_their_tax_per_item_and_per_type():
    receipt = _offset()["receipt"]
    assert [(i["name"], i["sum"], i["vat"]) for i in receipt["items"]] == [
        ("Кофе", 199.34, {"type": "vat22", "sum": 35.95}),  # 199.34 × 22/122 = 35.9466
        ("Кофе", 99.66, {"type": "vat22", "sum": 17.97}),  # 99.66 × 22/122 = 17.9715
        ("Чай", 501.0, {"type": "vat10", "sum": 45.55}),  # 501.00 × 10/110 = 45.5455
        ("Доставка курьером", 300.0, {"type": "vat20", "sum": 50.0}),  # 300.00 × 20/120
    ]
    assert receipt["vats"] == [{"type": "vat22", "sum": 53.92}, {"type": "vat10", "sum": 45.55},
                               {"type": "vat20", "sum": 50.0}]
    assert all(isinstance(i["vat"]["sum"], float) for i in receipt["items"])  # numbers, as the other sums
    assert receipt["total"] == 1100.0 and receipt["payments"] == [{"type": 2, "sum": 1100.0}]
    assert fiscal.check_body(_offset()) == [] and validate(_offset()) == []


def test_half_a_kopeck_of_tax_rounds_up_and_free_rates_carry_none():
    assert fiscal.vat_kopecks(15, "vat20") == 3  # 2.5 kopecks: half up (a float round() says 2)
    assert fiscal.vat_kopecks(15, "vat120") == 3
    assert fiscal.vat_kopecks(100000, "vat110") == 9091 and fiscal.vat_kopecks(100000, "vat105") == 4762
    assert fiscal.vat_kopecks(10700, "vat7") == 700 and fiscal.vat_kopecks(12200, "vat122") == 2200
    assert fiscal.vat_kopecks(99999, "vat0") == 0 and fiscal.vat_kopecks(99999, "none") == 0
    assert fiscal.vat_kopecks(100, "18") is None and fiscal.vat_of("18", 100) == {"type": "18"}
    free = fiscal.offset_body(order=_order(total=TOTAL), lines=[{**COFFEE, "vat": "0"}, {**TEA, "vat": "none"}],
                              codes={}, company=COMPANY, external_id="x-2", timestamp="25.11.2025 12:00:00")
    assert free["receipt"]["vats"] == [{"type": "vat0", "sum": 0.0}, {"type": "none", "sum": 0.0}]
    assert validate(free) == [] and fiscal.check_body(free) == []


def test_an_advance_at_the_calculated_rate_carries_its_tax():
    body = fiscal.sell_body(order=_order(), lines=[COFFEE, {**TEA, "vat": "20"}], codes={}, method="card",
                            amount=100000, paid_before=0, company=COMPANY, external_id="x-3",
                            timestamp="25.11.2025 12:00:00")
    (item,) = body["receipt"]["items"]
    assert item["vat"] == {"type": "vat122", "sum": 180.33}  # the highest rate, 22: 1000 × 22/122 = 180.328
    assert body["receipt"]["vats"] == [{"type": "vat122", "sum": 180.33}] and validate(body) == []
    ten = fiscal.sell_body(order=_order(), lines=[{**COFFEE, "vat": "10"}], codes={}, method="card", amount=100000,
                           paid_before=0, company=COMPANY, external_id="x-4", timestamp="25.11.2025 12:00:00")
    assert ten["receipt"]["items"][0]["vat"] == {"type": "vat110", "sum": 90.91}


def test_a_refund_less_the_door_return_recomputes_the_tax_of_what_is_left():
    refund = fiscal.refund_body(_offset(), external_id="x-r", timestamp="25.11.2025 12:00:00")
    assert refund["receipt"]["vats"] == _offset()["receipt"]["vats"]
    door = {"receipt": {"items": [{**_offset()["receipt"]["items"][0], "quantity": 1.0, "sum": 99.67}],
                        "payments": [{"type": 2, "sum": 99.67}]}}
    left = fiscal.without_refunded(refund, [door])
    first = left["receipt"]["items"][0]
    assert (first["quantity"], first["sum"], first["vat"]) == (1, 99.67, {"type": "vat22", "sum": 17.97})
    assert left["receipt"]["vats"][0] == {"type": "vat22", "sum": 35.94}  # 17.97 + 17.97
    assert fiscal.check_body(left) == []


def test_a_wrong_tax_is_refused_by_our_check_and_by_the_provider():
    body = _offset()
    body["receipt"]["items"][0]["vat"]["sum"] = 35.94
    assert any("vat.sum" in p for p in fiscal.check_body(body)) and any("vat.sum" in p for p in validate(body))
    body = _offset()
    body["receipt"]["vats"][0]["sum"] = 53.93
    assert any("vats" in p for p in fiscal.check_body(body)) and any("vats[1]" in p for p in validate(body))
    body = copy.deepcopy(_offset())
    del body["receipt"]["vats"]  # optional at the provider; ours always sends it
    assert validate(body) == [] and fiscal.check_body(body) == []
