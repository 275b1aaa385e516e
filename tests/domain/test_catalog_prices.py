"""Price types and prices: defaults seeded once, upserts audited with old and new amounts, bad
amounts refused and changing nothing — also under concurrency and for any sequence of amounts."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.domain.audit.log import history
from server.domain.audit.tables import AuditEntry
from server.domain.catalog.dto import ProductInput, VariantInput
from server.domain.catalog.prices import (
    MAX_AMOUNT,
    create_price_type,
    ensure_default_price_types,
    get_prices,
    list_price_types,
    remove_price,
    set_price,
)
from server.domain.catalog.products import create_product
from server.domain.catalog.tables import Price, PriceType
from server.errors import Conflict, NotFound, ValidationFailed


async def _variant(sku: str = "KEN-250") -> int:
    created = await create_product(ProductInput(name="Кения АА", variants=[VariantInput(sku=sku)]))
    return created.variants[0].id


async def test_default_price_types_are_seeded_once_even_concurrently():
    await asyncio.gather(*[ensure_default_price_types() for _ in range(5)])
    await ensure_default_price_types()
    assert [(t["code"], t["name"]) for t in await list_price_types()] == [
        ("retail", "Розничная"), ("wholesale", "Оптовая"), ("purchase", "Закупочная")]
    assert await PriceType.count() == 3


async def test_a_new_price_type_goes_last_and_codes_are_unique():
    type_id = await create_price_type("marketplace", "Маркетплейс", actor="owner")
    assert [t["code"] for t in await list_price_types()][-1] == "marketplace"
    assert (await history("price_type", type_id))[0]["actor"] == "owner"
    with pytest.raises(Conflict):
        await create_price_type("marketplace", "Другой")
    with pytest.raises(ValidationFailed) as both:
        await create_price_type("Опт 2", "")
    assert {p.field for p in both.value.problems} == {"code", "name"}
    assert await PriceType.count() == 4


async def test_set_price_inserts_then_updates_with_an_audit_row_each_time():
    vid = await _variant()
    await set_price(vid, "retail", 89000, actor="anna")
    await set_price(vid, "retail", 91000, actor="ivan")
    await set_price(vid, "retail", 91000)  # unchanged: nothing written
    await set_price(vid, "wholesale", 0)

    assert await get_prices([vid]) == {vid: {"retail": 91000, "wholesale": 0}}
    entries = [e for e in await history("variant", vid) if e["action"] == "price.set"]
    assert [(e["actor"], e["changes"]["price_type"], e["changes"]["amount"]) for e in reversed(entries)] == [
        ("anna", "retail", [None, 89000]), ("ivan", "retail", [89000, 91000]), ("system", "wholesale", [None, 0])]
    assert entries[0]["changes"]["sku"] == "KEN-250"


@pytest.mark.parametrize(("amount", "message"), [
    (-1, "A price cannot be negative"),
    (12.5, "A price must be a whole number of kopecks"),
    ("100", "A price must be a whole number of kopecks"),
    (True, "A price must be a whole number of kopecks"),
    (MAX_AMOUNT + 1, "A price must be at most %(max)s kopecks"),
])
async def test_bad_amounts_are_refused_and_change_nothing(amount, message):
    vid = await _variant()
    await set_price(vid, "retail", 500)
    audit = await AuditEntry.count()
    with pytest.raises(ValidationFailed) as caught:
        await set_price(vid, "retail", amount)
    assert caught.value.message == message and caught.value.field == "amount"
    assert await get_prices([vid]) == {vid: {"retail": 500}}
    assert await AuditEntry.count() == audit


async def test_unknown_price_type_or_variant_is_refused():
    vid = await _variant()
    with pytest.raises(ValidationFailed) as caught:
        await set_price(vid, "vip", 100)
    assert caught.value.params == {"code": "vip"}
    with pytest.raises(NotFound):
        await set_price(vid + 100, "retail", 100)
    assert await Price.count() == 0


async def test_remove_price_clears_one_type_and_is_audited():
    vid = await _variant()
    await set_price(vid, "retail", 100)
    assert await remove_price(vid, "retail", actor="anna") is True
    assert await remove_price(vid, "retail") is False
    assert await get_prices([vid]) == {}
    assert (await history("variant", vid))[0]["changes"]["amount"] == [100, None]


async def test_concurrent_price_changes_leave_one_row_and_an_unbroken_audit_chain():
    vid = await _variant()
    amounts = [1000 * n for n in range(1, 9)]
    await asyncio.gather(*[set_price(vid, "retail", a) for a in amounts])

    assert await Price.count() == 1
    chain = [e["changes"]["amount"] for e in reversed(await history("variant", vid))]
    assert len(chain) == len(amounts)
    assert chain[0][0] is None
    for before, after in zip(chain, chain[1:], strict=False):
        assert after[0] == before[1], chain
    assert (await get_prices([vid]))[vid]["retail"] == chain[-1][1]


async def test_any_sequence_of_amounts_keeps_one_price_the_last_valid_one_and_audits_each_change():
    loop = asyncio.get_running_loop()
    numbers = itertools.count(1)

    def run(coro):
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=120)

    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.one_of(st.integers(min_value=-3, max_value=3), st.sampled_from([99, 100, MAX_AMOUNT]),
                              st.integers(min_value=MAX_AMOUNT + 1, max_value=MAX_AMOUNT + 2)),
                    min_size=1, max_size=8))
    def check(amounts):
        vid = run(_variant(f"KEN-{next(numbers)}"))
        expected, changes = None, 0
        for amount in amounts:
            try:
                run(set_price(vid, "retail", amount))
            except ValidationFailed:
                assert amount < 0 or amount > MAX_AMOUNT
                continue
            assert 0 <= amount <= MAX_AMOUNT
            changes += amount != expected
            expected = amount
        prices = run(get_prices([vid]))
        assert prices.get(vid, {}).get("retail") == expected
        assert run(Price.count().where(Price.variant == vid).run()) == (0 if expected is None else 1)
        entries = run(history("variant", vid))
        assert len([e for e in entries if e["action"] == "price.set"]) == changes

    await asyncio.to_thread(check)
