"""Reservations: reserve, release (whole or some units of one variant), consume. With documents.py, the
only writer of balances.

Invariants after every transaction, under any concurrency: 0 ≤ reserved ≤ on_hand. Balance rows are
locked in variant order (SELECT … FOR UPDATE on PostgreSQL, the IMMEDIATE transaction on SQLite) and
changed with a conditional UPDATE (… WHERE on_hand - reserved >= qty) as the last guard.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime

from server.db import is_sqlite, write_tx
from server.domain.audit.log import record
from server.domain.stock import _ledger, _posting
from server.domain.stock._validate import load_skus, load_warehouses, raise_all
from server.domain.stock.dto import ReserveRequest, ReserveResult
from server.domain.stock.numbering import next_number
from server.domain.stock.tables import Bin, Reservation, StockDocument, StockDocumentLine
from server.domain.sync.log import stock_changed
from server.errors import Conflict, DomainError, InsufficientStock, ValidationFailed


def _check_ref(order_ref: str) -> str:
    ref = (order_ref or "").strip()
    if not ref or len(ref) > 64:
        raise ValidationFailed("The order reference must be 1 to 64 characters long", field="order_ref")
    return ref


async def _check_requests(warehouse_id: int, requests: list[ReserveRequest]) -> dict[int, str]:
    problems: list[DomainError] = []
    warehouse = (await load_warehouses([warehouse_id])).get(warehouse_id)
    if warehouse is None:
        problems.append(ValidationFailed("Unknown warehouse %(id)s", field="warehouse_id", id=warehouse_id))
    elif not warehouse["active"]:
        problems.append(ValidationFailed("Warehouse %(code)s is closed", field="warehouse_id", code=warehouse["code"]))
    if not requests:
        problems.append(ValidationFailed("Nothing to reserve", field="lines"))
    skus = await load_skus([r.variant_id for r in requests])
    for n, r in enumerate(requests, start=1):
        if not isinstance(r.qty, int) or isinstance(r.qty, bool) or r.qty <= 0:
            problems.append(ValidationFailed("Line %(line)s: the quantity must be greater than zero",
                                             field=f"lines[{n - 1}]", line=n))
        if r.variant_id not in skus:
            problems.append(ValidationFailed("Line %(line)s: unknown product variant %(variant_id)s",
                                             field=f"lines[{n - 1}]", line=n, variant_id=r.variant_id))
    raise_all(problems)
    return skus


async def reserve(order_ref: str, warehouse_id: int, requests: list[ReserveRequest], *,
                  partial: bool = False, actor: str = "system") -> list[ReserveResult]:
    """Conditional UPDATE … WHERE on_hand - reserved >= qty, locks in variant-id order.
    partial=False: all lines or nothing (InsufficientStock listing every short line);
    partial=True: reserve what is available, the rest is reported as shortage (reserved < requested)."""
    ref = _check_ref(order_ref)
    skus = await _check_requests(warehouse_id, requests)
    wanted: dict[int, int] = defaultdict(int)
    for r in requests:
        wanted[r.variant_id] += r.qty
    async with write_tx():
        await _ledger.share_warehouses([warehouse_id])
        warehouse = (await load_warehouses([warehouse_id]))[warehouse_id]
        if not warehouse["active"]:  # closed since the checks above
            raise ValidationFailed("Warehouse %(code)s is closed", field="warehouse_id", code=warehouse["code"])
        balances = await _ledger.lock_balances(((v, warehouse_id) for v in wanted), create=False)
        left = {v: max(balances[(v, warehouse_id)].available, 0) if (v, warehouse_id) in balances else 0
                for v in wanted}
        if not partial:
            short = [InsufficientStock("Not enough %(sku)s to reserve: %(requested)s requested, %(available)s "
                                       "available", sku=skus[v], requested=wanted[v], available=left[v])
                     for v in sorted(wanted) if wanted[v] > left[v]]
            _posting.raise_shortages(short)
        results: list[ReserveResult] = []
        taken: dict[int, int] = defaultdict(int)
        for r in requests:
            take = min(r.qty, left[r.variant_id])
            left[r.variant_id] -= take
            taken[r.variant_id] += take
            results.append(ReserveResult(variant_id=r.variant_id, requested=r.qty, reserved=take))
        for v in sorted(taken):
            if taken[v] and not await _ledger.reserve_units(balances[(v, warehouse_id)], taken[v]):
                raise InsufficientStock("Not enough %(sku)s to reserve: %(requested)s requested, %(available)s "
                                        "available", sku=skus[v], requested=taken[v], available=0)
        await stock_changed(v for v in taken if taken[v])
        rows = [Reservation(variant=res.variant_id, warehouse=warehouse_id, qty=res.reserved, order_ref=ref,
                            status="active") for res in results if res.reserved > 0]
        if rows:
            await Reservation.insert(*rows)
    return results


async def _lock_active(order_ref: str, warehouse_id: int | None = None) -> list[dict]:
    lock = "" if is_sqlite() else " FOR UPDATE"
    extra, args = ("", []) if warehouse_id is None else (" AND warehouse = {}", [warehouse_id])
    return await Reservation.raw(
        "SELECT id, variant, warehouse, qty FROM reservation WHERE order_ref = {} AND status = 'active'"
        f"{extra} ORDER BY id{lock}", order_ref, *args)


async def _unreserve(rows: list[dict], status: str) -> dict[tuple[int, int], int]:
    """Takes the reservations' units off `reserved` (locks in order) and closes the rows."""
    totals: dict[tuple[int, int], int] = defaultdict(int)
    for r in rows:
        totals[(r["variant"], r["warehouse"])] += r["qty"]
    balances = await _ledger.lock_balances(totals.keys(), create=False)
    for key in sorted(totals):
        if key not in balances or not await _ledger.unreserve_units(balances[key], totals[key]):
            raise Conflict("The reserved quantity of variant %(variant)s is inconsistent; run `kladovka ledger "
                           "rebuild`", variant=key[0])
    await stock_changed(variant for variant, _warehouse in totals)
    await Reservation.update({Reservation.status: status, Reservation.closed_at: datetime.now(UTC)}).where(
        Reservation.id.is_in([r["id"] for r in rows]))
    return totals


async def release(order_ref: str, *, actor: str = "system") -> int:
    """Releases every active reservation of order_ref; returns units released."""
    ref = _check_ref(order_ref)
    async with write_tx():
        rows = await _lock_active(ref)
        if not rows:
            return 0
        totals = await _unreserve(rows, "released")
    return sum(totals.values())


async def release_units(order_ref: str, warehouse_id: int, variant_id: int, qty: int, *,
                        actor: str = "system") -> int:
    """Releases `qty` units of one variant from order_ref's active reservations in one warehouse (an
    order line made smaller). The newest reservation rows give back first: a row given back whole is
    closed as released; a row given back in part keeps the rest, and a closed row of the released part
    keeps the history. Same locks as release(): the reservation rows (id order), then the balance.
    Refused (Conflict) when fewer units are reserved. Returns the units released."""
    ref = _check_ref(order_ref)
    if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
        raise ValidationFailed("The quantity to release must be greater than zero", field="qty")
    async with write_tx():
        rows = [r for r in await _lock_active(ref, warehouse_id) if r["variant"] == variant_id]
        held = sum(r["qty"] for r in rows)
        if qty > held:
            raise Conflict("Only %(held)s units of variant %(variant)s are reserved for %(ref)s: %(qty)s cannot be "
                           "released", field="qty", held=held, variant=variant_id, ref=ref, qty=qty)
        key = (variant_id, warehouse_id)
        balances = await _ledger.lock_balances([key], create=False)
        if key not in balances or not await _ledger.unreserve_units(balances[key], qty):
            raise Conflict("The reserved quantity of variant %(variant)s is inconsistent; run `kladovka ledger "
                           "rebuild`", variant=variant_id)
        now, left = datetime.now(UTC), qty
        for r in sorted(rows, key=lambda r: r["id"], reverse=True):
            take = min(left, r["qty"])
            if take <= 0:
                break
            if take == r["qty"]:
                await Reservation.update({Reservation.status: "released", Reservation.closed_at: now}).where(
                    Reservation.id == r["id"])
            else:
                await Reservation.update({Reservation.qty: r["qty"] - take}).where(Reservation.id == r["id"])
                await Reservation.insert(Reservation(variant=variant_id, warehouse=warehouse_id, qty=take,
                                                     order_ref=ref, status="released", closed_at=now))
            left -= take
        await stock_changed([variant_id])
    return qty


Picked = Mapping[int, list[tuple[int, int]]]  # variant → [(bin id, units)] in the order to take them


async def consume(order_ref: str, *, actor: str = "system", warehouse_id: int | None = None,
                  bins: Picked | None = None) -> int | None:
    """Ships the active reservations of order_ref: a posted `shipment` document (moves to the
    customer at moving-average cost) written in the same transaction. Returns the document id.
    Reservations in several warehouses make one shipment per warehouse (the first id is returned);
    warehouse_id limits the shipment to one of them. None when nothing is reserved.
    `bins`: where the goods were picked from; the shipment takes the units out of those bins (bins of
    the shipping warehouse only, never more than a bin holds now), the rest leaves without a bin."""
    ref = _check_ref(order_ref)
    async with write_tx():
        rows = await _lock_active(ref, warehouse_id)
        if not rows:
            return None
        totals = await _unreserve(rows, "consumed")
        documents: list[int] = []
        for wh in sorted({w for _, w in totals}):
            documents.append(await _ship(ref, wh, {v: q for (v, w), q in totals.items() if w == wh}, actor,
                                         bins or {}))
    return documents[0]


async def _from_bins(warehouse_id: int, quantities: dict[int, int], bins: Picked) -> list[tuple[int, int, int | None]]:
    """(variant, qty, bin) shipment lines: the picked bins first, capped at what each holds now (the
    bin stock is locked here, after the balances _unreserve locked: the ledger's lock order)."""
    wanted = [(v, b, u) for v in sorted(quantities) for b, u in bins.get(v, []) if u > 0]
    ids = sorted({b for _v, b, _u in wanted})
    ours = {r["id"] for r in await Bin.select(Bin.id).where(Bin.id.is_in(ids)).where(
        Bin.warehouse == warehouse_id)} if ids else set()
    stock = await _ledger.lock_bin_stock((v, b) for v, b, _u in wanted if b in ours)
    held = {key: max(s.on_hand, 0) for key, s in stock.items()}
    lines: list[tuple[int, int, int | None]] = []
    for v in sorted(quantities):
        left = quantities[v]
        for b, units in bins.get(v, []):
            take = min(left, units, held.get((v, b), 0)) if b in ours else 0
            if take > 0:
                lines.append((v, take, b))
                held[(v, b)] -= take
                left -= take
        if left > 0:
            lines.append((v, left, None))
    return lines


async def _ship(order_ref: str, warehouse_id: int, quantities: dict[int, int], actor: str, bins: Picked) -> int:
    number = await next_number("shipment")
    doc = StockDocument(number=number, kind="shipment", status="draft", warehouse=warehouse_id,
                        order_ref=order_ref, created_by=actor)
    await doc.save()
    lines = await _from_bins(warehouse_id, quantities, bins)
    await StockDocumentLine.insert(*[
        StockDocumentLine(document=doc.id, variant=v, qty=q, bin=b, position=n)
        for n, (v, q, b) in enumerate(lines)
    ])
    await record(actor, "document.create", "stock_document", doc.id,
                 {"number": number, "kind": "shipment", "order_ref": order_ref, "lines": len(lines)})
    await _posting.post(await _posting.lock_document(doc.id), actor)
    return doc.id
