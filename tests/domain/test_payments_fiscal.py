"""Building the ATOL v5 receipt (server/domain/payments/fiscal.py) — pure, no database: the fixture's marked
sell receipt rebuilt field for field, sums per item equal to price × quantity after uneven discounts,
VAT enums, advance receipts for partial payments, prepayment offsets (with a door payment and alone, for
goods prepaid in full), client fallback, the refund body."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from harness import IS_SQLITE

from server.domain.payments import fiscal
from tests.support.atol_server import validate

pytestmark = pytest.mark.skipif(not IS_SQLITE, reason="pure functions: the SQLite pass runs them")
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "atol"
COMPANY = fiscal.Company(inn="7704000000", sno="usn_income", email="shop@example.org",
                         payment_address="https://shop.example.org")
SHOE_CODE = json.loads((FIXTURES.parent / "marking" / "synthetic_codes.json").read_text())["codes"][0]["raw"]


def _fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _order(**kw) -> dict:
    return {"id": 123, "number": "З-000123", "total": 529000, "delivery_cost": 30000, "contact_email": "buyer@example.org",
            "contact_phone": "+79990000000", "contact_name": "", **kw}


SHOE = {"id": 1, "sku": "SHOE-42", "name": "Кроссовки беговые, размер 42", "qty": 1, "price": 499000, "discount": 0,
        "vat": "none"}


def test_the_marked_sell_receipt_of_the_fixture_is_built_field_for_field():
    body = fiscal.sell_body(order=_order(), lines=[SHOE], codes={1: [SHOE_CODE]}, method="card", amount=529000,
                            paid_before=0, company=COMPANY, external_id="kladovka-order-123-sell-1",
                            timestamp="25.11.2025 12:00:00",
                            callback_url="https://shop.example.org/fiscal/atol/callback")
    assert body == _fixture("v5_sell_request_marked.json")
    assert validate(body) == [] and fiscal.check_body(body) == []


def test_the_refund_repeats_the_items_and_codes_as_in_the_fixture():
    sell = _fixture("v5_sell_request_marked.json")
    refund = fiscal.refund_body(sell, external_id="kladovka-order-123-refund-1", timestamp="25.11.2025 12:00:00")
    assert refund == _fixture("v5_sell_refund_request.json")


def test_gs1m_is_base64_of_the_full_code_with_gs():
    assert "\x1d" in SHOE_CODE
    assert fiscal.gs1m(SHOE_CODE) == _fixture("v5_sell_request_marked.json")["receipt"]["items"][0]["mark_code"]["gs1m"]


def test_an_uneven_discount_splits_the_line_so_that_every_sum_is_price_times_quantity():
    line = {"id": 7, "sku": "TEA", "name": "Чай", "qty": 3, "price": 10000, "discount": 100, "vat": "22"}
    items = fiscal.line_items(line, [])
    assert [(i["price"], i["quantity"], i["sum"]) for i in items] == [(99.67, 2.0, 199.34), (99.66, 1.0, 99.66)]
    assert round(sum(i["sum"] for i in items) * 100) == 29900
    assert {i["vat"]["type"] for i in items} == {"vat22"}


def test_marked_units_go_one_per_item_and_a_unit_without_a_code_is_marked_goods_without_code():
    line = {**SHOE, "qty": 3}
    items = fiscal.line_items(line, [SHOE_CODE, SHOE_CODE.replace("Ab3", "Zz9")])
    assert [i["payment_object"] for i in items] == [33, 33, 32]
    assert all(i["quantity"] == 1.0 for i in items)
    assert "mark_code" not in items[2] and items[1]["mark_code"]["gs1m"] != items[0]["mark_code"]["gs1m"]


@pytest.mark.parametrize(("rate", "enum"), [("22", "vat22"), ("20", "vat20"), ("10", "vat10"), ("7", "vat7"),
                                            ("5", "vat5"), ("0", "vat0"), ("none", "none"), (None, "none")])
def test_vat_rates_map_to_the_v5_enum(rate, enum):
    assert fiscal.vat_type(rate) == enum


def test_a_final_payment_after_a_prepayment_offsets_it_and_totals_the_order():
    body = fiscal.sell_body(order=_order(), lines=[SHOE], codes={}, method="cash", amount=129000, paid_before=400000,
                            company=COMPANY, external_id="x-1", timestamp="25.11.2025 12:00:00")
    receipt = body["receipt"]
    assert receipt["payments"] == [{"type": 0, "sum": 1290.0}, {"type": 2, "sum": 4000.0}]
    assert receipt["total"] == 5290.0 and "service" not in body
    assert validate(body) == []


def test_goods_prepaid_in_full_are_handed_over_with_a_prepayment_offset_receipt_of_the_whole_order():
    tea = {"id": 7, "sku": "TEA", "name": "Чай", "qty": 3, "price": 10000, "discount": 100, "vat": "22"}
    order = _order(total=499000 + 29900 + 30000)
    body = fiscal.offset_body(order=order, lines=[SHOE, tea], codes={1: [SHOE_CODE]}, company=COMPANY,
                              external_id="kladovka-order-123-sell-offset", timestamp="25.11.2025 12:00:00",
                              delivery_vat="22")
    receipt = body["receipt"]
    # the items exactly as the final receipt of a door payment would carry them, marking code included
    final = fiscal.sell_body(order=order, lines=[SHOE, tea], codes={1: [SHOE_CODE]}, method="cash", amount=1000,
                             paid_before=order["total"] - 1000, company=COMPANY, external_id="x", timestamp="t",
                             delivery_vat="22")
    assert receipt["items"] == final["receipt"]["items"]
    assert [(i["price"], i["quantity"], i["payment_object"]) for i in receipt["items"]] == [
        (4990.0, 1.0, 33), (99.67, 2.0, 1), (99.66, 1.0, 1), (300.0, 1.0, 4)]
    assert receipt["items"][0]["mark_code"] == {"gs1m": fiscal.gs1m(SHOE_CODE)}
    assert {i["payment_method"] for i in receipt["items"]} == {"full_payment"}
    assert receipt["payments"] == [{"type": 2, "sum": 5589.0}] and receipt["total"] == 5589.0
    assert sum(round(i["sum"] * 100) for i in receipt["items"]) == order["total"]  # to the kopeck
    assert validate(body) == [] and fiscal.check_body(body) == []
    assert fiscal.is_offset(body) and not fiscal.is_offset(final)


def test_a_partial_payment_gets_an_advance_receipt_of_its_amount():
    line = {**SHOE, "vat": "22"}
    body = fiscal.sell_body(order=_order(), lines=[line], codes={1: [SHOE_CODE]}, method="sbp", amount=100000,
                            paid_before=0, company=COMPANY, external_id="x-2", timestamp="25.11.2025 12:00:00")
    (item,) = body["receipt"]["items"]
    assert item["payment_method"] == "prepayment" and item["payment_object"] == 10
    assert item["vat"] == {"type": "vat122", "sum": 180.33} and item["sum"] == 1000.0  # 1000 × 22/122 = 180.328
    assert body["receipt"]["payments"] == [{"type": 1, "sum": 1000.0}] and body["receipt"]["total"] == 1000.0
    assert validate(body) == []


def test_without_email_and_phone_the_receipt_goes_to_the_shop_email():
    client = fiscal.client_of(_order(contact_email="", contact_phone=""), COMPANY)
    assert client == {"email": "shop@example.org"}


def test_the_timestamp_is_in_the_shops_time_zone():
    assert fiscal.atol_timestamp(datetime(2025, 11, 25, 9, 0, 0, tzinfo=UTC), "Europe/Moscow") == "25.11.2025 12:00:00"


def test_the_checks_notice_a_wrong_sum_a_missing_code_and_totals_that_differ():
    body = _fixture("v5_sell_request_marked.json")
    body["receipt"]["items"][0]["sum"] = 4990.01
    del body["receipt"]["items"][0]["mark_code"]
    body["receipt"]["items"][1]["vat"] = {"type": "vat18"}
    problems = fiscal.check_body(body)
    assert any("price × quantity" in p for p in problems)
    assert any("mark_code" in p for p in problems)
    assert any("vat18" in p for p in problems)
    assert any("do not add up" in p for p in problems)
    assert len(validate(body)) >= 4  # the loopback provider refuses it too


def test_an_unknown_vat_rate_is_not_sent_as_vat_free_but_refused_before_sending():
    body = fiscal.sell_body(order=_order(), lines=[{**SHOE, "vat": "18"}], codes={}, method="card", amount=529000,
                            paid_before=0, company=COMPANY, external_id="x-3", timestamp="25.11.2025 12:00:00",
                            delivery_vat="20%")
    assert [i["vat"]["type"] for i in body["receipt"]["items"]] == ["18", "20%"]
    problems = fiscal.check_body(body)
    assert any("'18'" in p for p in problems) and any("'20%'" in p for p in problems)
    partial = fiscal.sell_body(order=_order(), lines=[{**SHOE, "vat": "18"}], codes={}, method="card", amount=1000,
                               paid_before=0, company=COMPANY, external_id="x-4", timestamp="25.11.2025 12:00:00")
    assert partial["receipt"]["items"][0]["vat"]["type"] != "none" and fiscal.check_body(partial)


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("sno", "usn", "company.sno"), ("inn", "77040000", "company.inn"),
    ("payment_address", "г. Москва, ул. Ленина, 1", "payment_address")])
def test_company_settings_the_provider_refuses_are_caught_before_sending(field, value, reason):
    company = fiscal.Company(**{**COMPANY.__dict__, field: value})
    body = fiscal.sell_body(order=_order(), lines=[SHOE], codes={}, method="card", amount=529000, paid_before=0,
                            company=company, external_id="x-5", timestamp="25.11.2025 12:00:00")
    assert any(reason in p for p in fiscal.check_body(body))
    assert any(reason in p for p in validate(body))  # the loopback provider refuses it as well
