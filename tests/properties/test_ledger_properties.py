"""Any sequence of receipts, write-offs, transfers, inventories, unposts, re-posts, reservations,
releases and shipments keeps the ledger's invariants, and balances equal the sum of moves.

The state machine is synchronous (Hypothesis drives it); it runs in a worker thread and hands every
database call to the test's own event loop, so Piccolo sees the same loop as every other test.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field

from harness import clear_all_tables
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from server.domain.catalog.tables import Product, Variant
from server.domain.stock.balances import rebuild_balances
from server.domain.stock.documents import create_document, post_document, unpost_document
from server.domain.stock.dto import DocumentInput, LineInput, ReserveRequest
from server.domain.stock.reservations import consume, release, reserve
from server.domain.stock.tables import BinBalance, StockBalance, StockDocument
from server.domain.stock.warehouses import create_bin, create_warehouse
from server.errors import Conflict, InsufficientStock

SKUS = ("A-1", "B-1")
ORDERS = ("order:1", "order:2", "order:3")
SETTINGS = settings(max_examples=25, stateful_step_count=20, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@dataclass
class Doc:
    """A document the model knows: its id, whether it is posted, and its effect on each place."""

    id: int
    kind: str
    lines: list[tuple] = field(default_factory=list)  # what to recompute an inventory from
    effects: list[tuple[int, int, int | None, int]] = field(default_factory=list)  # (variant, wh, bin, qty)
    posted: bool = True


async def _setup() -> tuple[list[int], list[int], int]:
    await clear_all_tables()
    variants = []
    for sku in SKUS:
        product = Product(name=f"Товар {sku}")
        await product.save()
        variant = Variant(product=product.id, sku=sku)
        await variant.save()
        variants.append(variant.id)
    warehouses = [await create_warehouse("MAIN", "Основной"), await create_warehouse("SHOP", "Магазин")]
    shelf = await create_bin(warehouses[0], "A", "01")
    return variants, warehouses, shelf


class LedgerMachine(RuleBasedStateMachine):
    loop: asyncio.AbstractEventLoop  # set by the test

    def run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=120)

    @initialize()
    def setup(self):
        self.variants, self.warehouses, self.shelf = self.run(_setup())
        self.on_hand: dict[tuple[int, int], int] = defaultdict(int)
        self.reserved: dict[tuple[int, int], int] = defaultdict(int)
        self.in_bin: dict[int, int] = defaultdict(int)
        self.orders: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        self.docs: list[Doc] = []

    # ---- the model ----------------------------------------------------------------------------
    def available(self, v: int, w: int) -> int:
        return self.on_hand[(v, w)] - self.reserved[(v, w)]

    def fits(self, effects) -> bool:
        """Would every place the effects take from still have it (net per place)?"""
        per_wh, per_bin = defaultdict(int), defaultdict(int)
        for v, w, b, q in effects:
            per_wh[(v, w)] += q
            if b is not None:
                per_bin[v] += q
        return (all(-q <= self.available(*k) for k, q in per_wh.items() if q < 0)
                and all(-q <= self.in_bin[v] for v, q in per_bin.items() if q < 0))

    def apply(self, effects, sign: int = 1) -> None:
        for v, w, b, q in effects:
            self.on_hand[(v, w)] += sign * q
            if b is not None:
                self.in_bin[v] += sign * q

    def attempt(self, coro, effects, error=InsufficientStock):
        """Runs the call; it must succeed exactly when the model says the stock is there."""
        if self.fits(effects):
            result = self.run(coro)
            self.apply(effects)
            return result
        try:
            self.run(coro)
        except error:
            return None
        raise AssertionError(f"expected {error.__name__} for {effects}")

    # ---- rules --------------------------------------------------------------------------------
    @rule(v=st.integers(0, 1), w=st.integers(0, 1), qty=st.integers(1, 20), price=st.integers(0, 900),
          into_bin=st.booleans())
    def post_receipt(self, v, w, qty, price, into_bin):
        variant, wh = self.variants[v], self.warehouses[w]
        bin_id = self.shelf if into_bin and w == 0 else None
        effects = [(variant, wh, bin_id, qty)]
        doc_id = self.attempt(create_document(DocumentInput(
            "receipt", wh, [LineInput(variant, qty, price=price, bin_id=bin_id)]), post=True), effects)
        self.docs.append(Doc(doc_id, "receipt", effects=effects))

    @rule(v=st.integers(0, 1), w=st.integers(0, 1), qty=st.integers(1, 15), from_bin=st.booleans())
    def post_write_off(self, v, w, qty, from_bin):
        variant, wh = self.variants[v], self.warehouses[w]
        bin_id = self.shelf if from_bin and w == 0 else None
        effects = [(variant, wh, bin_id, -qty)]
        doc_id = self.attempt(create_document(DocumentInput(
            "write_off", wh, [LineInput(variant, qty, bin_id=bin_id)], reason="бой"), post=True), effects)
        if doc_id is not None:
            self.docs.append(Doc(doc_id, "write_off", effects=effects))

    @rule(v=st.integers(0, 1), w=st.integers(0, 1), qty=st.integers(1, 15))
    def post_transfer(self, v, w, qty):
        variant, src, dst = self.variants[v], self.warehouses[w], self.warehouses[1 - w]
        effects = [(variant, src, None, -qty), (variant, dst, None, qty)]
        doc_id = self.attempt(create_document(DocumentInput(
            "transfer", src, [LineInput(variant, qty)], dest_warehouse_id=dst), post=True), effects)
        if doc_id is not None:
            self.docs.append(Doc(doc_id, "transfer", effects=effects))

    @rule(v=st.integers(0, 1), w=st.integers(0, 1), counted=st.integers(0, 25))
    def post_inventory(self, v, w, counted):
        variant, wh = self.variants[v], self.warehouses[w]
        effects = self.inventory_effects(variant, wh, counted)
        doc_id = self.attempt(create_document(DocumentInput(
            "inventory", wh, [LineInput(variant, counted)]), post=True), effects)
        if doc_id is not None:
            self.docs.append(Doc(doc_id, "inventory", lines=[(variant, wh, counted)], effects=effects))

    def inventory_effects(self, variant, wh, counted):
        diff = counted - self.on_hand[(variant, wh)]
        return [(variant, wh, None, diff)] if diff else []

    @precondition(lambda self: any(d.posted for d in self.docs))
    @rule(pick=st.integers(0, 1000))
    def unpost(self, pick):
        posted = [d for d in self.docs if d.posted]
        doc = posted[pick % len(posted)]
        reversed_effects = [(v, w, b, -q) for v, w, b, q in doc.effects]
        if self.fits(reversed_effects):
            self.run(unpost_document(doc.id))
            self.apply(reversed_effects)
            doc.posted = False
        else:
            try:
                self.run(unpost_document(doc.id))
            except Conflict:
                return
            raise AssertionError(f"expected Conflict unposting {doc}")

    @precondition(lambda self: any(not d.posted for d in self.docs))
    @rule(pick=st.integers(0, 1000))
    def repost(self, pick):
        drafts = [d for d in self.docs if not d.posted]
        doc = drafts[pick % len(drafts)]
        effects = self.inventory_effects(*doc.lines[0]) if doc.kind == "inventory" else doc.effects
        if self.fits(effects):
            self.run(post_document(doc.id))
            self.apply(effects)
            doc.effects, doc.posted = effects, True
        else:
            try:
                self.run(post_document(doc.id))
            except InsufficientStock:
                return
            raise AssertionError(f"expected InsufficientStock re-posting {doc}")

    @rule(order=st.sampled_from(ORDERS), w=st.integers(0, 1), partial=st.booleans(),
          lines=st.lists(st.tuples(st.integers(0, 1), st.integers(1, 8)), min_size=1, max_size=2))
    def reserve(self, order, w, partial, lines):
        wh = self.warehouses[w]
        requests = [ReserveRequest(self.variants[v], q) for v, q in lines]
        left = {r.variant_id: self.available(r.variant_id, wh) for r in requests}
        wanted = defaultdict(int)
        for r in requests:
            wanted[r.variant_id] += r.qty
        if not partial and any(wanted[v] > left[v] for v in wanted):
            try:
                self.run(reserve(order, wh, requests))
            except InsufficientStock as exc:
                assert len(exc.problems) == sum(1 for v in wanted if wanted[v] > left[v])
                return
            raise AssertionError("expected InsufficientStock")
        results = self.run(reserve(order, wh, requests, partial=partial))
        for r, result in zip(requests, results, strict=True):
            take = min(r.qty, left[r.variant_id])
            left[r.variant_id] -= take
            assert result.reserved == take, (r, result)
            if take:
                self.reserved[(r.variant_id, wh)] += take
                self.orders[order].append((r.variant_id, wh, take))

    @rule(order=st.sampled_from(ORDERS))
    def release(self, order):
        units = self.run(release(order))
        assert units == sum(q for _, _, q in self.orders[order])
        for v, w, q in self.orders.pop(order, []):
            self.reserved[(v, w)] -= q

    @rule(order=st.sampled_from(ORDERS))
    def consume(self, order):
        known = {d.id for d in self.docs}
        doc_id = self.run(consume(order))
        items = self.orders.pop(order, [])
        assert (doc_id is None) == (not items)
        if not items:
            return
        shipments = self.run(_shipments(order))
        for s in shipments:
            if s["id"] in known:
                continue
            effects = [(v, w, None, -q) for v, w, q in items if w == s["warehouse"]]
            self.docs.append(Doc(s["id"], "shipment", effects=effects))
            self.apply(effects)
        for v, w, q in items:
            self.reserved[(v, w)] -= q

    # ---- invariants ---------------------------------------------------------------------------
    @invariant()
    def ledger_matches_the_model(self):
        if not hasattr(self, "variants"):
            return
        balances, bins, report = self.run(_read_ledger())
        for row in balances:
            key = (row["variant"], row["warehouse"])
            assert 0 <= row["reserved"] <= row["on_hand"], row
            assert row["value"] >= 0 and (row["on_hand"] != 0 or row["value"] == 0), row
            assert (row["on_hand"], row["reserved"]) == (self.on_hand[key], self.reserved[key]), (row, key)
        seen = {(r["variant"], r["warehouse"]) for r in balances}
        assert all(self.on_hand[k] == 0 and self.reserved[k] == 0 for k in set(self.on_hand) - seen)
        assert {r["variant"]: r["on_hand"] for r in bins if r["on_hand"]} == {
            v: q for v, q in self.in_bin.items() if q}
        assert report.differences == [], report.differences


async def _shipments(order: str) -> list[dict]:
    return await StockDocument.select(StockDocument.id, StockDocument.warehouse).where(
        StockDocument.order_ref == order).where(StockDocument.kind == "shipment")


async def _read_ledger():
    balances = await StockBalance.select()
    bins = await BinBalance.select()
    report = await rebuild_balances(dry_run=True)
    return balances, bins, report


async def test_any_sequence_keeps_the_ledger_invariants():
    from hypothesis.stateful import run_state_machine_as_test

    LedgerMachine.loop = asyncio.get_running_loop()
    await asyncio.to_thread(run_state_machine_as_test, LedgerMachine, settings=SETTINGS)
