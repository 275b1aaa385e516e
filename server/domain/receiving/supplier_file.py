"""A supplier's CSV file → an expected receipt (a draft receipt document).

The file: UTF-8 (with or without a BOM) or Windows-1251; the delimiter `;`, `,` or a tab, found from the
header; a header row with Russian or English column names (Артикул/SKU, Штрихкод/Barcode/EAN,
Наименование/Name, Количество/Кол-во/Qty, Цена/Price). Each row is matched to a variant by its barcode
first (a package barcode counts its multiplier), else by its SKU. Quantities are positive whole numbers;
prices are roubles with a comma or a dot ("1 234,50") → kopecks.

All or nothing: every problem of the file is reported at once, each with its row number
("Строка 4: штрихкод 460… не найден"), and nothing is created. On success the rows of one variant are
summed into one line and `create_document(..., post=False)` makes the draft.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from server.domain.catalog.barcodes import find_by_barcode, find_by_sku
from server.domain.stock.documents import create_document
from server.domain.stock.dto import DocumentInput, LineInput
from server.errors import DomainError, ValidationFailed

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_QTY = 1_000_000
MAX_PRICE = Decimal(1_000_000_000)
MAX_PROBLEMS = 50
COLUMNS = {
    "sku": ("артикул", "арт", "sku", "article", "vendor code", "код товара"),
    "barcode": ("штрихкод", "штрих-код", "штрих код", "шк", "barcode", "bar code", "ean", "ean13", "ean-13", "gtin"),
    "name": ("наименование", "название", "товар", "name", "product", "description"),
    "qty": ("количество", "кол-во", "колво", "кол", "qty", "quantity", "count"),
    "price": ("цена", "цена за единицу", "цена за шт", "price", "unit price", "cost"),
}


@dataclass
class FileRow:
    row: int  # the row number in the file (the header is row 1)
    variant_id: int
    qty: int  # units (a package barcode's multiplier applied)
    amount: int  # kopecks for the whole row (price × qty as written)


@dataclass
class ParsedFile:
    rows: list[FileRow] = field(default_factory=list)
    delimiter: str = ";"
    encoding: str = "utf-8"


def _problem(message: str, **params) -> ValidationFailed:
    return ValidationFailed(message, field="file", **params)


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 with a BOM, UTF-8, else Windows-1251; binary files are refused."""
    if not data or not data.strip():
        raise _problem("The file is empty")
    if len(data) > MAX_BYTES:
        raise _problem("The file is larger than %(max)s MB", max=MAX_BYTES // (1024 * 1024))
    if b"\x00" in data[:4096]:
        raise _problem("This is not a text CSV file: save the table as CSV (UTF-8 or Windows-1251)")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251"), "cp1251"
    except UnicodeDecodeError:
        raise _problem("The file's encoding is neither UTF-8 nor Windows-1251") from None


def sniff_delimiter(text: str) -> str:
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: header.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def _key(title: str) -> str:
    return " ".join(title.strip().strip('"').strip().lower().replace("ё", "е").rstrip(".:").split())


def map_columns(header: list[str]) -> dict[str, int]:
    """Column name → index for the columns this file has."""
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        key = _key(title)
        for name, variants in COLUMNS.items():
            if name not in found and (key in variants or key.split(",")[0].split("(")[0].strip() in variants):
                found[name] = index
    if "qty" not in found or not ({"sku", "barcode"} & found.keys()):
        raise _problem("The first row must name the columns: Артикул or Штрихкод, and Количество "
                       "(SKU/Barcode and Qty in English)")
    return found


def parse_qty(text: str) -> int | None:
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.to_integral_value() or not 0 < value <= MAX_QTY:
        return None
    return int(value)


def parse_price(text: str) -> int | None:
    """Roubles → kopecks ("1 234,50", "99.9", "120 ₽"); "" is 0; None when it is not a price."""
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace("₽", "").replace("руб.", "").replace("р.", "")
    cleaned = cleaned.replace(",", ".")
    if not cleaned:
        return 0
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value >= MAX_PRICE or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


def _cell(values: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return values[index].strip() if index is not None and index < len(values) else ""


async def _row(n: int, values: list[str], columns: dict[str, int]) -> FileRow | list[DomainError]:
    problems: list[DomainError] = []
    barcode, sku = _cell(values, columns, "barcode"), _cell(values, columns, "sku")
    qty_text, price_text = _cell(values, columns, "qty"), _cell(values, columns, "price")
    found = None
    if not barcode and not sku:
        problems.append(_problem("Row %(row)s: no barcode and no SKU", row=n))
    else:
        found = (await find_by_barcode(barcode) if barcode else None) or (await find_by_sku(sku) if sku else None)
        if found is None and barcode:
            problems.append(_problem("Row %(row)s: barcode %(code)s not found", row=n, code=barcode[:64]))
        elif found is None:
            problems.append(_problem("Row %(row)s: SKU %(sku)s not found", row=n, sku=sku[:64]))
    qty = parse_qty(qty_text)
    if qty is None:
        problems.append(_problem("Row %(row)s: the quantity %(qty)s is not a positive whole number", row=n,
                                 qty=qty_text[:20] or "—"))
    price = parse_price(price_text)
    if price is None:
        problems.append(_problem("Row %(row)s: the price %(price)s is not an amount in roubles", row=n,
                                 price=price_text[:20]))
    if problems or found is None or qty is None or price is None:
        return problems
    return FileRow(row=n, variant_id=found.variant_id, qty=qty * found.multiplier, amount=price * qty)


async def read_supplier_file(data: bytes) -> ParsedFile:
    """Every row matched to a variant, or ValidationFailed listing every problem (at most MAX_PROBLEMS)."""
    text, encoding = decode(data)
    delimiter = sniff_delimiter(text)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise _problem("The file cannot be read as a CSV table") from None
    records = [(n, r) for n, r in enumerate(records, start=1) if any(c.strip() for c in r)]
    if not records:
        raise _problem("The file is empty")
    if len(records) > MAX_ROWS + 1:
        raise _problem("At most %(max)s rows in one file", max=MAX_ROWS)
    columns = map_columns(records[0][1])
    parsed = ParsedFile(delimiter=delimiter, encoding=encoding)
    problems: list[DomainError] = []
    for n, values in records[1:]:
        result = await _row(n, values, columns)
        if isinstance(result, list):
            problems.extend(result)
        else:
            parsed.rows.append(result)
    if not records[1:]:
        problems.append(_problem("The file has a header but no rows of goods"))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationFailed("The file has %(count)s errors; nothing was created", field="file",
                               problems=problems[:MAX_PROBLEMS], count=len(problems))
    return parsed


def summed_lines(rows: list[FileRow]) -> list[LineInput]:
    """One line per variant in the order of first appearance: quantities summed, the unit price averaged."""
    qty: dict[int, int] = {}
    amount: dict[int, int] = {}
    for r in rows:
        qty[r.variant_id] = qty.get(r.variant_id, 0) + r.qty
        amount[r.variant_id] = amount.get(r.variant_id, 0) + r.amount
    return [LineInput(variant_id=v, qty=q, price=int((Decimal(amount[v]) / q).quantize(Decimal(1), ROUND_HALF_UP)))
            for v, q in qty.items()]


async def import_supplier_file(data: bytes, *, warehouse_id: int, supplier: str, filename: str = "",
                               actor: str) -> int:
    """Creates the draft receipt of a supplier's file; returns its id. Nothing is created on any problem."""
    supplier = (supplier or "").strip()
    if not supplier:
        raise ValidationFailed("Enter the supplier's name", field="supplier")
    if isinstance(warehouse_id, bool) or not isinstance(warehouse_id, int):
        raise ValidationFailed("Choose the warehouse", field="warehouse_id")
    parsed = await read_supplier_file(data)
    comment = f"{filename.strip()[:200]}" if filename and filename.strip() else ""
    return await create_document(DocumentInput(kind="receipt", warehouse_id=warehouse_id, supplier=supplier,
                                               comment=comment, lines=summed_lines(parsed.rows)),
                                 actor=actor, post=False)
