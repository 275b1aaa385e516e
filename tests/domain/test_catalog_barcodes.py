"""Barcodes: GS1 check digits, kinds, lookup by scan (barcode first, then SKU), in-store EAN-13."""

from __future__ import annotations

import pytest

from server.db import write_tx
from server.domain.catalog.barcodes import (
    find_by_code,
    generate_internal_ean13,
    gs1_check_digit,
    validate_barcode,
)
from server.domain.catalog.search import search_text_for, search_variants
from server.domain.catalog.tables import Barcode, Product, Variant
from server.errors import ValidationFailed


@pytest.mark.parametrize(("code", "kind"), [
    ("4006381333931", "ean13"), ("4600051000057", "ean13"), ("96385074", "ean8"), ("036000291452", "upca"),
    ("PAL-000123-LOC-A01", "code128"), ("4006381333", "code128"),
])
def test_known_good_codes_get_their_kind(code, kind):
    assert validate_barcode(code) == kind


@pytest.mark.parametrize("code", ["4006381333932", "96385075", "036000291453"])
def test_a_wrong_check_digit_is_refused_with_the_expected_digit(code):
    with pytest.raises(ValidationFailed) as caught:
        validate_barcode(code)
    assert caught.value.params["expected"] == gs1_check_digit(code[:-1])
    assert "check digit" in caught.value.message


@pytest.mark.parametrize(("code", "kind"), [("12345", "ean13"), ("ABC", "ean8"), ("кириллица", None),
                                            (" lead", "code128"), ("", None), ("x" * 65, "internal")])
def test_bad_characters_or_lengths_are_refused(code, kind):
    with pytest.raises(ValidationFailed):
        validate_barcode(code, kind)


def test_an_explicit_kind_keeps_a_13_digit_internal_code():
    assert validate_barcode("4006381333932", "internal") == "internal"


async def _variant(sku: str, name: str, product: str = "Кения АА") -> int:
    p = Product(name=product)
    await p.save()
    v = Variant(product=p.id, sku=sku, name=name, search_text=search_text_for(product, name, sku))
    await v.save()
    return v.id


async def test_scan_finds_the_barcode_with_its_multiplier_then_the_sku_in_any_case():
    vid = await _variant("KEN-250", "зерно, 250 г")
    await Barcode.insert(Barcode(variant=vid, code="4006381333931", kind="ean13", multiplier=1),
                         Barcode(variant=vid, code="96385074", kind="ean8", multiplier=6))
    box = await find_by_code(" 96385074\n")
    assert (box.variant_id, box.multiplier, box.matched) == (vid, 6, "barcode")
    assert box.name == "Кения АА, зерно, 250 г"
    by_sku = await find_by_code("ken-250")
    assert (by_sku.variant_id, by_sku.multiplier, by_sku.matched) == (vid, 1, "sku")
    assert await find_by_code("4006381333938") is None


async def test_internal_codes_are_valid_new_and_increasing():
    async with write_tx():
        first = await generate_internal_ean13()
    vid = await _variant("X-1", "")
    await Barcode.insert(Barcode(variant=vid, code=first, kind="ean13"))
    async with write_tx():
        second = await generate_internal_ean13()
    assert first.startswith("20") and validate_barcode(first) == "ean13"
    assert validate_barcode(second) == "ean13" and second > first


async def test_search_is_case_insensitive_in_cyrillic_and_matches_all_words():
    a = await _variant("KEN-250", "зерно, 250 г", "Кения АА")
    b = await _variant("ETH-250", "молотый, 250 г", "Эфиопия Иргачефф")
    await Barcode.insert(Barcode(variant=b, code="4006381333931", kind="ean13"))
    rows, total = await search_variants("кения")
    assert (total, [r.variant_id for r in rows]) == (1, [a])
    rows, total = await search_variants("ЭФИОПИЯ молотый")
    assert [r.variant_id for r in rows] == [b]
    rows, total = await search_variants("4006381333931")
    assert [r.variant_id for r in rows] == [b] and rows[0].barcodes == ["4006381333931"]
    rows, total = await search_variants("eth-")
    assert [r.variant_id for r in rows] == [b]
    rows, total = await search_variants("250 г")
    assert total == 2 and {r.variant_id for r in rows} == {a, b}
    assert await search_variants("100%") == ([], 0)


async def test_a_sku_that_looks_like_another_variants_barcode_is_still_found_as_a_sku():
    from server.domain.catalog.barcodes import find_by_barcode, find_by_sku

    a = await _variant("96385074", "")  # a shop whose SKUs are numbers
    b = await _variant("B-1", "", "Другой товар")
    await Barcode.insert(Barcode(variant=b, code="96385074", kind="ean8"))
    assert (await find_by_code("96385074")).variant_id == b  # a scan means the barcode
    assert (await find_by_sku("96385074")).variant_id == a
    assert (await find_by_barcode("96385074")).variant_id == b
    assert await find_by_barcode("B-1") is None
