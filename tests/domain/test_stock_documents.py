"""Stock documents: draft → post → unpost, validation, numbering, audit."""

from __future__ import annotations

import pytest
from stock_helpers import balance, bin_on_hand, make_variants, make_warehouse, receive, snapshot

from server.domain.audit.log import history
from server.domain.stock.documents import (
    create_document,
    delete_draft,
    get_document,
    list_documents,
    post_document,
    unpost_document,
    update_document,
)
from server.domain.stock.dto import DocumentInput, LineInput, ReserveRequest
from server.domain.stock.reservations import reserve
from server.domain.stock.warehouses import create_bin
from server.errors import Conflict, InsufficientStock, NotFound, ValidationFailed


async def test_posting_a_receipt_writes_moves_balances_and_audit():
    a, b = await make_variants("KEN-AA-250", "ETH-YRG-1000")
    wh = await make_warehouse("MAIN")
    shelf = await create_bin(wh, "A", "01", "02", "03")
    draft = await create_document(DocumentInput(kind="receipt", warehouse_id=wh, supplier="ООО Зерно", lines=[
        LineInput(a, 10, price=45000, bin_id=shelf), LineInput(b, 4, price=120000)]), actor="anna")

    assert (await balance(a, wh))["on_hand"] == 0  # a draft changes nothing
    await post_document(draft, actor="boris")

    doc = await get_document(draft)
    assert (doc["number"], doc["status"], doc["posted_by"]) == ("ПР-000001", "posted", "boris")
    assert [(m["sku"], m["qty"], m["cost"], m["counterpart"], m["reversal"]) for m in doc["moves"]] == [
        ("KEN-AA-250", 10, 450000, "supplier", False), ("ETH-YRG-1000", 4, 480000, "supplier", False)]
    assert doc["lines"][0]["bin"]["address"] == "A-01-02-03"
    bal = await balance(a, wh)
    assert (bal["on_hand"], bal["reserved"], bal["value"]) == (10, 0, 450000)
    assert await bin_on_hand(a, shelf) == 10
    actions = [e["action"] for e in await history("stock_document", draft)]
    assert actions == ["document.post", "document.create"]


async def test_numbers_run_per_kind_with_their_prefixes():
    (a,) = await make_variants("A-1")
    main, shop = await make_warehouse("MAIN"), await make_warehouse("SHOP")
    first = await receive(main, (a, 10, 100))
    second = await receive(main, (a, 10, 100))
    moved = await create_document(DocumentInput(kind="transfer", warehouse_id=main, dest_warehouse_id=shop,
                                                lines=[LineInput(a, 1)]))
    lost = await create_document(DocumentInput(kind="write_off", warehouse_id=main, reason="бой",
                                               lines=[LineInput(a, 1)]))
    counted = await create_document(DocumentInput(kind="inventory", warehouse_id=main, lines=[LineInput(a, 19)]))
    numbers = [(await get_document(d))["number"] for d in (first, second, moved, lost, counted)]
    assert numbers == ["ПР-000001", "ПР-000002", "ПМ-000001", "СП-000001", "ИН-000001"]


@pytest.mark.parametrize(("data", "message"), [
    (lambda a, wh, other_bin: DocumentInput("receipt", wh, [LineInput(a, 0)]), "greater than zero"),
    (lambda a, wh, other_bin: DocumentInput("receipt", wh, [LineInput(a, -5)]), "greater than zero"),
    (lambda a, wh, other_bin: DocumentInput("inventory", wh, [LineInput(a, -1)]), "cannot be negative"),
    (lambda a, wh, other_bin: DocumentInput("receipt", wh, [LineInput(9999, 1)]), "unknown product variant"),
    (lambda a, wh, other_bin: DocumentInput("receipt", 9999, [LineInput(a, 1)]), "Unknown warehouse"),
    (lambda a, wh, other_bin: DocumentInput("receipt", wh, [LineInput(a, 1, bin_id=9999)]), "unknown bin"),
    (lambda a, wh, other_bin: DocumentInput("receipt", wh, [LineInput(a, 1, bin_id=other_bin)]), "another warehouse"),
    (lambda a, wh, other_bin: DocumentInput("receipt", wh, [LineInput(a, 1, price=-1)]), "price cannot be negative"),
    (lambda a, wh, other_bin: DocumentInput("write_off", wh, [LineInput(a, 1)], reason="  "), "needs a reason"),
    (lambda a, wh, other_bin: DocumentInput("transfer", wh, [LineInput(a, 1)], dest_warehouse_id=wh), "same place"),
    (lambda a, wh, other_bin: DocumentInput("receipt", wh, []), "at least one line"),
    (lambda a, wh, other_bin: DocumentInput("shipment", wh, [LineInput(a, 1)]), "Unknown document kind"),
])
async def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(data, message):
    (a,) = await make_variants("A-1")
    wh, other = await make_warehouse("MAIN"), await make_warehouse("SHOP")
    other_bin = await create_bin(other, "B", "01")
    await receive(wh, (a, 5, 100))
    before = await snapshot()
    with pytest.raises(ValidationFailed) as caught:
        await create_document(data(a, wh, other_bin), post=True)
    assert message in str(caught.value)
    assert await snapshot() == before


async def test_every_problem_of_a_document_is_reported_at_once():
    (a,) = await make_variants("A-1")
    wh = await make_warehouse("MAIN")
    with pytest.raises(ValidationFailed) as caught:
        await create_document(DocumentInput("write_off", wh, [LineInput(a, 0), LineInput(777, 2), LineInput(a, 1)]))
    texts = [str(p) for p in caught.value.problems]
    assert texts == ["A write-off needs a reason", "Line 1: the quantity must be greater than zero",
                     "Line 2: unknown product variant 777"]
    assert caught.value.params == {"count": 3}


async def test_write_off_beyond_available_lists_every_short_line_and_changes_nothing():
    a, b, c = await make_variants("A-1", "B-1", "C-1")
    wh = await make_warehouse("MAIN")
    await receive(wh, (a, 10, 100), (b, 2, 100), (c, 5, 100))
    await reserve("order:1", wh, [ReserveRequest(a, 8)])
    before = await snapshot()
    with pytest.raises(InsufficientStock) as caught:
        await create_document(DocumentInput("write_off", wh, [LineInput(a, 3), LineInput(b, 1), LineInput(c, 6)],
                                            reason="бой"), post=True)
    assert [p.params for p in caught.value.problems] == [
        {"sku": "A-1", "warehouse": "MAIN", "requested": 3, "available": 2},
        {"sku": "C-1", "warehouse": "MAIN", "requested": 6, "available": 5},
    ]
    assert str(caught.value) == "Not enough stock: A-1, C-1"
    assert await snapshot() == before


async def test_a_draft_beyond_stock_stays_a_draft_when_posting_is_refused():
    (a,) = await make_variants("A-1")
    main, shop = await make_warehouse("MAIN"), await make_warehouse("SHOP")
    await receive(main, (a, 2, 100))
    draft = await create_document(DocumentInput("transfer", main, [LineInput(a, 3)], dest_warehouse_id=shop))
    before = await snapshot()
    with pytest.raises(InsufficientStock):
        await post_document(draft)
    assert await snapshot() == before
    assert (await get_document(draft))["status"] == "draft"


async def test_a_warehouse_that_allows_negative_stock_accepts_the_write_off():
    (a,) = await make_variants("A-1")
    wh = await make_warehouse("SHOP", allow_negative=True)
    await receive(wh, (a, 2, 100))
    await create_document(DocumentInput("write_off", wh, [LineInput(a, 5)], reason="недостача"), post=True)
    assert (await balance(a, wh))["on_hand"] == -3


async def test_posted_documents_cannot_be_posted_edited_or_deleted():
    (a,) = await make_variants("A-1")
    wh = await make_warehouse("MAIN")
    doc = await receive(wh, (a, 5, 100))
    before = await snapshot()
    with pytest.raises(Conflict, match="already posted"):
        await post_document(doc)
    with pytest.raises(Conflict, match="cannot be edited"):
        await update_document(doc, DocumentInput("receipt", wh, [LineInput(a, 50, price=1)]))
    with pytest.raises(Conflict, match="cannot be deleted"):
        await delete_draft(doc)
    assert await snapshot() == before
    with pytest.raises(NotFound):
        await post_document(12345)


async def test_unposting_writes_reversals_and_restores_balances():
    a, b = await make_variants("A-1", "B-1")
    wh = await make_warehouse("MAIN")
    shelf = await create_bin(wh, "A", "01")
    await receive(wh, (a, 3, 200))
    doc = await receive(wh, (a, 10, 100, shelf), (b, 4, 50))
    before = await balance(a, wh)

    await unpost_document(doc, actor="anna")

    after = await get_document(doc)
    assert after["status"] == "draft" and after["posted_at"] is None
    reversals = [(m["sku"], m["qty"], m["cost"], m["reversal"]) for m in after["moves"] if m["reversal"]]
    assert reversals == [("A-1", -10, -1000, True), ("B-1", -4, -200, True)]
    assert (await balance(a, wh))["on_hand"] == before["on_hand"] - 10 == 3
    assert (await balance(a, wh))["value"] == 600
    assert (await balance(b, wh))["on_hand"] == 0
    assert await bin_on_hand(a, shelf) == 0
    assert [e["action"] for e in await history("stock_document", doc)][0] == "document.unpost"
    with pytest.raises(Conflict, match="not posted"):
        await unpost_document(doc)

    await post_document(doc)  # the draft can be posted again
    assert (await balance(a, wh))["on_hand"] == 13


async def test_unposting_a_receipt_whose_stock_was_consumed_is_a_conflict():
    (a,) = await make_variants("A-1")
    wh = await make_warehouse("MAIN")
    doc = await receive(wh, (a, 10, 100))
    await create_document(DocumentInput("write_off", wh, [LineInput(a, 6)], reason="бой"), post=True)
    await reserve("order:7", wh, [ReserveRequest(a, 1)])
    before = await snapshot()
    with pytest.raises(Conflict) as caught:
        await unpost_document(doc)
    assert not isinstance(caught.value, InsufficientStock)
    assert "ПР-000001 cannot be unposted" in str(caught.value)
    assert [p.params for p in caught.value.problems] == [
        {"sku": "A-1", "warehouse": "MAIN", "requested": 10, "available": 3}]
    assert await snapshot() == before


async def test_transfer_between_warehouses_moves_stock_and_bins():
    (a,) = await make_variants("A-1")
    main, shop = await make_warehouse("MAIN"), await make_warehouse("SHOP")
    src, dst = await create_bin(main, "A", "01"), await create_bin(shop, "K", "01")
    await receive(main, (a, 10, 100, src))
    doc = await create_document(DocumentInput("transfer", main, [LineInput(a, 4, bin_id=src, dest_bin_id=dst)],
                                              dest_warehouse_id=shop), post=True)
    moves = (await get_document(doc))["moves"]
    assert [(m["warehouse"]["code"], m["bin"]["address"], m["qty"], m["counterpart"]) for m in moves] == [
        ("MAIN", "A-01", -4, "transfer"), ("SHOP", "K-01", 4, "transfer")]
    assert ((await balance(a, main))["on_hand"], (await balance(a, shop))["on_hand"]) == (6, 4)
    assert (await bin_on_hand(a, src), await bin_on_hand(a, dst)) == (6, 4)


async def test_transfer_between_bins_keeps_the_warehouse_total():
    (a,) = await make_variants("A-1")
    wh = await make_warehouse("MAIN")
    src, dst, other = await create_bin(wh, "A", "01"), await create_bin(wh, "A", "02"), await create_bin(wh, "Z")
    await receive(wh, (a, 5, 100, src))
    await create_document(DocumentInput("transfer", wh, [LineInput(a, 3, bin_id=src, dest_bin_id=dst)]), post=True)
    assert (await bin_on_hand(a, src), await bin_on_hand(a, dst)) == (2, 3)
    bal = await balance(a, wh)
    assert (bal["on_hand"], bal["value"]) == (5, 500)
    before = await snapshot()
    with pytest.raises(InsufficientStock) as caught:
        await create_document(DocumentInput("transfer", wh, [LineInput(a, 3, bin_id=other, dest_bin_id=dst)]),
                              post=True)
    assert caught.value.problems[0].params == {"sku": "A-1", "bin": "Z", "requested": 3, "available": 0}
    with pytest.raises(ValidationFailed, match="same place"):
        await create_document(DocumentInput("transfer", wh, [LineInput(a, 1, bin_id=src, dest_bin_id=src)]))
    with pytest.raises(ValidationFailed, match="destination warehouse or bin"):
        await create_document(DocumentInput("transfer", wh, [LineInput(a, 1, bin_id=src)]))
    assert await snapshot() == before


async def test_inventory_writes_the_difference_between_counted_and_book():
    a, b, c = await make_variants("A-1", "B-1", "C-1")
    wh = await make_warehouse("MAIN")
    await receive(wh, (a, 10, 100), (b, 5, 100), (c, 3, 100))
    doc = await create_document(DocumentInput("inventory", wh, [LineInput(a, 7), LineInput(b, 8), LineInput(c, 3)]),
                                post=True)
    got = await get_document(doc)
    assert [(line["sku"], line["qty"], line["book_qty"]) for line in got["lines"]] == [
        ("A-1", 7, 10), ("B-1", 8, 5), ("C-1", 3, 3)]
    assert [(m["sku"], m["qty"], m["counterpart"]) for m in got["moves"]] == [
        ("A-1", -3, "inventory"), ("B-1", 3, "inventory")]
    assert [(await balance(v, wh))["on_hand"] for v in (a, b, c)] == [7, 8, 3]
    await unpost_document(doc)
    assert [(await balance(v, wh))["on_hand"] for v in (a, b, c)] == [10, 5, 3]
    assert [line["book_qty"] for line in (await get_document(doc))["lines"]] == [None, None, None]


async def test_inventory_below_reserved_is_refused_and_counting_twice_is_invalid():
    (a,) = await make_variants("A-1")
    wh = await make_warehouse("MAIN")
    await receive(wh, (a, 10, 100))
    await reserve("order:1", wh, [ReserveRequest(a, 6)])
    with pytest.raises(InsufficientStock):
        await create_document(DocumentInput("inventory", wh, [LineInput(a, 5)]), post=True)
    with pytest.raises(ValidationFailed, match="already counted"):
        await create_document(DocumentInput("inventory", wh, [LineInput(a, 5), LineInput(a, 6)]))
    assert (await balance(a, wh))["on_hand"] == 10


async def test_drafts_can_be_edited_and_deleted():
    a, b = await make_variants("A-1", "B-1")
    wh = await make_warehouse("MAIN")
    doc = await create_document(DocumentInput("receipt", wh, [LineInput(a, 1, price=10)]))
    await update_document(doc, DocumentInput("receipt", wh, [LineInput(b, 7, price=30), LineInput(a, 2, price=5)],
                                             supplier="ИП Чай"))
    got = await get_document(doc)
    assert got["supplier"] == "ИП Чай"
    assert [(line["sku"], line["qty"], line["price"]) for line in got["lines"]] == [("B-1", 7, 30), ("A-1", 2, 5)]
    with pytest.raises(ValidationFailed, match="cannot be changed"):
        await update_document(doc, DocumentInput("write_off", wh, [LineInput(a, 1)], reason="x"))
    await delete_draft(doc, actor="anna")
    with pytest.raises(NotFound):
        await get_document(doc)
    assert [e["action"] for e in await history("stock_document", doc)][0] == "document.delete"


async def test_an_unposted_document_keeps_its_history_and_cannot_be_deleted():
    (a,) = await make_variants("A-1")
    wh = await make_warehouse("MAIN")
    doc = await receive(wh, (a, 5, 100))
    await unpost_document(doc)
    with pytest.raises(Conflict, match="stock history"):
        await delete_draft(doc)
    await update_document(doc, DocumentInput("receipt", wh, [LineInput(a, 6, price=100)]))
    await post_document(doc)
    assert (await balance(a, wh))["on_hand"] == 6
    await unpost_document(doc)
    assert (await balance(a, wh))["on_hand"] == 0


async def test_list_documents_filters_and_searches():
    (a,) = await make_variants("A-1")
    main, shop = await make_warehouse("MAIN"), await make_warehouse("SHOP")
    await receive(main, (a, 5, 100), supplier="ООО Зерно")
    await receive(shop, (a, 2, 300), supplier="ИП Чайный дом")
    await create_document(DocumentInput("write_off", main, [LineInput(a, 1)], reason="бой"))
    rows, total = await list_documents()
    assert total == 3 and [r["number"] for r in rows] == ["СП-000001", "ПР-000002", "ПР-000001"]
    rows, total = await list_documents(kind="receipt", warehouse_id=shop)
    assert (total, rows[0]["amount"], rows[0]["lines"], rows[0]["warehouse"]["code"]) == (1, 600, 1, "SHOP")
    assert (await list_documents(status="draft"))[1] == 1
    assert [r["number"] for r in (await list_documents(query="Зерно"))[0]] == ["ПР-000001"]
    assert [r["number"] for r in (await list_documents(query="000002"))[0]] == ["ПР-000002"]
    assert [r["number"] for r in (await list_documents(query="пр-000002"))[0]] == ["ПР-000002"]
    assert [r["number"] for r in (await list_documents(query="зерно"))[0]] == ["ПР-000001"]
    assert [r["number"] for r in (await list_documents(query="ЧАЙНЫЙ"))[0]] == ["ПР-000002"]
    assert [r["number"] for r in (await list_documents(limit=1, offset=1))[0]] == ["ПР-000002"]


async def test_a_back_dated_document_carries_its_date_on_the_document_and_its_moves():
    from datetime import UTC, datetime, timedelta

    (a,) = await make_variants("OLD-1")
    wh = await make_warehouse("MAIN")
    when = datetime(2026, 10, 1, 7, 30, tzinfo=UTC)
    doc_id = await create_document(DocumentInput("receipt", wh, [LineInput(a, 2, price=100)]), post=True, at=when)
    doc = await get_document(doc_id)
    assert doc["created_at"] == when and doc["posted_at"] == when
    assert [m["created_at"] for m in doc["moves"]] == [when]
    before = await snapshot()
    for bad in (datetime.now(UTC) + timedelta(days=1), datetime(2026, 10, 1, 7, 30)):
        with pytest.raises(ValidationFailed):
            await create_document(DocumentInput("receipt", wh, [LineInput(a, 2, price=100)]), post=True, at=bad)
    assert await snapshot() == before


async def test_a_receipt_that_would_overflow_the_balance_is_refused_and_changes_nothing():
    (a,) = await make_variants("HUGE-1")
    wh = await make_warehouse("MAIN")
    await receive(wh, (a, 2_000_000_000, 0))
    before = await snapshot()
    with pytest.raises(ValidationFailed) as caught:
        await receive(wh, (a, 200_000_000, 0))
    assert caught.value.params["sku"] == "HUGE-1"
    assert await snapshot() == before
