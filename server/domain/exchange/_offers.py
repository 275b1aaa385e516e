"""Barcodes and prices of the variants of an import. Internal.

Barcodes are only added (never removed: the shop may have its own); one that fails its check digit,
or belongs to another variant already, is left out with a note. Prices are set per price type with
one upsert per few hundred rows; an unchanged price writes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from server.domain.catalog.barcodes import clean_scan, validate_barcode
from server.domain.catalog.prices import amount_problem
from server.domain.exchange import _sql
from server.domain.exchange._plan import Plan
from server.domain.exchange._reference import Resolved
from server.domain.exchange.dto import ImportReport, note_of
from server.domain.sync.log import prices_changed
from server.errors import DomainError, ValidationFailed


async def write_barcodes(plan: Plan, variant_ids: dict[str, int], report: ImportReport) -> None:
    counts = report["barcodes"]
    wanted: dict[str, tuple[int, str, str]] = {}  # code → (variant id, kind, external id)
    for item in plan.items:
        for v in item.variants:
            vid = variant_ids.get(v.external_id)
            for given in v.barcodes:
                code = clean_scan(given)
                try:
                    kind = validate_barcode(code)
                except ValidationFailed as exc:
                    report.notes.append(note_of(exc, v.external_id))
                    counts.skipped += 1
                    continue
                if code in wanted and wanted[code][0] != vid:
                    report.notes.append(note_of(ValidationFailed("Barcode %(code)s is given twice", code=code),
                                                v.external_id))
                    counts.skipped += 1
                elif code not in wanted and vid is not None:
                    wanted[code] = (vid, kind, v.external_id)
    if not wanted:
        return
    rows = await _sql.select_in("SELECT b.code, b.variant, v.sku FROM barcode b JOIN variant v ON v.id = b.variant "
                                "WHERE b.code IN ({in})", list(wanted))
    have = {r["code"]: r for r in rows}
    new = []
    for code, (vid, kind, ext) in wanted.items():
        hit = have.get(code)
        if hit is None:
            new.append((vid, code, kind, 1))
        elif hit["variant"] == vid:
            counts.unchanged += 1
        else:
            report.notes.append(note_of(ValidationFailed("Barcode %(code)s already belongs to %(sku)s", code=code,
                                                         sku=hit["sku"]), ext))
            counts.skipped += 1
    await _sql.insert_rows("barcode", ("variant", "code", "kind", "multiplier"), new)
    plan.changed_products.update(plan.variant_products[vid] for vid, *_ in new if vid in plan.variant_products)
    counts.created += len(new)


def price_problems(plan: Plan) -> list[DomainError]:
    """Amounts that are not prices (negative, absurdly large): the import is refused."""
    found = []
    for item in plan.items:
        for v in item.variants:
            for type_id, amount in v.prices.items():
                problem = amount_problem(amount, v.external_id)
                if problem is not None:
                    found.append(ValidationFailed(problem.message, field=f"{v.external_id} {type_id}",
                                                  **problem.params))
    return found


async def write_prices(plan: Plan, variant_ids: dict[str, int], res: Resolved, report: ImportReport) -> None:
    counts = report["prices"]
    wanted: dict[tuple[int, int], int] = {}
    for item in plan.items:
        for v in item.variants:
            vid = variant_ids.get(v.external_id)
            for type_ext, amount in v.prices.items():
                type_id = res.price_types.get(type_ext)
                if type_id is None or vid is None:
                    counts.skipped += 1
                    continue
                wanted[(vid, type_id)] = amount
    if not wanted:
        return
    rows = await _sql.select_in("SELECT variant, price_type, amount FROM price WHERE variant IN ({in})",
                                sorted({vid for vid, _ in wanted}))
    have = {(r["variant"], r["price_type"]): int(r["amount"]) for r in rows}
    now = datetime.now(UTC)
    changed = []
    for (vid, type_id), amount in wanted.items():
        old = have.get((vid, type_id))
        if old == amount:
            counts.unchanged += 1
            continue
        if old is None:
            counts.created += 1
        else:
            counts.updated += 1
        changed.append((vid, type_id, amount, now))
    await _sql.insert_rows("price", ("variant", "price_type", "amount", "updated_at"), changed,
                           conflict="ON CONFLICT (variant, price_type) DO UPDATE SET amount = excluded.amount, "
                           "updated_at = excluded.updated_at")
    await prices_changed(vid for vid, *_ in changed)
