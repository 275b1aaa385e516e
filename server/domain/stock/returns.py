"""Goods a customer handed back at the door (a partial delivery): a posted `return` document (ВЗ-…) of
the order brings the units back into the warehouse, at the cost they left with and into the bins the
order's shipment took them from. Unposting it (the whole order returned later) takes them out again."""

from __future__ import annotations

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.stock import _posting
from server.domain.stock.numbering import next_number
from server.domain.stock.tables import StockDocument, StockDocumentLine
from server.errors import ValidationFailed


async def _shipped(order_ref: str, warehouse_id: int) -> dict[int, dict]:
    """Per variant of the order's posted shipments: units shipped, their cost, a bin they came from."""
    docs = await StockDocument.select(StockDocument.id).where(
        (StockDocument.order_ref == order_ref) & (StockDocument.kind == "shipment")
        & (StockDocument.status == "posted") & (StockDocument.warehouse == warehouse_id))
    out: dict[int, dict] = {}
    for doc in docs:
        for move in await _posting.effective_moves(doc["id"]):
            got = out.setdefault(move["variant"], {"qty": 0, "cost": 0, "bin": None})
            got["qty"] += -move["qty"]
            got["cost"] += -move["cost"]
            got["bin"] = got["bin"] or move["bin"]
    return out


async def return_from_customer(order_ref: str, warehouse_id: int, quantities: dict[int, int], *,
                               actor: str = "system", comment: str = "") -> int:
    """Posts a return of `quantities` (variant → units, each > 0 and at most what the order's shipments
    took out) and returns the document id."""
    async with write_tx():
        shipped = await _shipped(order_ref, warehouse_id)
        lines = []
        for variant, qty in sorted(quantities.items()):
            got = shipped.get(variant)
            if got is None or not isinstance(qty, int) or not 0 < qty <= got["qty"]:
                raise ValidationFailed("Only units the order's shipment took out can come back", field="lines")
            unit_cost = got["cost"] // got["qty"] if got["qty"] else 0
            lines.append((variant, qty, got["bin"], unit_cost))
        if not lines:
            raise ValidationFailed("Add at least one line", field="lines")
        number = await next_number("return")
        doc = StockDocument(number=number, kind="return", status="draft", warehouse=warehouse_id,
                            order_ref=order_ref, created_by=actor, comment=comment[:2000])
        await doc.save()
        await StockDocumentLine.insert(*[
            StockDocumentLine(document=doc.id, variant=v, qty=q, bin=b, price=c, position=n)
            for n, (v, q, b, c) in enumerate(lines)])
        await record(actor, "document.create", "stock_document", doc.id,
                     {"number": number, "kind": "return", "order_ref": order_ref, "lines": len(lines)})
        await _posting.post(await _posting.lock_document(doc.id), actor)
    return doc.id



