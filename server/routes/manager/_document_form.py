"""The document editor's form: parse what the browser sent, turn it into a DocumentInput, add a line
from a scanned or typed code, and load what the template needs (warehouses, bins).

The draft lives in the form until it is saved: every line is a row of inputs (line_variant, line_qty,
line_bin, line_dest_bin, line_price, plus line_sku/line_name for display), so scanning, changing the
warehouse or a failed save re-render exactly what the user typed, and nothing is written before Save.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.domain.catalog.barcodes import find_by_code
from server.domain.catalog.search import search_variants
from server.domain.stock.dto import DocumentInput, LineInput
from server.domain.stock.warehouses import list_bins, list_warehouses
from server.errors import DomainError, ValidationFailed
from server.routes.manager._common import money_input, parse_money, parse_qty, to_int

KINDS = ("receipt", "transfer", "write_off", "inventory")
MAX_LINES = 500
MAX_QTY = 1_000_000  # per line, as typed into the form


@dataclass
class LineForm:
    variant_id: int
    sku: str = ""
    name: str = ""
    qty: str = "1"  # as typed
    bin_id: int | None = None
    dest_bin_id: int | None = None
    price: str = ""  # roubles, as typed (receipts)
    book_qty: int | None = None


@dataclass
class DocumentForm:
    kind: str
    warehouse_id: int | None = None
    dest_warehouse_id: int | None = None
    supplier: str = ""
    reason: str = ""
    comment: str = ""
    lines: list[LineForm] = field(default_factory=list)

    def to_input(self) -> DocumentInput:
        """Raises ValidationFailed (all problems at once) for what only the form can check."""
        problems: list[DomainError] = []
        if not self.warehouse_id:
            problems.append(ValidationFailed("Choose a warehouse", field="warehouse_id"))
        lines = []
        for n, line in enumerate(self.lines, start=1):
            price = parse_money(line.price) if self.kind == "receipt" else 0
            if price is None:
                problems.append(ValidationFailed("Line %(line)s: the price must be a sum in roubles, e.g. 149,90",
                                                 field=f"lines[{n - 1}]", line=n))
            qty = parse_qty(line.qty)
            if isinstance(qty, int) and abs(qty) > MAX_QTY:
                problems.append(ValidationFailed("Line %(line)s: the quantity must be at most %(max)s",
                                                 field=f"lines[{n - 1}]", line=n, max=MAX_QTY))
            lines.append(LineInput(variant_id=line.variant_id, qty=qty,  # type: ignore[arg-type]
                                   bin_id=line.bin_id, dest_bin_id=line.dest_bin_id if self.kind == "transfer" else None,
                                   price=price or 0))
        if len(problems) == 1:
            raise problems[0]
        if problems:
            raise ValidationFailed("The document has %(count)s errors", problems=problems, count=len(problems))
        return DocumentInput(kind=self.kind, warehouse_id=self.warehouse_id or 0, lines=lines,
                             dest_warehouse_id=self.dest_warehouse_id if self.kind == "transfer" else None,
                             supplier=self.supplier, reason=self.reason, comment=self.comment)


def _text(form: Any, name: str, limit: int = 4000) -> str:
    return str(form.get(name) or "").strip()[:limit]


def parse_form(form: Any, kind: str) -> DocumentForm:
    """The browser's form (a multi-dict) → DocumentForm. Lines missing a variant are dropped."""
    doc = DocumentForm(kind=kind, warehouse_id=to_int(form.get("warehouse_id")),
                       dest_warehouse_id=to_int(form.get("dest_warehouse_id")), supplier=_text(form, "supplier"),
                       reason=_text(form, "reason"), comment=_text(form, "comment"))
    columns = {name: form.getall(name, []) for name in
               ("line_variant", "line_sku", "line_name", "line_qty", "line_bin", "line_dest_bin", "line_price")}
    for i, raw_variant in enumerate(columns["line_variant"][:MAX_LINES]):
        variant_id = to_int(raw_variant)
        if variant_id is None:
            continue

        def col(name: str, i: int = i) -> str:
            values = columns[name]
            return str(values[i]).strip() if i < len(values) else ""

        doc.lines.append(LineForm(variant_id=variant_id, sku=col("line_sku")[:64], name=col("line_name")[:300],
                                  qty=col("line_qty")[:12], bin_id=to_int(col("line_bin")),
                                  dest_bin_id=to_int(col("line_dest_bin")), price=col("line_price")[:16]))
    return doc


def form_from_document(doc: dict) -> DocumentForm:
    """A saved document (documents.get_document) → the editor's form."""
    return DocumentForm(
        kind=doc["kind"], warehouse_id=(doc.get("warehouse") or {}).get("id"),
        dest_warehouse_id=(doc.get("dest_warehouse") or {}).get("id"), supplier=doc.get("supplier") or "",
        reason=doc.get("reason") or "", comment=doc.get("comment") or "",
        lines=[LineForm(variant_id=line["variant_id"], sku=line["sku"], name=line["name"], qty=str(line["qty"]),
                        bin_id=(line.get("bin") or {}).get("id"), dest_bin_id=(line.get("dest_bin") or {}).get("id"),
                        price=money_input(line.get("price")), book_qty=line.get("book_qty"))
               for line in doc["lines"]],
    )


def _add_qty(line: LineForm, units: int) -> None:
    line.qty = str((to_int(line.qty) or 0) + units)


@dataclass
class ScanResult:
    error: str | None = None  # English msgid
    params: dict[str, Any] = field(default_factory=dict)
    choices: list = field(default_factory=list)  # VariantRow candidates when the text means several
    more: int = 0  # how many more candidates matched than are offered
    added: LineForm | None = None
    units: int = 0  # how many units the scan added
    removed: LineForm | None = None


def is_edit(form: Any) -> bool:
    """The form asks to change the draft on screen (scan, pick, remove a line), not to save it."""
    return form.get("action") == "scan" or bool(form.get("pick")) or form.get("remove") not in (None, "")


async def apply_edit(doc: DocumentForm, form: Any) -> ScanResult:
    """Removes a line (remove=<index>), adds a picked variant (pick=<sku>) or what was scanned or typed
    into the scan field (code=..., sent with action=scan). Anything else only re-renders."""
    remove = to_int(form.get("remove"))
    if remove is not None:
        if 0 <= remove < len(doc.lines):
            return ScanResult(removed=doc.lines.pop(remove))
        return ScanResult()
    pick = str(form.get("pick") or "").strip()[:64]
    if pick:
        return await add_picked(doc, pick)
    if form.get("action") == "scan":
        return await add_by_code(doc, str(form.get("code") or ""))
    return ScanResult()


async def add_picked(doc: DocumentForm, sku: str) -> ScanResult:
    """A variant chosen from the candidates of a search, by its SKU (exactly that SKU, one unit)."""
    if len(doc.lines) >= MAX_LINES:
        return ScanResult(error="A document holds at most %(n)s lines", params={"n": MAX_LINES})
    found = await find_by_code(sku)
    if found is not None and found.sku == sku and found.matched == "sku":
        return ScanResult(added=_merge(doc, found.variant_id, found.sku, found.name, 1), units=1)
    rows, _total = await search_variants(sku, limit=50)
    for row in rows:
        if row.sku == sku:
            name = ", ".join(p for p in (row.product_name, row.variant_name) if p)
            return ScanResult(added=_merge(doc, row.variant_id, row.sku, name, 1), units=1)
    return ScanResult(error="Nothing found for «%(code)s»", params={"code": sku})


async def add_by_code(doc: DocumentForm, code: str) -> ScanResult:
    """A barcode (package barcodes count their multiplier), a SKU, or a piece of a name: one match adds
    a line or adds to the line of the same variant; several matches are offered to choose from."""
    code = code.strip()[:200]
    if not code:
        return ScanResult()
    if len(doc.lines) >= MAX_LINES:
        return ScanResult(error="A document holds at most %(n)s lines", params={"n": MAX_LINES})
    found = await find_by_code(code)
    if found is not None:
        return ScanResult(added=_merge(doc, found.variant_id, found.sku, found.name, found.multiplier),
                          units=found.multiplier)
    rows, total = await search_variants(code, limit=10)
    if total == 1 and rows:
        row = rows[0]
        name = ", ".join(p for p in (row.product_name, row.variant_name) if p)
        return ScanResult(added=_merge(doc, row.variant_id, row.sku, name, 1), units=1)
    if rows:
        return ScanResult(choices=rows, more=max(0, total - len(rows)))
    return ScanResult(error="Nothing found for «%(code)s»", params={"code": code})


def _merge(doc: DocumentForm, variant_id: int, sku: str, name: str, units: int) -> LineForm:
    for line in doc.lines:
        if line.variant_id == variant_id:
            _add_qty(line, units)
            return line
    previous = doc.lines[-1] if doc.lines else None
    line = LineForm(variant_id=variant_id, sku=sku, name=name, qty=str(units),
                    bin_id=previous.bin_id if previous else None,
                    dest_bin_id=previous.dest_bin_id if previous else None)
    doc.lines.append(line)
    return line


async def editor_context(doc: DocumentForm) -> dict[str, Any]:
    """Warehouses and the bins of the chosen ones; bins of another warehouse are dropped from lines."""
    warehouses = [w for w in await list_warehouses() if w["active"]]
    if doc.warehouse_id is None and warehouses:
        doc.warehouse_id = warehouses[0]["id"]
    bins = await list_bins(doc.warehouse_id) if doc.warehouse_id else []
    dest_id = doc.dest_warehouse_id or doc.warehouse_id
    dest_bins = (await list_bins(dest_id) if dest_id != doc.warehouse_id else bins) if dest_id else []
    own, dest = {b["id"] for b in bins}, {b["id"] for b in dest_bins}
    for line in doc.lines:
        if line.bin_id not in own:
            line.bin_id = None
        if line.dest_bin_id not in dest:
            line.dest_bin_id = None
    return {"doc": doc, "warehouses": warehouses, "bins": bins, "dest_bins": dest_bins}
