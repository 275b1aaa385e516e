"""The read side of receiving: the expected receipts of a warehouse, one receipt's screen (expected,
counted, difference, put-away bins), and the discrepancy kept at posting for the manager's document page.
No prices anywhere: pickers never see money."""

from __future__ import annotations

from server.domain.catalog.tables import Variant
from server.domain.receiving._context import load_counted, load_receipt
from server.domain.receiving.posting import posted_results
from server.domain.receiving.putaway import suggest_bins
from server.domain.receiving.tables import ReceivingResult, ReceivingScan
from server.domain.stock.tables import Bin, StockDocument, StockDocumentLine, Warehouse

RECENT_SCANS = 8


async def warehouses_with_receipts() -> list[dict]:
    """Active warehouses with the number of draft receipts waiting in each."""
    rows = await Warehouse.select(Warehouse.id, Warehouse.code, Warehouse.name).where(
        Warehouse.active == True).order_by(Warehouse.id)  # noqa: E712 - Piccolo builds SQL from ==
    drafts = await StockDocument.raw(
        "SELECT warehouse, COUNT(*) AS n FROM stock_document WHERE kind = 'receipt' AND status = 'draft' "
        "GROUP BY warehouse")
    waiting = {r["warehouse"]: r["n"] for r in drafts}
    return [{**r, "waiting": waiting.get(r["id"], 0)} for r in rows]


async def expected_receipts(warehouse_id: int) -> list[dict]:
    """Draft receipts of the warehouse, newest first: number, supplier, lines, units expected and counted."""
    docs = await (StockDocument.select(StockDocument.id, StockDocument.number, StockDocument.supplier,
                                       StockDocument.created_at)
                  .where((StockDocument.kind == "receipt") & (StockDocument.status == "draft")
                         & (StockDocument.warehouse == warehouse_id))
                  .order_by(StockDocument.id, ascending=False).limit(200))
    ids = [d["id"] for d in docs] or [0]
    marks = ", ".join("{}" for _ in ids)
    lines = await StockDocumentLine.raw(
        f"SELECT document, COUNT(DISTINCT variant) AS lines, SUM(qty) AS units FROM stock_document_line "
        f"WHERE document IN ({marks}) GROUP BY document", *ids)
    scans = await StockDocument.raw(
        f"SELECT document, SUM(units) AS units FROM receiving_scan WHERE document IN ({marks}) GROUP BY document",
        *ids)
    by_doc = {r["document"]: r for r in lines}
    counted = {r["document"]: int(r["units"] or 0) for r in scans}
    return [{**d, "lines": int((by_doc.get(d["id"]) or {}).get("lines") or 0),
             "units": int((by_doc.get(d["id"]) or {}).get("units") or 0), "counted": counted.get(d["id"], 0)}
            for d in docs]


async def _goods(variant_ids: list[int]) -> dict[int, dict]:
    rows = await Variant.select(Variant.id, Variant.sku, Variant.name, Variant.characteristics,
                                Variant.product.name.as_alias("product")).where(
        Variant.id.is_in(variant_ids or [0])).output(load_json=True)
    return {r["id"]: r for r in rows}


async def _addresses(bin_ids: set[int]) -> dict[int, str]:
    ids = sorted(b for b in bin_ids if b is not None)
    if not ids:
        return {}
    return {r["id"]: r["address"] for r in await Bin.select(Bin.id, Bin.address).where(Bin.id.is_in(ids))}


async def _recent(document_id: int) -> list[dict]:
    rows = await (ReceivingScan.select(ReceivingScan.id, ReceivingScan.result, ReceivingScan.units,
                                       ReceivingScan.message, ReceivingScan.actor)
                  .where(ReceivingScan.document == document_id).order_by(ReceivingScan.id, ascending=False)
                  .limit(RECENT_SCANS).output(load_json=True))
    return rows


def _line(v: int, info: dict, expected: int, counted: int, bins: list[dict], putaway: dict | None) -> dict:
    return {"variant_id": v, "sku": info.get("sku", str(v)), "product": info.get("product", ""),
            "variant": info.get("name", ""), "characteristics": info.get("characteristics") or {},
            "expected": expected, "counted": counted, "difference": counted - expected,
            "surplus": expected == 0, "bins": bins, "putaway": putaway}


async def receiving_screen(document_id: int) -> dict:
    """Everything the receiving screen shows. Posted receipts show what was kept at posting."""
    receipt = await load_receipt(document_id)
    warehouse = await Warehouse.select(Warehouse.id, Warehouse.code, Warehouse.name).where(
        Warehouse.id == receipt.warehouse_id).first()
    counted = await load_counted(document_id)
    kept = await posted_results(document_id) if receipt.status == "posted" else []
    if kept:
        expected = {x.variant_id: x.expected for x in kept}
        order = [x.variant_id for x in kept]
    else:
        expected = receipt.expected
        order = receipt.order + [v for v in counted.variants if v not in receipt.expected]
    goods = await _goods(order)
    places = {(v, b): u for (v, b), u in counted.by_place.items() if u > 0}
    taken = {b for (_v, b) in places if b is not None}
    needing = [v for v in order if counted.last_bin.get(v) is None and v not in receipt.line_bins]
    suggested = await suggest_bins(receipt.warehouse_id, needing, taken=taken) if receipt.status == "draft" else {}
    names = await _addresses(taken | set(receipt.line_bins.values()) | {b for b in counted.last_bin.values() if b})
    lines = []
    for v in order:
        bins = [{"address": names.get(b, "—") if b else "—", "units": u} for (pv, b), u in places.items() if pv == v]
        chosen = counted.last_bin.get(v) or receipt.line_bins.get(v)
        s = suggested.get(v)
        putaway = ({"address": names.get(chosen, ""), "why": "chosen"} if chosen
                   else {"address": s.address, "why": s.why} if s else None)
        total = counted.total(v) if not kept else next(x.counted for x in kept if x.variant_id == v)
        lines.append(_line(v, goods.get(v, {}), expected.get(v, 0), total, bins, putaway))
    expected_lines = [x for x in lines if not x["surplus"]]
    return {
        "id": receipt.id, "number": receipt.number, "status": receipt.status, "supplier": receipt.supplier,
        "warehouse": warehouse, "expected_lines": expected_lines, "surplus_lines": [x for x in lines if x["surplus"]],
        "totals": {
            "expected": sum(x["expected"] for x in lines), "counted": sum(x["counted"] for x in lines),
            "shortage": sum(-x["difference"] for x in lines if x["difference"] < 0),
            "surplus": sum(x["difference"] for x in lines if x["difference"] > 0),
        },
        "recent": await _recent(document_id),
    }


async def receiving_result(document_id: int) -> dict | None:
    """What the warehouse received on a receipt posted from the device, for the manager: None when the receipt
    was not received by scanning. {"lines": [{"variant_id", "sku", "name", "expected", "counted",
    "difference"}] in the order kept at posting, "expected", "counted", "shortage", "surplus" (units),
    "received_by" (who posted it), "received_at", "scanned_by" (who counted, in the order they first scanned)}."""
    rows = await (ReceivingResult.select(ReceivingResult.variant, ReceivingResult.expected, ReceivingResult.counted,
                                         ReceivingResult.posted_by, ReceivingResult.posted_at)
                  .where(ReceivingResult.document == document_id).order_by(ReceivingResult.id))
    if not rows:
        return None
    goods = await _goods([r["variant"] for r in rows])
    lines = []
    for r in rows:
        info = goods.get(r["variant"], {})
        name = ", ".join(p for p in (info.get("product"), info.get("name")) if p)
        lines.append({"variant_id": r["variant"], "sku": info.get("sku", str(r["variant"])), "name": name,
                      "expected": r["expected"], "counted": r["counted"], "difference": r["counted"] - r["expected"]})
    actors = await (ReceivingScan.select(ReceivingScan.actor)
                    .where((ReceivingScan.document == document_id) & (ReceivingScan.units != 0))
                    .order_by(ReceivingScan.id))
    scanned_by = list(dict.fromkeys(a["actor"] for a in actors if a["actor"]))
    return {
        "lines": lines, "expected": sum(x["expected"] for x in lines), "counted": sum(x["counted"] for x in lines),
        "shortage": sum(-x["difference"] for x in lines if x["difference"] < 0),
        "surplus": sum(x["difference"] for x in lines if x["difference"] > 0),
        "received_by": rows[0]["posted_by"], "received_at": rows[0]["posted_at"], "scanned_by": scanned_by,
    }
