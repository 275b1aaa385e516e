"""A scan on an expected receipt: counted once, put away into a bin, compared with what was expected.

`record_scan(document_id, ReceiveScan)` is the one door for the device. In one transaction, with the
document row locked:
- a scan whose `client_uuid` was seen before answers that first outcome again (`replayed`);
- a bin address of the receipt's warehouse (and not a goods code) is the put-away bin for the following
  goods (the device keeps it and sends it as `bin_code`);
- a barcode or SKU of goods counts its package multiplier (× `qty`, 1 by default) into the bin sent, else
  into the bin suggested (putaway.py): goods of the receipt are `ok`, other goods are `surplus` (accepted,
  shown as such); an unknown code is refused, nothing counted;
- a receipt already posted counts nothing.
`undo_scan` takes one unit of a variant back (a scan with −1, from the bin it was last counted into), itself
idempotent by its UUID. Refusals are outcomes (recorded, answered 200); only a malformed request raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from server.db import is_unique_violation, write_tx
from server.domain.catalog.barcodes import clean_scan, find_by_code
from server.domain.catalog.tables import Variant
from server.domain.device_scan import MAX_CODE, device_moment, raise_problems, scan_problems, uuid_problems
from server.domain.receiving._context import Counted, Receipt, load_counted, load_receipt, lock_receipt
from server.domain.receiving.putaway import bin_by_address, suggest_bins
from server.domain.receiving.tables import ReceivingScan
from server.domain.stock.tables import Bin
from server.errors import Conflict, ValidationFailed

MAX_QTY = 10_000


@dataclass(frozen=True)
class ReceiveScan:
    code: str
    client_uuid: str
    bin_code: str = ""  # the put-away bin scanned before the goods
    qty: int = 1  # how many of what was scanned (a package barcode counts its multiplier each)
    device: str = ""
    scanned_at: datetime | None = None


@dataclass(frozen=True)
class ReceiveOutcome:
    uuid: str
    result: str  # receiving.tables.RECEIVING_RESULTS
    accepted: bool  # units were counted (or taken back)
    message: str  # an English msgid with %(name)s placeholders
    params: dict = field(default_factory=dict)
    units: int = 0
    variant_id: int | None = None
    bin_address: str = ""
    counted: int = 0  # of that variant on the receipt, after this scan
    expected: int = 0
    replayed: bool = False


@dataclass
class _Decision:
    result: str
    message: str
    params: dict = field(default_factory=dict)
    variant_id: int | None = None
    bin_id: int | None = None
    bin_address: str = ""
    units: int = 0
    code: str = ""


def _refuse(result: str, message: str, **params) -> _Decision:
    return _Decision(result=result, message=message, params=params)


def _check_input(scan: ReceiveScan) -> ReceiveScan:
    problems = scan_problems(scan.client_uuid, scan.code, scan.scanned_at)
    if isinstance(scan.qty, bool) or not isinstance(scan.qty, int) or not 1 <= scan.qty <= MAX_QTY:
        problems.append(ValidationFailed("The quantity of a scan must be a whole number from 1 to %(max)s",
                                         field="qty", max=MAX_QTY))
    if len(scan.bin_code or "") > 80 or len(scan.device or "") > 100:
        problems.append(ValidationFailed("The bin or device name is too long", field="bin"))
    raise_problems(problems)
    return ReceiveScan(code=scan.code, client_uuid=scan.client_uuid, bin_code=(scan.bin_code or "").strip(), qty=scan.qty,
                       device=(scan.device or "").strip(), scanned_at=device_moment(scan.scanned_at))


async def _name(variant_id: int) -> str:
    row = await Variant.select(Variant.name, Variant.product.name.as_alias("product")).where(
        Variant.id == variant_id).first()
    return ", ".join(p for p in (row["product"], row["name"]) if p) if row else str(variant_id)


async def _put_away_bin(receipt: Receipt, counted: Counted, variant_id: int, bin_code: str
                        ) -> tuple[int | None, str] | _Decision:
    """The bin the units go to: the one scanned before, else the manager's bin on the line, else the bin
    this variant was counted into before, else the suggestion."""
    if bin_code:
        found = await bin_by_address(receipt.warehouse_id, bin_code)
        if found is None:
            return _refuse("unknown_bin", "There is no open bin %(bin)s in this warehouse", bin=bin_code[:80])
        return found["id"], found["address"]
    bin_id = receipt.line_bins.get(variant_id) or counted.last_bin.get(variant_id)
    if bin_id is None:
        taken = {b for (_v, b) in counted.by_place if b is not None}
        suggestion = (await suggest_bins(receipt.warehouse_id, [variant_id], taken=taken)).get(variant_id)
        if suggestion is None:
            return None, ""
        return suggestion.bin_id, suggestion.address
    row = await Bin.select(Bin.address).where(Bin.id == bin_id).first()
    return bin_id, row["address"] if row else ""


async def _decide(receipt: Receipt, counted: Counted, scan: ReceiveScan) -> _Decision:
    if receipt.status != "draft":
        return _refuse("closed", "Receipt %(number)s is already posted: nothing more is counted on it",
                       number=receipt.number)
    code = clean_scan(scan.code)
    found = await find_by_code(code)
    if found is None:
        place = await bin_by_address(receipt.warehouse_id, code)
        if place is not None:
            return _Decision("bin", "Bin %(bin)s: the following goods are put away here", {"bin": place["address"]},
                             bin_id=place["id"], bin_address=place["address"], code=place["address"])
        return _refuse("unknown", "Unknown barcode %(code)s: no goods in the catalog have it", code=code[:64])
    place = await _put_away_bin(receipt, counted, found.variant_id, scan.bin_code)
    if isinstance(place, _Decision):
        return place
    units = found.multiplier * scan.qty
    expected = receipt.expected.get(found.variant_id, 0)
    total = counted.total(found.variant_id) + units
    params = {"name": found.name, "counted": total, "expected": expected, "units": units, "bin": place[1] or "—"}
    if expected:
        message = "%(name)s: %(counted)s of %(expected)s, into %(bin)s"
        if total > expected:
            message = "%(name)s: %(counted)s of %(expected)s expected — more than expected, into %(bin)s"
        return _Decision("ok", message, params, variant_id=found.variant_id, bin_id=place[0], bin_address=place[1],
                         units=units, code=code[:200])
    return _Decision("surplus", "%(name)s is not in the expected receipt: counted as surplus (%(counted)s), into "
                     "%(bin)s", params, variant_id=found.variant_id, bin_id=place[0], bin_address=place[1],
                     units=units, code=code[:200])


async def _insert(document_id: int, scan_uuid: str, decision: _Decision, *, raw: str, actor: str, device: str,
                  at: datetime) -> None:
    await ReceivingScan.insert(ReceivingScan(
        client_uuid=scan_uuid, document=document_id, raw=raw[:MAX_CODE], code=decision.code,
        variant=decision.variant_id, bin=decision.bin_id, units=decision.units, result=decision.result,
        message={"msgid": decision.message, "params": decision.params}, actor=actor, device=device,
        scanned_at=at))


def _outcome(scan_uuid: str, row: dict, receipt: Receipt, counted: int, *, replayed: bool) -> ReceiveOutcome:
    message = row["message"] or {}
    return ReceiveOutcome(uuid=scan_uuid, result=row["result"], accepted=row["units"] != 0,
                          message=message.get("msgid", ""), params=message.get("params") or {}, units=row["units"],
                          variant_id=row["variant"], bin_address=row.get("bin_address", ""), counted=counted,
                          expected=receipt.expected.get(row["variant"], 0) if row["variant"] else 0,
                          replayed=replayed)


async def _replay(document_id: int, scan_uuid: str) -> ReceiveOutcome | None:
    row = await ReceivingScan.select(*ReceivingScan.all_columns(), ReceivingScan.bin.address.as_alias(
        "bin_address")).where(ReceivingScan.client_uuid == scan_uuid).output(load_json=True).first()
    if row is None:
        return None
    if row["document"] != document_id:
        raise Conflict("This scan was already sent for another receipt", field="client_uuid")
    receipt = await load_receipt(document_id)
    counted = await load_counted(document_id)
    row["bin_address"] = row["bin_address"] or (row["code"] if row["result"] == "bin" else "")
    return _outcome(scan_uuid, row, receipt, counted.total(row["variant"]) if row["variant"] else 0, replayed=True)


async def _once(document_id: int, scan_uuid: str, decide, *, raw: str, actor: str, device: str,
                at: datetime) -> ReceiveOutcome:
    """The shared frame of a scan and a correction: lock, replay, decide, record — once per UUID."""
    for attempt in range(2):
        try:
            async with write_tx():
                await lock_receipt(document_id)
                replay = await _replay(document_id, scan_uuid)
                if replay is not None:
                    return replay
                receipt = await load_receipt(document_id)
                counted = await load_counted(document_id)
                decision = await decide(receipt, counted)
                await _insert(document_id, scan_uuid, decision, raw=raw, actor=actor, device=device, at=at)
                row = {"result": decision.result, "units": decision.units, "variant": decision.variant_id,
                       "message": {"msgid": decision.message, "params": decision.params},
                       "bin_address": decision.bin_address}
                total = counted.total(decision.variant_id) + decision.units if decision.variant_id else 0
                return _outcome(scan_uuid, row, receipt, total, replayed=False)
        except Exception as exc:
            # The same UUID sent twice at once: the unique index refused the second; once more finds the first.
            if attempt == 0 and is_unique_violation(exc):
                continue
            raise
    raise AssertionError("unreachable")  # pragma: no cover


async def record_scan(document_id: int, scan: ReceiveScan, *, actor: str) -> ReceiveOutcome:
    """Counts one scan on a draft receipt (see the module docstring); the same client_uuid twice counts once."""
    scan = _check_input(scan)

    async def decide(receipt: Receipt, counted: Counted) -> _Decision:
        return await _decide(receipt, counted, scan)

    return await _once(document_id, scan.client_uuid, decide, raw=scan.code, actor=actor, device=scan.device,
                       at=scan.scanned_at or datetime.now(UTC))


async def undo_scan(document_id: int, client_uuid: str, variant_id: int, *, actor: str,
                    device: str = "") -> ReceiveOutcome:
    """Takes back one unit of a variant counted on the receipt (from the bin it was last counted into)."""
    problems = uuid_problems(client_uuid)
    if isinstance(variant_id, bool) or not isinstance(variant_id, int):
        problems.append(ValidationFailed("Choose the goods to take one unit back from", field="variant_id"))
    if problems:
        raise problems[0]

    async def decide(receipt: Receipt, counted: Counted) -> _Decision:
        if receipt.status != "draft":
            return _refuse("closed", "Receipt %(number)s is already posted: nothing more is counted on it",
                           number=receipt.number)
        places = [(b, u) for (v, b), u in counted.by_place.items() if v == variant_id and u > 0]
        if not places:
            return _refuse("nothing_to_undo", "Nothing of these goods is counted: there is nothing to take back")
        last = counted.last_bin.get(variant_id)
        bin_id = last if any(b == last for b, _u in places) else places[-1][0]
        name = await _name(variant_id)
        row = await Bin.select(Bin.address).where(Bin.id == bin_id).first() if bin_id is not None else None
        return _Decision("undo", "%(name)s: one unit taken back, %(counted)s counted",
                         {"name": name, "counted": counted.total(variant_id) - 1}, variant_id=variant_id,
                         bin_id=bin_id, bin_address=row["address"] if row else "", units=-1, code="undo")

    return await _once(document_id, client_uuid, decide, raw="", actor=actor, device=(device or "")[:100],
                       at=datetime.now(UTC))
