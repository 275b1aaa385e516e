"""Catalog migration from 1C: groups, properties, products with variants, barcodes, prices and stock.

`import_catalog(data)` takes a CatalogImport (made by server.integrations.commerceml.to_catalog_import
from import.xml, offers.xml and the like) and applies it in ONE write transaction: everything is
checked first and every problem is reported together (ValidationFailed with `problems`, nothing
written); any failure later — a stock count below what is reserved, a lost race — rolls the whole
import back. Known rows (found through the external id mapping of the same `source`) are updated,
new ones created, so importing the same files twice changes nothing the second time. Things that can
be left out safely (a barcode with a wrong check digit, a price in dollars, a picture file that did
not come along) are left out and listed in the report's notes.

Progress: `progress(done, total)` (sync or async) is called after each step, for an upload page.
"""

from __future__ import annotations

import inspect
import time

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.catalog.prices import ensure_default_price_types
from server.domain.catalog.units import ensure_units
from server.domain.exchange import _goods, _offers, _reference, _stock
from server.domain.exchange._plan import make_plan
from server.domain.exchange.dto import CatalogImport, ImportReport, Progress
from server.domain.outbox.events import emit
from server.domain.sync.log import cards_changed
from server.errors import ValidationFailed


def _raise_all(problems: list) -> None:
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationFailed("The files have %(count)s problems; nothing was imported", problems=problems,
                               count=len(problems))


class _Steps:
    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, max(total, 1), 0

    async def advance(self, units: int) -> None:
        self.done = min(self.total, self.done + units)
        if self.progress is not None:
            result = self.progress(self.done, self.total)
            if inspect.isawaitable(result):
                await result


async def import_catalog(data: CatalogImport, *, actor: str = "system", default_warehouse: str | None = None,
                         progress: Progress | None = None) -> ImportReport:
    """Applies the import; returns what was created, updated, left unchanged or skipped per kind, the
    notes, and the numbers of the inventory documents that set the stock. `default_warehouse` (a
    code) receives stock that names no warehouse (default: MAIN, else the first open one)."""
    started = time.perf_counter()
    report = ImportReport()
    variants_total = sum(len(p.variants) for p in data.products) + len(data.offers)
    steps = _Steps(progress, len(data.groups) + len(data.properties) + len(data.price_types) + len(data.warehouses)
                   + 2 * len(data.products) + 3 * variants_total + 1)
    async with write_tx():
        await ensure_units()
        await ensure_default_price_types()
        plan = await make_plan(data)
        _raise_all([*plan.problems, *_offers.price_problems(plan)])
        report.notes.extend(plan.notes)
        res = _reference.Resolved()
        await _reference.load_units(res)
        await _reference.write_categories(data, report, res)
        await _reference.write_properties(data, report, res)
        await _reference.write_price_types(data, plan, report, res)
        await _reference.write_warehouses(data, plan, report, res, actor)
        await steps.advance(len(data.groups) + len(data.properties) + len(data.price_types) + len(data.warehouses))
        names = await _goods.write_products(plan, res, report)
        await _goods.write_property_values(plan, res, report)
        await steps.advance(2 * len(data.products))
        variant_ids = await _goods.write_variants(plan, names, report)
        await steps.advance(variants_total)
        await _offers.write_barcodes(plan, variant_ids, report)
        await _offers.write_prices(plan, variant_ids, res, report)
        await steps.advance(variants_total)
        await _stock.write_stock(plan, variant_ids, res, report, actor=actor, default_code=default_warehouse)
        await cards_changed(plan.changed_products)  # prices and stock note their own changes
        summary = {kind: vars(c) for kind, c in report.counts.items() if c.total()}
        await record(actor, "catalog.import", "import", data.source,
                     {"full": data.full, "counts": summary, "stock_documents": report.stock_documents,
                      "notes": len(report.notes)})
        await emit("catalog.imported", {"source": data.source, "counts": summary})
    await steps.advance(steps.total)
    report.seconds = time.perf_counter() - started
    return report
