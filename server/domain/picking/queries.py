"""The read side of picking: one pick list as the picker's device needs it, and the lists of a picker.

`pick_list_snapshot` is everything the device needs to keep verifying scans with the network gone:
the lines (bin, goods, image, quantities), every barcode and SKU of the goods with its multiplier, the
GTINs of marked goods, the marking codes already taken on the list and the warehouse's bin addresses.
The page renders it and the service worker keeps it (server/routes/warehouse/picking.py).
"""

from __future__ import annotations

from server.domain.catalog.tables import Barcode, Variant
from server.domain.marking.tables import UnitCode
from server.domain.picking._context import display_name, load_context, utc
from server.domain.picking.tables import PickList, PickListOrder, PickShortage
from server.domain.stock.tables import Warehouse


async def _goods(variant_ids: list[int]) -> tuple[dict[int, dict], dict[str, dict]]:
    """Per variant: characteristics, image, GTINs; and every code (barcode, SKU) → variant, multiplier."""
    if not variant_ids:
        return {}, {}
    rows = await Variant.select(Variant.id, Variant.sku, Variant.characteristics, Variant.product,
                                Variant.product.image_urls.as_alias("images")).where(
        Variant.id.is_in(variant_ids)).output(load_json=True)
    goods = {r["id"]: {"characteristics": r["characteristics"] or {},
                       "image": (r["images"] or [None])[0], "gtins": []} for r in rows}
    codes: dict[str, dict] = {r["sku"].upper(): {"variant_id": r["id"], "multiplier": 1, "sku": True} for r in rows}
    for b in await Barcode.select(Barcode.variant, Barcode.code, Barcode.kind, Barcode.multiplier).where(
            Barcode.variant.is_in(variant_ids)):
        codes[b["code"].upper()] = {"variant_id": b["variant"], "multiplier": b["multiplier"], "sku": False}
        if b["multiplier"] == 1 and b["code"].isdigit() and len(b["code"]) in (8, 12, 13, 14):
            goods[b["variant"]]["gtins"].append(b["code"].rjust(14, "0"))
    return goods, codes


async def _other_variants(product_ids: set[int], variant_ids: set[int]) -> dict[str, dict]:
    """Every barcode and SKU of the other variants of these products → that variant (name, product)."""
    if not product_ids:
        return {}
    rows = await Variant.select(Variant.id, Variant.sku, Variant.name, Variant.product,
                                Variant.product.name.as_alias("product_name")).where(
        (Variant.product.is_in(sorted(product_ids))) & (Variant.id.not_in(sorted(variant_ids) or [0])))
    if not rows:
        return {}
    found = {r["id"]: {"variant_id": r["id"], "product_id": r["product"],
                       "name": display_name(r["product_name"], r["name"])} for r in rows}
    codes = {r["sku"].upper(): found[r["id"]] for r in rows}
    for b in await Barcode.select(Barcode.variant, Barcode.code).where(Barcode.variant.is_in(list(found))):
        codes[b["code"].upper()] = found[b["variant"]]
    return codes


async def pick_list_snapshot(pick_list_id: int) -> dict:
    ctx = await load_context(pick_list_id)
    head = await PickList.select().where(PickList.id == pick_list_id).first()
    warehouse = await Warehouse.select(Warehouse.id, Warehouse.code, Warehouse.name).where(
        Warehouse.id == ctx.warehouse_id).first()
    members = await PickListOrder.select(
        PickListOrder.order, PickListOrder.position, PickListOrder.packed_at,
        PickListOrder.order.number.as_alias("number"), PickListOrder.order.status.as_alias("status"),
        PickListOrder.order.contact_name.as_alias("contact_name"),
        PickListOrder.order.delivery_method.as_alias("delivery_method"),
        PickListOrder.order.window_start.as_alias("window_start"),
        PickListOrder.order.window_end.as_alias("window_end"),
        PickListOrder.order.comment.as_alias("comment")).where(
        PickListOrder.pick_list == pick_list_id).order_by(PickListOrder.position)
    position = {m["order"]: m["position"] for m in members}
    goods, codes = await _goods(sorted(ctx.variants))
    shortages = await PickShortage.select(PickShortage.line, PickShortage.qty, PickShortage.resolution).where(
        PickShortage.pick_list == pick_list_id)
    open_short = {s["line"] for s in shortages if not s["resolution"]}
    used = await UnitCode.select(UnitCode.code_key).where(
        (UnitCode.order.is_in([m["order"] for m in members] or [0])) & (UnitCode.released_at.is_null()))
    lines = []
    for x in ctx.lines:
        info = goods.get(x.variant_id, {})
        lines.append({
            "id": x.id, "seq": x.seq, "order_id": x.order_id, "order_number": x.order_number,
            "order_status": x.order_status, "position": position.get(x.order_id, 0), "variant_id": x.variant_id,
            "product_id": x.product_id, "sku": x.sku, "name": x.name,
            "characteristics": info.get("characteristics", {}), "image": info.get("image"),
            "bin_id": x.bin_id, "bin": x.bin_address, "qty": x.qty, "picked": x.picked, "short": x.short,
            "left": x.left, "done": x.left == 0, "shortage_open": x.id in open_short,
            "marking_required": x.marking_required, "serial_tracked": x.serial_tracked,
            "gtins": info.get("gtins", []),
        })
    return {
        "id": ctx.id, "number": ctx.number, "status": ctx.status, "mode": ctx.mode,
        "warehouse": warehouse, "picker": head["picker"], "created_at": utc(head["created_at"]),
        "started_at": utc(head["started_at"]), "finished_at": utc(head["finished_at"]),
        "orders": [{"id": m["order"], "number": m["number"], "status": m["status"], "position": m["position"],
                    "contact_name": m["contact_name"], "delivery_method": m["delivery_method"],
                    "window_start": utc(m["window_start"]), "window_end": utc(m["window_end"]),
                    "comment": m["comment"], "packed": m["packed_at"] is not None} for m in members],
        "lines": lines,
        "codes": codes,
        "other_codes": await _other_variants({x.product_id for x in ctx.lines}, ctx.variants),
        "used_codes": sorted(u["code_key"] for u in used),
        "bins": sorted(ctx.bins.values()),
        "complete": ctx.complete,
        "totals": {"lines": len(lines), "units": sum(x.qty for x in ctx.lines),
                   "picked": sum(x.picked for x in ctx.lines), "left": sum(x.left for x in ctx.lines)},
    }


async def pick_lists(*, picker: str | None = None, status: str = "open", limit: int = 50) -> list[dict]:
    """Pick lists (newest first) with their orders and progress; `picker` limits them to one person."""
    query = PickList.select().where(PickList.status == status).order_by(PickList.id, ascending=False).limit(limit)
    if picker:
        query = query.where(PickList.picker == picker)
    heads = await query
    if not heads:
        return []
    ids = [h["id"] for h in heads]
    marks = ", ".join("{}" for _ in ids)
    progress = {r["pick_list"]: r for r in await PickList.raw(
        "SELECT pick_list, COUNT(*) AS lines, SUM(qty) AS units, SUM(picked) AS picked, "
        f"SUM(CASE WHEN picked + short >= qty THEN 1 ELSE 0 END) AS done FROM pick_line WHERE pick_list IN ({marks}) "
        "GROUP BY pick_list", *ids)}
    orders: dict[int, list[str]] = {}
    for m in await PickListOrder.select(PickListOrder.pick_list, PickListOrder.order.number.as_alias("number")).where(
            PickListOrder.pick_list.is_in(ids)).order_by(PickListOrder.position):
        orders.setdefault(m["pick_list"], []).append(m["number"])
    return [{"id": h["id"], "number": h["number"], "status": h["status"], "mode": h["mode"], "picker": h["picker"],
             "created_at": utc(h["created_at"]), "orders": orders.get(h["id"], []),
             "lines": int(progress.get(h["id"], {}).get("lines") or 0),
             "done": int(progress.get(h["id"], {}).get("done") or 0),
             "units": int(progress.get(h["id"], {}).get("units") or 0),
             "picked": int(progress.get(h["id"], {}).get("picked") or 0)} for h in heads]

