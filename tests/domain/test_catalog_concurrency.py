"""Concurrent creates on committed data, on both databases: the same SKU or barcode can never be saved
twice, and the loser gets a clear Conflict (never a 500)."""

from __future__ import annotations

import asyncio

import pytest
from catalog_helpers import counts, ean13

from server.db import write_tx
from server.domain.catalog import _validate
from server.domain.catalog.barcodes import validate_barcode
from server.domain.catalog.dto import BarcodeInput, ProductInput, VariantInput
from server.domain.catalog.products import add_barcode, create_product
from server.domain.catalog.tables import Barcode, Product, Variant
from server.errors import Conflict

RACE_MESSAGES = {"SKU %(sku)s is already used by %(product)s", "Barcode %(code)s already belongs to %(sku)s"}


async def _outcome(coro) -> str | Conflict:
    try:
        await coro
    except Conflict as exc:
        return exc
    return "ok"


def _product(name: str, sku: str | None, code: str | None = None, generate: bool = False) -> ProductInput:
    barcodes = [BarcodeInput(code)] if code else []
    return ProductInput(name=name, variants=[VariantInput(sku=sku, barcodes=barcodes, generate_barcode=generate)])


async def test_concurrent_creates_with_the_same_sku_let_exactly_one_win():
    outcomes = await asyncio.gather(*[
        _outcome(create_product(_product(f"Кофе {n}", "KEN-250", ean13(f"46000000000{n}")))) for n in range(4)])

    assert outcomes.count("ok") == 1
    losers = [o for o in outcomes if o != "ok"]
    assert len(losers) == 3
    for lost in losers:
        assert lost.message == "SKU %(sku)s is already used by %(product)s" and lost.field == "variants[0].sku"
        assert lost.params["sku"] == "KEN-250"
    assert await Product.count() == 1 and await Variant.count() == 1 and await Barcode.count() == 1


async def test_skus_differing_only_in_case_cannot_both_win():
    outcomes = await asyncio.gather(_outcome(create_product(_product("Кофе", "abc-1"))),
                                    _outcome(create_product(_product("Чай", "ABC-1"))))
    assert outcomes.count("ok") == 1
    assert next(o for o in outcomes if o != "ok").message in RACE_MESSAGES
    assert await Variant.count() == 1


async def test_concurrent_creates_with_the_same_barcode_let_exactly_one_win():
    code = ean13("460000000001")
    outcomes = await asyncio.gather(*[_outcome(create_product(_product(f"Кофе {n}", f"SKU-{n}", code)))
                                      for n in range(3)])
    assert outcomes.count("ok") == 1
    for lost in (o for o in outcomes if o != "ok"):
        assert lost.message == "Barcode %(code)s already belongs to %(sku)s"
        assert lost.field == "variants[0].barcodes[0].code"
    assert await Barcode.count() == 1 and await Product.count() == 1


async def test_concurrent_generated_skus_and_barcodes_are_all_distinct():
    created = await asyncio.gather(*[create_product(_product("Кения АА", None, generate=True)) for _ in range(4)])
    skus = sorted(c.variants[0].sku for c in created)
    assert skus == ["KENIYA-AA-1", "KENIYA-AA-2", "KENIYA-AA-3", "KENIYA-AA-4"]
    codes = [r["code"] for r in await Barcode.select(Barcode.code)]
    assert len(set(codes)) == 4 and all(validate_barcode(c) == "ean13" for c in codes)


async def test_concurrent_generated_barcodes_for_one_variant_are_distinct():
    created = await create_product(_product("Чай", "TEA-1"))
    results = await asyncio.gather(*[add_barcode(created.variants[0].id) for _ in range(4)])
    assert len({r["code"] for r in results}) == 4


async def test_a_unique_index_violation_becomes_the_same_conflict(monkeypatch):
    """Two writers that both passed the checks: the unique index refuses the second, and the rolled-back
    write is explained exactly like a failed check (forced here by skipping the check)."""
    await create_product(_product("Кения АА", "KEN-250", ean13("460000000001")))
    before = await counts()

    async def checks_pass(variants, problems):
        return None

    monkeypatch.setattr(_validate, "check_taken", checks_pass)
    with pytest.raises(Conflict) as caught:
        await create_product(_product("Другой", "ken-250", ean13("460000000001")))

    assert caught.value.status_code == 409
    assert [(p.field, p.message, p.params) for p in caught.value.problems] == [
        ("variants[0].sku", "SKU %(sku)s is already used by %(product)s", {"sku": "KEN-250", "product": "Кения АА"}),
        ("variants[0].barcodes[0].code", "Barcode %(code)s already belongs to %(sku)s",
         {"code": ean13("460000000001"), "sku": "KEN-250"}),
    ]
    assert await counts() == before


async def test_a_violation_inside_a_callers_transaction_is_a_conflict_too(monkeypatch):
    await create_product(_product("Кения АА", "KEN-250"))
    before = await counts()

    async def checks_pass(variants, problems):
        return None

    monkeypatch.setattr(_validate, "check_taken", checks_pass)
    with pytest.raises(Conflict) as caught:
        async with write_tx():
            await create_product(_product("Другой", "KEN-250"))
    assert "same moment" in caught.value.message
    assert await counts() == before
