"""A scan during an inventory count: a bin address opens that bin, goods add units to it.

`record_count_scan(count_id, CountScanInput, actor=…)` is the one door for the picker's device, online or
replaying its offline queue. In one transaction, with the count row locked (two pickers scanning one
count at once are serialised there, so no unit is lost):
- a scan whose `client_uuid` was seen before answers that first outcome again (`replayed`);
- goods are a barcode (a package barcode counts its multiplier), a SKU, or a Честный ЗНАК DataMatrix (one
  unit of its GTIN's goods); they add their units to the bin this person opened last — with no bin open
  they are refused ("scan the bin first"), nothing counted;
- a code that is not goods but the address of an active bin of the count's warehouse opens that bin for
  this person (within the count's zone, if it has one; a bin already counted is refused: reopen it to
  recount); an address of another warehouse's bin is refused saying so; anything else is an unknown code.
The count is blind: nothing here reads or answers the ledger's quantities.
Refusals are outcomes, not errors (they are recorded); only a malformed request or a closed count raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from server.db import is_unique_violation, write_tx
from server.domain.catalog.barcodes import clean_scan, find_by_code
from server.domain.counting._common import (
    CountHead,
    add_units,
    bin_by_address,
    bin_elsewhere,
    current_bin,
    lock_count,
    variant_names,
)
from server.domain.counting.tables import CountBin, CountScan
from server.domain.device_scan import MAX_CODE, device_moment, raise_problems, scan_problems
from server.domain.marking.gs1 import looks_like_marking, parse_marking
from server.domain.picking._context import variant_by_gtin
from server.errors import Conflict, ValidationFailed


@dataclass(frozen=True)
class CountScanInput:
    code: str
    client_uuid: str
    device: str = ""
    scanned_at: datetime | None = None  # on the device (UTC); offline scans keep their moment


@dataclass(frozen=True)
class CountScanOutcome:
    uuid: str
    result: str  # counting.tables.SCAN_RESULTS
    accepted: bool  # units were counted (or a bin opened)
    message: str  # an English msgid with %(name)s placeholders (translated where shown)
    params: dict = field(default_factory=dict)
    units: int = 0
    variant_id: int | None = None
    count_bin_id: int | None = None
    bin_address: str = ""
    qty: int = 0  # counted of that variant in that bin, after this scan (what the picker counted)
    replayed: bool = False


@dataclass
class _Decision:
    result: str
    message: str
    params: dict = field(default_factory=dict)
    variant_id: int | None = None
    units: int = 0
    count_bin_id: int | None = None
    bin_id: int | None = None
    bin_address: str = ""
    code: str = ""
    qty: int = 0


def _refuse(result: str, message: str, **params) -> _Decision:
    return _Decision(result=result, message=message, params=params)


def check_scan(scan: CountScanInput) -> CountScanInput:
    raise_problems(scan_problems(scan.client_uuid, scan.code, scan.scanned_at))
    return CountScanInput(code=scan.code, client_uuid=scan.client_uuid, device=(scan.device or "").strip()[:100],
                          scanned_at=device_moment(scan.scanned_at))


async def _open_bin(head: CountHead, found: dict, actor: str, now: datetime) -> _Decision:
    address = found["address"]
    if head.zone and (found["zone"] or "").upper() != head.zone.upper():
        return _refuse("other_zone", "Bin %(bin)s is not in zone %(zone)s that this count covers", bin=address,
                       zone=head.zone)
    row = await CountBin.select().where(CountBin.inventory == head.id).where(CountBin.bin == found["id"]).first()
    if row is not None and row["status"] == "done":
        return _refuse("bin_done", "Bin %(bin)s is already counted. To count it again, tap «Recount» next to it",
                       bin=address)
    if row is None:
        made = CountBin(inventory=head.id, bin=found["id"], status="counting", counted_by=actor, opened_at=now)
        await CountBin.insert(made)
        count_bin_id = made.id
    else:
        count_bin_id = row["id"]
    return _Decision("bin", "Bin %(bin)s is open: scan the goods in it", params={"bin": address},
                     count_bin_id=count_bin_id, bin_id=found["id"], bin_address=address, code=address)


async def _identify(code: str) -> tuple[int | None, int, str, _Decision | None]:
    """(variant, units per scan, its name, refusal) for goods."""
    if looks_like_marking(code):
        try:
            marking = parse_marking(code)
        except ValidationFailed as exc:
            return None, 0, "", _refuse("unknown", exc.message, **exc.params)
        variant_id = await variant_by_gtin(marking.gtin)
        if variant_id is None:
            return None, 0, "", _refuse("unknown", "The GTIN %(gtin)s of this marking code belongs to no goods in "
                                        "the catalog", gtin=marking.gtin)
        return variant_id, 1, (await variant_names({variant_id}))[variant_id]["name"], None
    found = await find_by_code(code)
    if found is None:
        return None, 0, "", None
    return found.variant_id, found.multiplier, found.name, None


async def _decide(head: CountHead, scan: CountScanInput, actor: str) -> _Decision:
    if head.status != "open":
        return _refuse("count_closed", "Inventory count %(number)s is closed: nothing more is counted on it",
                       number=head.number)
    marked = looks_like_marking(scan.code)
    code = scan.code.strip("\r\n\t ") if marked else clean_scan(scan.code)
    variant_id, units, name, refusal = await _identify(code)
    if refusal is not None:
        return refusal
    if variant_id is None:
        found = await bin_by_address(head.warehouse_id, code)
        if found is not None:
            return await _open_bin(head, found, actor, scan.scanned_at or datetime.now(UTC))
        other = await bin_elsewhere(head.warehouse_id, code)
        if other is not None:
            return _refuse("other_warehouse", "Bin %(bin)s belongs to another warehouse (%(warehouse)s), not to "
                           "this count", bin=other["address"], warehouse=other["warehouse_name"])
        return _refuse("unknown", "Unknown code %(code)s: neither a bin of this warehouse nor goods in the catalog",
                       code=code[:64])
    here = await current_bin(head.id, actor)
    if here is None:
        return _refuse("no_bin", "Scan the bin first: then the goods in it")
    qty = await add_units(here["id"], variant_id, units)
    return _Decision("ok", "%(name)s: %(qty)s counted in bin %(bin)s", params={"name": name, "qty": qty,
                     "bin": here["address"], "units": units}, variant_id=variant_id, units=units,
                     count_bin_id=here["id"], bin_id=here["bin"], bin_address=here["address"],
                     code=code[:200], qty=qty)


def _outcome(uuid: str, row: dict, *, replayed: bool) -> CountScanOutcome:
    message = row.get("message") or {}
    params = message.get("params") or {}
    return CountScanOutcome(uuid=uuid, result=row["result"], accepted=row["result"] in ("ok", "bin"),
                            message=message.get("msgid", ""), params=params, units=row["units"],
                            variant_id=row["variant"], count_bin_id=row["count_bin"],
                            bin_address=params.get("bin", ""), qty=int(params.get("qty") or 0), replayed=replayed)


async def _replay(count_id: int, uuid: str) -> CountScanOutcome | None:
    row = await CountScan.select().where(CountScan.client_uuid == uuid).output(load_json=True).first()
    if row is None:
        return None
    if row["inventory"] != count_id:
        raise Conflict("This scan was already sent for another inventory count", field="client_uuid")
    return _outcome(uuid, row, replayed=True)


async def record_count_scan(count_id: int, scan: CountScanInput, *, actor: str) -> CountScanOutcome:
    """Records one scan (see the module docstring); the same client_uuid twice counts once."""
    scan = check_scan(scan)
    for attempt in range(2):
        try:
            async with write_tx():
                head = await lock_count(count_id)
                replay = await _replay(count_id, scan.client_uuid)
                if replay is not None:
                    return replay
                d = await _decide(head, scan, actor)
                row = {"client_uuid": scan.client_uuid, "inventory": head.id, "count_bin": d.count_bin_id,
                       "bin": d.bin_id, "variant": d.variant_id, "units": d.units, "raw_code": scan.code[:MAX_CODE],
                       "code": d.code or clean_scan(scan.code)[:200], "result": d.result,
                       "message": {"msgid": d.message, "params": d.params}, "actor": actor, "device": scan.device,
                       "scanned_at": scan.scanned_at}
                await CountScan.insert(CountScan(**row))
                return _outcome(scan.client_uuid, row, replayed=False)
        except Exception as exc:
            # the same scan sent twice at once: the unique index refused the second; now it finds the first
            if attempt == 0 and is_unique_violation(exc):
                continue
            raise
    raise AssertionError("unreachable")  # pragma: no cover

