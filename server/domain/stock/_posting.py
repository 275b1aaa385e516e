"""Posting and unposting: a document becomes moves, the moves land on balances. Internal.

Called by documents.py (post/unpost) and reservations.py (consume posts a shipment) inside their
write transaction. Order of work, the same every time: lock the document row, lock the balances
(sorted), check every line and report all shortages at once, then write moves and balances.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from server.db import is_sqlite
from server.domain.audit.log import record
from server.domain.stock import _ledger
from server.domain.stock._validate import Context, load_bins, load_skus, load_warehouses
from server.domain.stock.costing import outgoing_cost, reversal_cost, share
from server.domain.stock.tables import StockDocument, StockDocumentLine, StockMove
from server.domain.sync.log import stock_changed
from server.errors import Conflict, DomainError, InsufficientStock, NotFound, ValidationFailed


@dataclass
class Leg:
    """One move to write: signed qty at a place, and how its cost is found."""

    line: int | None
    variant: int
    warehouse: int
    bin: int | None
    qty: int
    counterpart: str
    rule: str  # price | average | pair | surplus | reverse_in | reverse_out
    cost: int = 0  # price: total cost; reversals: the original move's cost
    partner: int | None = None  # index of the leg whose cost this one mirrors


@dataclass
class Places:
    balances: dict[_ledger.Key, _ledger.Balance]
    bins: dict[_ledger.Key, _ledger.BinStock]
    warehouses: dict[int, dict]
    skus: dict[int, str]
    bin_rows: dict[int, dict]


async def lock_document(document_id: int) -> dict:
    lock = "" if is_sqlite() else " FOR UPDATE"
    rows = await StockDocument.raw(f"SELECT * FROM stock_document WHERE id = {{}}{lock}", document_id)
    if not rows:
        raise NotFound("Document %(id)s not found", id=document_id)
    return rows[0]


async def _places(legs_keys: list[tuple[int, int, int | None]], known: Context | None = None) -> Places:
    """Locks balances and bin stock for (variant, warehouse, bin) places, loads names for messages
    (reusing what the document's checks already loaded in this transaction)."""
    balances = await _ledger.lock_balances((v, w) for v, w, _ in legs_keys)
    bins = await _ledger.lock_bin_stock((v, b) for v, _, b in legs_keys if b is not None)
    warehouse_ids = {w for _, w, _ in legs_keys}
    variant_ids = {v for v, _, _ in legs_keys}
    bin_ids = {b for _, _, b in legs_keys if b is not None}
    have_wh = {w["id"]: w for w in (known.warehouse, known.dest_warehouse) if w} if known else {}
    warehouses = have_wh if warehouse_ids <= have_wh.keys() else await load_warehouses(list(warehouse_ids))
    skus = known.skus if known and variant_ids <= known.skus.keys() else await load_skus(list(variant_ids))
    bin_rows = known.bins if known and bin_ids <= known.bins.keys() else await load_bins(list(bin_ids))
    return Places(balances, bins, warehouses, skus, bin_rows)


def _line_places(doc: dict, line: dict) -> list[tuple[int, int, int | None]]:
    v, wh = line["variant"], doc["warehouse"]
    if doc["kind"] == "transfer":
        return [(v, wh, line["bin"]), (v, doc["dest_warehouse"] or wh, line["dest_bin"])]
    return [(v, wh, line["bin"])]


async def _fallback_unit_costs(keys: list[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """For surpluses found where nothing is on hand: per (variant, warehouse) the last purchase's unit
    cost, else 0. One query per 500 variants (a 1C import posts counts of thousands of lines)."""
    costs = dict.fromkeys(keys, 0)
    variants = sorted({v for v, _ in keys})
    warehouses = sorted({w for _, w in keys})
    for start in range(0, len(variants), 500):
        chunk = variants[start:start + 500]
        marks = ", ".join("{}" for _ in chunk)
        wh_marks = ", ".join("{}" for _ in warehouses)
        rows = await StockMove.raw(
            "SELECT m.variant, m.warehouse, m.qty, m.cost FROM stock_move m JOIN ("
            "SELECT MAX(id) AS id FROM stock_move WHERE counterpart = 'supplier' AND reversal = {} AND qty > 0 "
            f"AND variant IN ({marks}) AND warehouse IN ({wh_marks}) GROUP BY variant, warehouse"
            ") last ON m.id = last.id", False, *chunk, *warehouses)
        for r in rows:
            key = (r["variant"], r["warehouse"])
            if key in costs:
                costs[key] = share(r["cost"], 1, r["qty"])
    return costs


def _forward_legs(doc: dict, line: dict, places: Places) -> list[Leg]:
    v, wh, q, lid = line["variant"], doc["warehouse"], line["qty"], line["id"]
    kind = doc["kind"]
    if kind == "receipt":
        return [Leg(lid, v, wh, line["bin"], q, "supplier", "price", q * line["price"])]
    if kind == "return":  # a customer's goods back (stock/returns.py): at the unit cost they left with
        return [Leg(lid, v, wh, line["bin"], q, "customer", "price", q * line["price"])]
    if kind in ("write_off", "shipment"):
        counterpart = "loss" if kind == "write_off" else "customer"
        return [Leg(lid, v, wh, line["bin"], -q, counterpart, "average")]
    if kind == "transfer":
        dest = doc["dest_warehouse"] or wh
        return [Leg(lid, v, wh, line["bin"], -q, "transfer", "average"),
                Leg(lid, v, dest, line["dest_bin"], q, "transfer", "pair", partner=-1)]
    if kind == "inventory":
        book = (places.bins[(v, line["bin"])].on_hand if line["bin"] is not None
                else places.balances[(v, wh)].on_hand)
        line["book_qty"] = book
        diff = q - book
        if diff == 0:
            return []
        return [Leg(lid, v, wh, line["bin"], diff, "inventory", "surplus" if diff > 0 else "average")]
    raise ValidationFailed("Documents of kind %(kind)s cannot be posted here", kind=kind)


def shortages(legs: list[Leg], places: Places) -> list[DomainError]:
    """Every place the legs would take more from than it has available (net per place)."""
    by_wh: dict[_ledger.Key, int] = defaultdict(int)
    by_bin: dict[_ledger.Key, int] = defaultdict(int)
    for leg in legs:
        by_wh[(leg.variant, leg.warehouse)] += leg.qty
        if leg.bin is not None:
            by_bin[(leg.variant, leg.bin)] += leg.qty
    problems: list[DomainError] = []
    for (v, w), net in sorted(by_wh.items()):
        bal, wh = places.balances[(v, w)], places.warehouses[w]
        if net < 0 and not wh["allow_negative"] and -net > bal.available:
            problems.append(InsufficientStock(
                "Not enough %(sku)s in %(warehouse)s: %(requested)s requested, %(available)s available",
                sku=places.skus.get(v, str(v)), warehouse=wh["code"], requested=-net,
                available=max(bal.available, 0)))
    for (v, b), net in sorted(by_bin.items()):
        stock, bin_row = places.bins[(v, b)], places.bin_rows[b]
        wh = places.warehouses[bin_row["warehouse"]]
        if net < 0 and not wh["allow_negative"] and -net > stock.on_hand:
            problems.append(InsufficientStock(
                "Not enough %(sku)s in bin %(bin)s: %(requested)s requested, %(available)s there",
                sku=places.skus.get(v, str(v)), bin=bin_row["address"], requested=-net,
                available=max(stock.on_hand, 0)))
    return problems


MAX_ON_HAND = 2_147_483_647  # the balance columns are 32-bit integers on PostgreSQL


def overflows(legs: list[Leg], places: Places) -> list[DomainError]:
    """Places whose stock would grow beyond what a balance can hold (absurd quantities, not a 500)."""
    by_wh: dict[_ledger.Key, int] = defaultdict(int)
    for leg in legs:
        by_wh[(leg.variant, leg.warehouse)] += leg.qty
    return [ValidationFailed("%(sku)s in %(warehouse)s would exceed %(max)s units on hand",
                             sku=places.skus.get(v, str(v)), warehouse=places.warehouses[w]["code"], max=MAX_ON_HAND)
            for (v, w), net in sorted(by_wh.items()) if places.balances[(v, w)].on_hand + net > MAX_ON_HAND]


def raise_shortages(problems: list[DomainError]) -> None:
    if problems:
        skus = ", ".join(dict.fromkeys(str(p.params["sku"]) for p in problems))
        raise InsufficientStock("Not enough stock: %(skus)s", problems=problems, skus=skus)


async def _apply(doc_id: int, legs: list[Leg], places: Places, fallback: dict, *, reversal: bool,
                 at: datetime | None = None) -> int:
    """Costs each leg, applies it to balances and bin stock in memory, writes moves and balances."""
    costs: list[int] = []
    moves: list[tuple] = []
    now = datetime.now(UTC)
    for i, leg in enumerate(legs):
        bal = places.balances[(leg.variant, leg.warehouse)]
        units = abs(leg.qty)
        if leg.rule == "price":
            cost = leg.cost
        elif leg.rule == "average":
            cost = -outgoing_cost(bal.value, bal.on_hand, units)
        elif leg.rule == "surplus":
            cost = (share(bal.value, units, bal.on_hand) if bal.on_hand > 0
                    else fallback.get((leg.variant, leg.warehouse), 0) * units)
        elif leg.rule == "reverse_in":
            cost = -reversal_cost(bal.value, bal.on_hand, units, leg.cost)
        else:  # pair / reverse_out: puts back what its partner took, or the original cost
            cost = -costs[i + leg.partner] if leg.partner is not None else abs(leg.cost)
        costs.append(cost)
        _ledger.apply(bal, leg.qty, cost)
        if leg.bin is not None:
            _ledger.apply_bin(places.bins[(leg.variant, leg.bin)], leg.qty)
        moves.append((doc_id, leg.line, leg.variant, leg.warehouse, leg.bin, leg.qty, cost, leg.counterpart,
                      reversal, at or now))
    await _insert_moves(moves)
    await _ledger.save(places.balances.values(), places.bins.values())
    await stock_changed(leg.variant for leg in legs)
    return len(moves)


_MOVE_COLUMNS = "document, line, variant, warehouse, bin, qty, cost, counterpart, reversal, created_at"


async def _insert_moves(moves: list[tuple]) -> None:
    """One multi-row INSERT (Piccolo's per-object insert costs about a millisecond a row)."""
    if not moves:
        return
    one = "(" + ", ".join("{}" for _ in range(10)) + ")"
    await StockMove.raw(f"INSERT INTO stock_move ({_MOVE_COLUMNS}) VALUES {', '.join(one for _ in moves)}",
                        *[x for move in moves for x in move])


async def post(doc: dict, actor: str, *, at: datetime | None = None, known: Context | None = None) -> None:
    if doc["status"] != "draft":
        raise Conflict("Document %(number)s is already posted", number=doc["number"])
    await _ledger.share_warehouses([doc["warehouse"], doc["dest_warehouse"]])
    lines = await (StockDocumentLine.select().where(StockDocumentLine.document == doc["id"])
                   .order_by(StockDocumentLine.position).order_by(StockDocumentLine.id))
    if not lines:
        raise ValidationFailed("Add at least one line", field="lines")
    places = await _places([p for line in lines for p in _line_places(doc, line)], known)
    closed = [w["code"] for w in places.warehouses.values() if not w["active"]]
    if closed:
        raise ValidationFailed("Warehouse %(code)s is closed", field="warehouse_id", code=closed[0])
    legs = [leg for line in lines for leg in _forward_legs(doc, line, places)]
    raise_shortages(shortages(legs, places))
    too_big = overflows(legs, places)
    if too_big:
        raise too_big[0] if len(too_big) == 1 else ValidationFailed(
            "Too many units: %(count)s places would overflow", problems=too_big, count=len(too_big))
    fallback = await _fallback_unit_costs(sorted({
        (leg.variant, leg.warehouse) for leg in legs
        if leg.rule == "surplus" and places.balances[(leg.variant, leg.warehouse)].on_hand <= 0}))
    count = await _apply(doc["id"], legs, places, fallback, reversal=False, at=at)
    now = at or datetime.now(UTC)
    await StockDocument.update({StockDocument.status: "posted", StockDocument.posted_at: now,
                                StockDocument.posted_by: actor}).where(StockDocument.id == doc["id"])
    if doc["kind"] == "inventory":
        books = [(line["id"], line["book_qty"]) for line in lines]
        for start in range(0, len(books), 500):
            await _ledger.update_rows("stock_document_line", ("book_qty",), books[start:start + 500])
    await record(actor, "document.post", "stock_document", doc["id"],
                 {"number": doc["number"], "kind": doc["kind"], "moves": count})


async def effective_moves(document_id: int) -> list[dict]:
    """The moves of the current posting: not reversals, written after the last reversal."""
    moves = await StockMove.select().where(StockMove.document == document_id).order_by(StockMove.id)
    last_reversal = max((m["id"] for m in moves if m["reversal"]), default=0)
    return [m for m in moves if not m["reversal"] and m["id"] > last_reversal]


def _reverse_legs(moves: list[dict]) -> list[Leg]:
    """Opposite legs, line by line; within a line the incoming move is taken back first so that the
    outgoing one (a transfer's source) gets back exactly the cost taken."""
    groups: dict[object, list[dict]] = {}
    for m in moves:
        groups.setdefault(m["line"] if m["line"] is not None else ("move", m["id"]), []).append(m)
    legs: list[Leg] = []
    for group in groups.values():
        start = len(legs)
        for m in sorted(group, key=lambda m: (m["qty"] < 0, m["id"])):
            rule = "reverse_in" if m["qty"] > 0 else "reverse_out"
            partner = None
            if rule == "reverse_out" and len(group) == 2 and start < len(legs):
                partner = start - len(legs)
            legs.append(Leg(m["line"], m["variant"], m["warehouse"], m["bin"], -m["qty"], m["counterpart"],
                            rule, m["cost"], partner))
    return legs


async def unpost(doc: dict, actor: str) -> None:
    if doc["status"] != "posted":
        raise Conflict("Document %(number)s is not posted", number=doc["number"])
    await _ledger.share_warehouses([doc["warehouse"], doc["dest_warehouse"]])
    moves = await effective_moves(doc["id"])
    places = await _places([(m["variant"], m["warehouse"], m["bin"]) for m in moves])
    legs = _reverse_legs(moves)
    problems = shortages(legs, places)
    if problems:
        raise Conflict("Document %(number)s cannot be unposted: its goods were already shipped, moved or "
                       "reserved", problems=problems, number=doc["number"])
    count = await _apply(doc["id"], legs, places, {}, reversal=True)
    await StockDocument.update({StockDocument.status: "draft", StockDocument.posted_at: None,
                                StockDocument.posted_by: ""}).where(StockDocument.id == doc["id"])
    if doc["kind"] == "inventory":
        await StockDocumentLine.update({StockDocumentLine.book_qty: None}).where(
            StockDocumentLine.document == doc["id"])
    await record(actor, "document.unpost", "stock_document", doc["id"],
                 {"number": doc["number"], "kind": doc["kind"], "moves": count})
