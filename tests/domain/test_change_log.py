"""The change log: written in the transaction of every price, card and stock change (nothing on a
rollback), read per channel from its cursor, acked, counted."""

from __future__ import annotations

import asyncio

import pytest
from stock_helpers import make_variants, make_warehouse, receive

from server.db import engine, write_tx
from server.domain.catalog.prices import set_price
from server.domain.catalog.products import update_product, update_variant
from server.domain.catalog.tables import Variant
from server.domain.channels.channels import create_channel
from server.domain.stock.documents import create_document, unpost_document
from server.domain.stock.dto import DocumentInput, LineInput, ReserveRequest
from server.domain.stock.reservations import release, reserve
from server.domain.sync.cursors import ack, changes_since, record_failure, sync_state
from server.domain.sync.log import current_seq, note_changes, prune
from server.domain.sync.offers import changed_offers, scope_of
from server.domain.sync.tables import ChangeLog
from server.errors import InsufficientStock, ValidationFailed


async def entries() -> list[tuple[str, int]]:
    rows = await ChangeLog.select(ChangeLog.kind, ChangeLog.entity_id).order_by(ChangeLog.seq)
    return [(r["kind"], r["entity_id"]) for r in rows]


async def _clear() -> None:
    await ChangeLog.delete(force=True)


async def test_setting_a_price_logs_the_variant_once_and_an_unchanged_price_logs_nothing():
    (a,) = await make_variants("A-1")
    await set_price(a, "retail", 10_000)
    await set_price(a, "retail", 10_000)
    await set_price(a, "wholesale", 9_000)
    assert await entries() == [("variant_price", a), ("variant_price", a)]


async def test_editing_a_product_or_a_variant_logs_the_product_card():
    (a,) = await make_variants("A-1")
    product = (await Variant.select(Variant.product).where(Variant.id == a).first())["product"]
    await update_product(product, name="Новое имя")
    await update_variant(a, sku="A-2")
    await update_product(product, name="Новое имя")  # nothing changed: nothing logged
    assert await entries() == [("product_card", product), ("product_card", product)]


async def test_posting_and_unposting_log_every_variant_of_the_document_in_one_batch():
    a, b, c = await make_variants("A-1", "B-1", "C-1")
    wh = await make_warehouse()
    await _clear()
    doc = await receive(wh, (a, 5, 100), (b, 3, 100), (c, 1, 100))
    rows = await ChangeLog.select().order_by(ChangeLog.seq)
    assert sorted((r["kind"], r["entity_id"]) for r in rows) == [("variant_stock", v) for v in sorted((a, b, c))]
    assert len({r["at"] for r in rows}) == 1  # one INSERT at the end of the transaction
    await _clear()
    await unpost_document(doc)
    assert sorted(await entries()) == [("variant_stock", v) for v in sorted((a, b, c))]


async def test_reserving_and_releasing_log_availability_changes():
    a, b = await make_variants("A-1", "B-1")
    wh = await make_warehouse()
    await receive(wh, (a, 5, 100))
    await _clear()
    await reserve("order:1", wh, [ReserveRequest(a, 2), ReserveRequest(b, 1)], partial=True)
    assert await entries() == [("variant_stock", a)]  # nothing of b could be reserved
    await _clear()
    assert await release("order:1") == 2
    assert await entries() == [("variant_stock", a)]


async def test_a_rolled_back_transaction_leaves_no_log_rows():
    a, b = await make_variants("A-1", "B-1")
    wh = await make_warehouse()
    await _clear()
    with pytest.raises(RuntimeError):
        async with write_tx():
            await set_price(a, "retail", 500)
            await receive(wh, (b, 1, 100))
            raise RuntimeError("changed my mind")
    with pytest.raises(InsufficientStock):
        await create_document(DocumentInput(kind="write_off", warehouse_id=wh, reason="брак",
                                            lines=[LineInput(variant_id=a, qty=1)]), post=True)
    assert await entries() == []


async def test_outside_write_tx_a_change_is_written_at_once():
    await note_changes("variant_stock", [7, 7, 8])
    async with engine().transaction():  # a transaction not opened by write_tx()
        await note_changes("product_card", [3])
    assert await entries() == [("variant_stock", 7), ("variant_stock", 8), ("product_card", 3)]


async def test_changes_since_reads_from_the_cursor_and_ack_moves_it():
    await create_channel("site", "Сайт", "commerceml_site")
    a, b = await make_variants("A-1", "B-1")
    await _clear()
    await set_price(a, "retail", 100)
    await set_price(a, "retail", 200)
    await set_price(b, "retail", 300)
    assert (await sync_state("site")).pending == 3
    first = await changes_since("site", limit=2)
    assert (first.variant_prices, first.entries, first.more) == (frozenset({a}), 2, True)
    assert await ack("site", first.until) == first.until
    rest = await changes_since("site", limit=10)
    assert (rest.since, rest.variant_prices, rest.more, rest.until) == (first.until, frozenset({b}), False,
                                                                       await current_seq())
    await ack("site", rest.until)
    state = await sync_state("site")
    assert (state.pending, state.last_seq, state.last_error) == (0, rest.until, "")
    assert state.last_success_at is not None and state.mode == "changes"
    assert (await changes_since("site")).empty


async def test_ack_never_goes_back_nor_beyond_the_log_and_failures_are_kept():
    await create_channel("site", "Сайт", "commerceml_site")
    await note_changes("variant_stock", [1, 2, 3])
    top = await current_seq()
    await ack("site", top)
    assert await ack("site", top - 1) == top
    with pytest.raises(ValidationFailed):
        await ack("site", top + 1)
    with pytest.raises(ValidationFailed):
        await changes_since("site", limit=0)
    await record_failure("site", "timeout")
    state = await sync_state("site")
    assert (state.last_seq, state.last_error) == (top, "timeout") and state.last_error_at is not None


async def test_prune_keeps_the_newest_entry():
    await note_changes("variant_stock", [1, 2, 3])
    top = await current_seq()
    assert await prune(top + 100) == 2
    assert await current_seq() == top


async def test_a_changed_card_brings_every_variant_of_its_product():
    await create_channel("site", "Сайт", "commerceml_site")
    a, b = await make_variants("A-1", "B-1")
    product_a = (await Variant.select(Variant.product).where(Variant.id == a).first())["product"]
    extra = Variant(product=product_a, sku="A-1-XL", name="XL")
    await extra.save()
    await _clear()
    await update_product(product_a, description="Описание")
    await set_price(b, "retail", 4_500)
    channel = await create_channel("feed", "Фид", "yml")
    offers = await changed_offers(await changes_since("site"), await scope_of(channel))
    assert [(o.variant_id, o.price) for o in offers] == [(a, None), (b, 4_500), (extra.id, None)]


@pytest.mark.sqlite_only
async def test_the_read_walks_the_primary_key_not_the_table():
    plan = await ChangeLog.raw("EXPLAIN QUERY PLAN SELECT seq, kind, entity_id FROM change_log WHERE seq > {} "
                               "ORDER BY seq LIMIT {}", 10, 100)
    detail = " ".join(r["detail"] for r in plan)
    assert "INTEGER PRIMARY KEY" in detail and "SCAN" not in detail, detail


@pytest.mark.postgres_only
async def test_postgres_reads_the_log_through_its_primary_key_index():
    async with engine().transaction():
        await ChangeLog.raw("SET LOCAL enable_seqscan = off")
        plan = await ChangeLog.raw("EXPLAIN SELECT seq, kind, entity_id FROM change_log WHERE seq > {} "
                                   "ORDER BY seq LIMIT {}", 10, 100)
    text = " ".join(str(v) for r in plan for v in r.values())
    assert "change_log_pkey" in text, text


@pytest.mark.postgres_only
async def test_postgres_numbers_become_visible_in_order():
    """A transaction that has drawn its seq but not committed holds back every later writer, so a
    reader can never see seq n+1 without seq n (and move its cursor past n)."""
    from server.db import before_commit

    release_first = asyncio.Event()
    flushed = asyncio.Event()

    async def pause(_state) -> None:  # runs after the change-log flush, before the commit
        flushed.set()
        await release_first.wait()

    async def first() -> None:
        async with write_tx():
            await note_changes("variant_stock", [1])
            before_commit("test.pause", pause, dict)

    async def second() -> None:
        await flushed.wait()
        async with write_tx():
            await note_changes("variant_stock", [2])

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    await flushed.wait()
    await asyncio.sleep(0.3)  # room for the second writer to commit, if it could
    seen_meanwhile = await entries()
    release_first.set()
    await asyncio.gather(*tasks)
    assert seen_meanwhile == []
    assert await entries() == [("variant_stock", 1), ("variant_stock", 2)]
