"""Stock of an import: the counts 1C sends become inventory documents, posted through the ledger.

For every warehouse, the variants whose count differs from what is on hand become the lines of an
inventory count (at most LINES_PER_DOCUMENT lines each) posted with server.domain.stock.documents,
so moves, costs and balances stay the ledger's own. Equal counts write nothing. A count below what
is reserved is refused by the ledger (InsufficientStock), and with it the whole import. Internal.
"""

from __future__ import annotations

from decimal import Decimal

from server.domain.exchange import _sql
from server.domain.exchange._plan import Plan
from server.domain.exchange._reference import Resolved
from server.domain.exchange.dto import ImportReport
from server.domain.stock.documents import create_document
from server.domain.stock.dto import DocumentInput, LineInput
from server.domain.stock.tables import StockDocument, Warehouse
from server.domain.stock.warehouses import create_warehouse
from server.errors import NotFound

LINES_PER_DOCUMENT = 1000
DEFAULT_CODE = "MAIN"


async def default_warehouse(code: str | None, report: ImportReport, actor: str) -> int:
    """Where stock goes that names no warehouse: the given code, else MAIN, else the first open
    warehouse, else a new MAIN «Основной склад»."""
    if code:
        row = await Warehouse.select(Warehouse.id).where(Warehouse.code == code.strip().upper()).first()
        if row is None:
            raise NotFound("Unknown warehouse %(code)s", field="warehouse", code=code)
        return row["id"]
    row = await Warehouse.select(Warehouse.id).where(Warehouse.code == DEFAULT_CODE).first()
    row = row or await Warehouse.select(Warehouse.id).where(Warehouse.active == True).order_by(  # noqa: E712
        Warehouse.id).first()
    if row is not None:
        return row["id"]
    report["warehouses"].created += 1
    return await create_warehouse(DEFAULT_CODE, "Основной склад", actor=actor)


async def write_stock(plan: Plan, variant_ids: dict[str, int], res: Resolved, report: ImportReport, *,
                      actor: str, default_code: str | None) -> None:
    counts = report["stock"]
    wanted: dict[tuple[int, int], int] = {}
    unnamed: dict[int, int] = {}
    for item in plan.items:
        for v in item.variants:
            vid = variant_ids.get(v.external_id)
            for place, qty in v.stock.items():
                if vid is None:
                    continue
                if not place:
                    unnamed[vid] = int(Decimal(qty))
                else:
                    wanted[(vid, res.warehouses[place])] = int(Decimal(qty))
    if any(unnamed.values()) or (unnamed and (default_code or await Warehouse.exists())):
        home = await default_warehouse(default_code, report, actor)
        for vid, qty in unnamed.items():
            wanted.setdefault((vid, home), qty)
    else:  # only zeros, and no warehouse yet: nothing to count
        counts.unchanged += len(unnamed)
    if not wanted:
        return
    rows = await _sql.select_in("SELECT variant, warehouse, on_hand FROM stock_balance WHERE variant IN ({in})",
                                sorted({vid for vid, _ in wanted}))
    have = {(r["variant"], r["warehouse"]): int(r["on_hand"]) for r in rows}
    by_warehouse: dict[int, list[LineInput]] = {}
    for (vid, wid), qty in sorted(wanted.items()):
        if have.get((vid, wid), 0) == qty:
            counts.unchanged += 1
            continue
        by_warehouse.setdefault(wid, []).append(LineInput(variant_id=vid, qty=qty))
        counts.updated += 1
    for wid, lines in sorted(by_warehouse.items()):
        for start in range(0, len(lines), LINES_PER_DOCUMENT):
            doc_id = await create_document(DocumentInput(kind="inventory", warehouse_id=wid,
                                                         lines=lines[start:start + LINES_PER_DOCUMENT],
                                                         comment=f"CommerceML import ({plan.source})"),
                                           actor=actor, post=True)
            row = await StockDocument.select(StockDocument.number).where(StockDocument.id == doc_id).first()
            report.stock_documents.append(row["number"])
