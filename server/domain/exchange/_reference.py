"""Groups → categories, properties, price types, warehouses and units of an import. Internal.

Each is found by its external id first (an earlier import), then by its name among ours (a category
of the same name under the same parent, a property or price type or warehouse of the same name: the
shop may have typed them before), else created. Renames and moves from the source are applied to
rows it owns; nothing is deleted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from server.domain.catalog.prices import DEFAULT_PRICE_TYPES
from server.domain.catalog.tables import Category, PriceType, Property, Unit
from server.domain.exchange import _sql
from server.domain.exchange._names import code_for, warehouse_code
from server.domain.exchange._plan import Plan
from server.domain.exchange.dto import CatalogImport, ImportReport, is_roubles, note_of
from server.domain.exchange.refs import claimed, load_refs, save_refs
from server.domain.stock.tables import Warehouse
from server.domain.stock.warehouses import create_warehouse
from server.errors import ValidationFailed

WELL_KNOWN_PRICE_TYPES = {name.casefold(): code for code, name, _sort in DEFAULT_PRICE_TYPES}
DEFAULT_UNIT = "796"


@dataclass
class Resolved:
    categories: dict[str, int] = field(default_factory=dict)
    properties: dict[str, dict] = field(default_factory=dict)  # external id → property row
    price_types: dict[str, int] = field(default_factory=dict)
    skipped_price_types: set[str] = field(default_factory=set)
    warehouses: dict[str, int] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)  # our unit code → id
    unit_names: dict[str, str] = field(default_factory=dict)  # casefolded name → code


def _clean(name: str, limit: int) -> str:
    return " ".join((name or "").split())[:limit]


async def write_categories(data: CatalogImport, report: ImportReport, out: Resolved) -> None:
    counts = report["categories"]
    ids = await load_refs(data.source, "category", [g.external_id for g in data.groups])
    rows = {r["id"]: r for r in await Category.select(Category.id, Category.name, Category.parent)}
    taken = await claimed(data.source, "category")
    new_refs = []
    for g in data.groups:
        name = _clean(g.name, 200)
        parent = ids.get(g.parent_id) if g.parent_id else None
        cid = ids.get(g.external_id)
        row = rows.get(cid) if cid else None
        if row is not None:
            moves = row["parent"] != parent and not _inside(rows, parent, cid)
            if row["name"] != name or moves:
                values = {Category.name: name, **({Category.parent: parent} if moves else {})}
                await Category.update(values).where(Category.id == cid)
                row.update(name=name, parent=parent if moves else row["parent"])
                counts.updated += 1
            else:
                counts.unchanged += 1
            continue
        same = next((r for r in rows.values() if r["parent"] == parent and r["name"].casefold() == name.casefold()
                     and r["id"] not in taken), None)
        if same is not None:
            cid = same["id"]
            counts.unchanged += 1
        else:
            made = await _sql.raw("INSERT INTO category (name, parent, sort) VALUES ({}, {}, 0) RETURNING id",
                                  name, parent)
            cid = int(made[0]["id"])
            rows[cid] = {"id": cid, "name": name, "parent": parent}
            counts.created += 1
        ids[g.external_id] = cid
        taken.add(cid)
        new_refs.append((g.external_id, cid, name))
    await save_refs(data.source, "category", new_refs)
    out.categories = ids


def _inside(rows: dict[int, dict], parent: int | None, category_id: int) -> bool:
    """True when `parent` is the category itself or below it (a move there would make a loop)."""
    seen: set[int] = set()
    while parent is not None and parent not in seen:
        if parent == category_id:
            return True
        seen.add(parent)
        parent = rows.get(parent, {}).get("parent")
    return False


async def write_properties(data: CatalogImport, report: ImportReport, out: Resolved) -> None:
    counts = report["properties"]
    refs = await load_refs(data.source, "property", [p.external_id for p in data.properties])
    rows = {r["id"]: dict(r) for r in await Property.select().output(load_json=True)}
    codes = {r["code"] for r in rows.values()}
    taken = await claimed(data.source, "property")
    new_refs = []
    for p in data.properties:
        name = _clean(p.name, 200) or p.external_id[:200]
        choices = list(dict.fromkeys(_clean(c, 300) for c in p.choices.values() if c.strip()))
        kind = "text" if p.kind == "choice" and not choices else p.kind
        row = rows.get(refs.get(p.external_id, -1))
        if row is None:
            row = next((r for r in rows.values() if r["name"].casefold() == name.casefold() and r["kind"] == kind
                        and r["id"] not in taken), None)
            if row is not None:
                taken.add(row["id"])
                new_refs.append((p.external_id, row["id"], name))
        if row is None:
            code = code_for(name, codes, 64, "prop")
            made = await _sql.raw("INSERT INTO property (code, name, kind, unit, choices) VALUES ({}, {}, {}, '', {}) "
                                  "RETURNING id", code, name, kind, json.dumps(choices if kind == "choice" else []))
            row = {"id": int(made[0]["id"]), "code": code, "name": name, "kind": kind, "unit": "",
                   "choices": choices if kind == "choice" else []}
            rows[row["id"]] = row
            new_refs.append((p.external_id, row["id"], name))
            counts.created += 1
        else:
            merged = [*row["choices"], *(c for c in choices if c not in row["choices"])] if row["kind"] == "choice" \
                else row["choices"]
            renamed = p.external_id in refs and row["name"] != name
            if merged != row["choices"] or renamed:
                await Property.update({Property.choices: merged, Property.name: name if renamed else row["name"]}
                                      ).where(Property.id == row["id"])
                row.update(choices=merged, name=name if renamed else row["name"])
                counts.updated += 1
            else:
                counts.unchanged += 1
        out.properties[p.external_id] = row
    await save_refs(data.source, "property", new_refs)
    for ext, pid in refs.items():  # described before, only referred to now
        if ext not in out.properties and pid in rows:
            out.properties[ext] = rows[pid]


async def write_price_types(data: CatalogImport, plan: Plan, report: ImportReport, out: Resolved) -> None:
    counts = report["price_types"]
    rows = {r["id"]: r for r in await PriceType.select(PriceType.id, PriceType.code, PriceType.name)}
    codes = {r["code"] for r in rows.values()}
    taken = await claimed(data.source, "price_type")
    new_refs = []
    for t in data.price_types:
        name = _clean(t.name, 100) or t.external_id[:100]
        if not is_roubles(t.currency):
            out.skipped_price_types.add(t.external_id)
            counts.skipped += 1
            report.notes.append(note_of(ValidationFailed(
                "Price type %(name)s is in %(currency)s: its prices are not imported", name=name,
                currency=t.currency)))
            continue
        tid = plan.price_type_refs.get(t.external_id)
        if tid in rows:
            counts.unchanged += 1
        else:
            known = WELL_KNOWN_PRICE_TYPES.get(name.casefold())
            row = next((r for r in rows.values() if r["id"] not in taken and ((known and r["code"] == known)
                        or r["name"].casefold() == name.casefold())), None)
            if row is not None:
                tid = row["id"]
                counts.unchanged += 1
            else:
                code = code_for(name, codes, 32, "price")
                made = await _sql.raw("INSERT INTO price_type (code, name, sort) VALUES ({}, {}, "
                                      "(SELECT COALESCE(MAX(sort), 0) + 10 FROM price_type)) RETURNING id", code, name)
                tid = int(made[0]["id"])
                rows[tid] = {"id": tid, "code": code, "name": name}
                counts.created += 1
            taken.add(tid)
            new_refs.append((t.external_id, tid, name))
        out.price_types[t.external_id] = tid
    await save_refs(data.source, "price_type", new_refs)
    for ext, tid in plan.price_type_refs.items():
        if ext not in out.price_types and ext not in out.skipped_price_types and tid in rows:
            out.price_types[ext] = tid


async def write_warehouses(data: CatalogImport, plan: Plan, report: ImportReport, out: Resolved,
                           actor: str) -> None:
    counts = report["warehouses"]
    rows = {r["id"]: r for r in await Warehouse.select(Warehouse.id, Warehouse.code, Warehouse.name)}
    codes = {r["code"].lower() for r in rows.values()}
    taken = await claimed(data.source, "warehouse")
    new_refs = []
    for w in data.warehouses:
        name = _clean(w.name, 200) or w.external_id[:200]
        wid = plan.warehouse_refs.get(w.external_id)
        if wid in rows:
            counts.unchanged += 1
        else:
            row = next((r for r in rows.values() if r["name"].casefold() == name.casefold() and r["id"] not in taken),
                       None)
            if row is not None:
                wid = row["id"]
                counts.unchanged += 1
            else:
                code = warehouse_code(name, codes)
                wid = await create_warehouse(code, name, address=_clean(w.address, 300), actor=actor)
                rows[wid] = {"id": wid, "code": code.upper(), "name": name}
                counts.created += 1
            taken.add(wid)
            new_refs.append((w.external_id, wid, name))
        out.warehouses[w.external_id] = wid
    await save_refs(data.source, "warehouse", new_refs)
    for ext, wid in plan.warehouse_refs.items():
        out.warehouses.setdefault(ext, wid)


async def load_units(out: Resolved) -> None:
    for r in await Unit.select(Unit.id, Unit.code, Unit.name):
        out.units[r["code"]] = r["id"]
        out.unit_names.setdefault(r["name"].casefold(), r["code"])


async def unit_for(code: str, name: str, report: ImportReport, out: Resolved) -> int:
    """Our unit for an OKEI code (made when new) or, without a code, a unit of that name; else pieces."""
    code = (code or "").strip()[:8]
    name = _clean(name, 32)
    if code and code in out.units:
        return out.units[code]
    if code:
        made = await _sql.raw("INSERT INTO unit (code, name) VALUES ({}, {}) RETURNING id", code, name or code)
        out.units[code] = int(made[0]["id"])
        report["units"].created += 1
        return out.units[code]
    known = out.unit_names.get(name.casefold()) if name else None
    return out.units[known or DEFAULT_UNIT]
