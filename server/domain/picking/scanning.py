"""A scan on a pick list: verified against the list, counted once, recorded right or wrong.

`record_scan(pick_list_id, ScanInput)` is the one door for the picker's device, online or replaying its
offline queue. In one transaction, with the pick list row locked:
- a scan whose `client_uuid` was seen before answers that first outcome again (`replayed`): a queue
  replayed twice counts nothing twice;
- the code is read: a bin address (location-first mode: the bin to take from next), a Честный ЗНАК
  DataMatrix (parsed and repaired, server/domain/marking/gs1.py), or a barcode / SKU with its package
  multiplier;
- it is checked against the list (rules in `_decide`): goods not on the list, another variant of the
  same product, more than ordered, an order cancelled meanwhile, a marked unit without its code, a
  code cut short, a GTIN of other goods, a code or serial used before — each refused with its own
  reason, nothing counted; right goods are counted on the first line (in walking order) still short;
- the scan is written (refused ones too: the picker report counts them) and, when counted, the lines
  and the unit's marking code or serial (server/domain/marking/codes.py) with it.
Refusals are outcomes, not errors: they are facts of the shift. Only a malformed request raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from server.db import is_unique_violation, write_tx
from server.domain.catalog.barcodes import clean_scan, find_by_code
from server.domain.device_scan import MAX_CODE, device_moment, raise_problems, scan_problems
from server.domain.marking.codes import codes_in_use, take_code
from server.domain.marking.gs1 import MarkingCode, looks_like_marking, parse_marking
from server.domain.picking._context import (
    ListContext,
    ScanLine,
    bin_address_of,
    load_context,
    lock_list,
    product_of,
    variant_by_gtin,
)
from server.domain.picking.tables import PickLine, PickList, PickScan
from server.errors import Conflict, ValidationFailed

MAX_SERIAL = 100


@dataclass(frozen=True)
class ScanInput:
    code: str
    client_uuid: str
    bin_code: str = ""  # location-first mode: the bin scanned before the goods
    serial: str = ""  # serial-tracked goods: the unit's serial number
    device: str = ""
    scanned_at: datetime | None = None  # on the device (UTC); offline scans keep their moment


@dataclass(frozen=True)
class ScanOutcome:
    uuid: str
    result: str  # picking.tables.SCAN_RESULTS
    accepted: bool  # units were counted
    message: str  # an English msgid with %(name)s placeholders (translated where shown)
    params: dict = field(default_factory=dict)
    units: int = 0
    line_id: int | None = None
    variant_id: int | None = None
    order_number: str = ""
    picked: int = 0  # on that line, after this scan
    qty: int = 0
    bin_address: str = ""
    replayed: bool = False
    list_complete: bool = False  # every line of the list's live orders is picked or reported short


@dataclass
class _Decision:
    result: str
    message: str
    params: dict = field(default_factory=dict)
    variant_id: int | None = None
    code: str = ""
    takes: list[tuple[ScanLine, int]] = field(default_factory=list)  # (line, units) counted
    marking: MarkingCode | None = None
    bin_address: str = ""

    @property
    def accepted(self) -> bool:
        return bool(self.takes)


def _check_input(scan: ScanInput) -> ScanInput:
    problems = scan_problems(scan.client_uuid, scan.code, scan.scanned_at)
    if len(scan.serial or "") > MAX_SERIAL or len(scan.bin_code or "") > 80 or len(scan.device or "") > 100:
        problems.append(ValidationFailed("The serial number, bin or device name is too long", field="serial"))
    raise_problems(problems)
    return ScanInput(code=scan.code, client_uuid=scan.client_uuid, bin_code=(scan.bin_code or "").strip(),
                     serial=(scan.serial or "").strip(), device=(scan.device or "").strip(),
                     scanned_at=device_moment(scan.scanned_at))


def _refuse(result: str, message: str, **params) -> _Decision:
    return _Decision(result=result, message=message, params=params)


def _live(line: ScanLine) -> bool:
    return line.order_status == "picking"


def _spread(lines: list[ScanLine], units: int) -> list[tuple[ScanLine, int]] | None:
    """`units` over the lines in walking order (a package may fill several); None if they hold fewer."""
    takes, left = [], units
    for line in lines:
        take = min(left, line.left)
        if take > 0:
            takes.append((line, take))
            left -= take
        if left == 0:
            return takes
    return None


def _over(lines: list[ScanLine], name: str, units: int) -> _Decision:
    qty = sum(x.qty for x in lines)
    left = sum(x.left for x in lines)
    if left == 0:
        return _refuse("over", "All %(qty)s of %(name)s are already picked: this one is extra", qty=qty, name=name)
    return _refuse("over", "A package of %(units)s is more than the %(left)s units of %(name)s still to pick",
                   units=units, left=left, name=name)


def _by_bin(ctx: ListContext, lines: list[ScanLine], bin_code: str, name: str) -> list[ScanLine] | _Decision:
    """Location-first mode: only the lines at the bin scanned before (lines without a bin need none)."""
    if ctx.mode != "location":
        return lines
    if not bin_code:
        with_bin = [x for x in lines if x.bin_address and x.left > 0]
        if with_bin:
            return _refuse("wrong_bin", "Scan the bin first: %(name)s is taken from %(bin)s", name=name,
                           bin=with_bin[0].bin_address)
        return lines
    here = [x for x in lines if (x.bin_address or "").upper() == bin_code.upper() or not x.bin_address]
    if not any(x.left > 0 for x in here):
        elsewhere = next((x.bin_address for x in lines if x.left > 0 and x.bin_address), "")
        if elsewhere:
            return _refuse("wrong_bin", "%(name)s is taken from bin %(bin)s, not from %(scanned)s", name=name,
                           bin=elsewhere, scanned=bin_code)
    return here


async def _identify(ctx: ListContext, code: str) -> tuple[int | None, int, MarkingCode | None, _Decision | None]:
    """(variant id, units per scan, marking code, refusal) for what was scanned."""
    if looks_like_marking(code):
        try:
            marking = parse_marking(code)
        except ValidationFailed as exc:
            return None, 0, None, _refuse("marking_invalid", exc.message, **exc.params)
        variant_id = await variant_by_gtin(marking.gtin)
        if variant_id is None or variant_id not in ctx.variants:
            return None, 0, marking, _refuse(
                "marking_gtin", "The GTIN %(gtin)s of this marking code belongs to no goods of this pick list",
                gtin=marking.gtin)
        return variant_id, 1, marking, None
    found = await find_by_code(code)
    if found is None:
        return None, 0, None, _refuse("unknown", "Unknown barcode %(code)s: no goods in the catalog have it",
                                      code=clean_scan(code)[:64])
    return found.variant_id, found.multiplier, None, None


async def _not_on_list(ctx: ListContext, variant_id: int, name: str) -> _Decision:
    product = ctx.product_of.get(variant_id) or await product_of(variant_id)
    wanted = [x for x in ctx.lines if x.product_id == product and x.variant_id != variant_id] if product else []
    if wanted:
        return _refuse("other_variant", "This is %(got)s, another variant: the list needs %(want)s", got=name,
                       want=wanted[0].name)
    return _refuse("not_on_list", "%(name)s is not in this pick list", name=name)


async def _decide(ctx: ListContext, scan: ScanInput) -> _Decision:
    if ctx.status != "open":
        return _refuse("list_closed", "Pick list %(number)s is closed: nothing more is picked on it",
                       number=ctx.number)
    code = clean_scan(scan.code) if not looks_like_marking(scan.code) else scan.code.strip("\r\n\t ")
    bin_address = await bin_address_of(ctx.warehouse_id, code)
    if bin_address is not None and not await find_by_code(code):
        lines = [x for x in ctx.lines if x.bin_address == bin_address and _live(x) and x.left > 0]
        return _Decision("bin", "Bin %(bin)s: %(count)s lines to pick here", bin_address=bin_address,
                         params={"bin": bin_address, "count": len(lines)}, code=bin_address)
    variant_id, units, marking, refusal = await _identify(ctx, code)
    if refusal is not None:
        return refusal
    assert variant_id is not None
    name = ctx.names.get(variant_id) or await ctx.name_of(variant_id)
    all_lines = [x for x in ctx.lines if x.variant_id == variant_id]
    if not all_lines:
        return await _not_on_list(ctx, variant_id, name)
    live = [x for x in all_lines if _live(x)]
    if not live:
        gone = all_lines[0]
        if gone.order_status == "cancelled":
            return _refuse("order_cancelled", "Order %(number)s was cancelled: do not pick %(name)s, put it back",
                           number=gone.order_number, name=name)
        return _refuse("order_packed", "Order %(number)s is already packed: %(name)s is not needed",
                       number=gone.order_number, name=name)
    line0 = live[0]
    if line0.marking_required and marking is None:
        return _refuse("marking_needed", "%(name)s is marked: scan the DataMatrix code (Честный ЗНАК) of the unit",
                       name=name)
    if marking is not None and not marking.complete:
        return _refuse("marking_incomplete", "The marking code was cut short (%(serial)s): the receipt needs the whole "
                       "code. Scan it again, or set the scanner to send the group separator (GS)",
                       serial=marking.serial)
    serial = marking.serial if marking is not None else scan.serial
    if line0.serial_tracked and not serial:
        return _Decision("needs_serial", "%(name)s: scan or type the serial number of the unit",
                         params={"name": name}, variant_id=variant_id)
    keys = [marking.ki] if marking is not None else ([f"{variant_id}:{serial}"] if line0.serial_tracked else [])
    used = await codes_in_use(keys)
    if used:
        number = used[keys[0]] or "—"
        if marking is not None:
            return _refuse("marking_reused", "This marking code was already scanned (order %(order)s): every unit "
                           "has its own code", order=number)
        return _refuse("serial_reused", "Serial number %(serial)s of %(name)s was already taken (order %(order)s)",
                       serial=serial, name=name, order=number)
    candidates = _by_bin(ctx, [x for x in live if x.left > 0] or live, scan.bin_code, name)
    if isinstance(candidates, _Decision):
        return candidates
    takes = _spread([x for x in candidates if x.left > 0], units)
    if takes is None:
        return _over(live, name, units)
    decision = _Decision("ok", "%(name)s: %(picked)s of %(qty)s", variant_id=variant_id,
                         code=marking.ki if marking else clean_scan(code)[:200], takes=takes, marking=marking)
    decision.params = {"name": name, "picked": takes[-1][0].picked + takes[-1][1], "qty": takes[-1][0].qty}
    return decision


async def _apply(ctx: ListContext, scan: ScanInput, decision: _Decision, actor: str) -> None:
    now = scan.scanned_at or datetime.now(UTC)
    first_line = decision.takes[0][0] if decision.takes else None
    await PickScan.insert(PickScan(
        client_uuid=scan.client_uuid, pick_list=ctx.id, line=first_line.id if first_line else None,
        raw=scan.code[:MAX_CODE], code=decision.code[:200], variant=decision.variant_id,
        units=sum(u for _, u in decision.takes), result=decision.result,
        message={"msgid": decision.message, "params": decision.params}, serial=scan.serial, bin_code=scan.bin_code,
        actor=actor, device=scan.device, scanned_at=now))
    if not decision.takes:
        return
    for line, units in decision.takes:
        line.picked += units
        done = now if line.picked + line.short >= line.qty else None
        await PickLine.update({PickLine.picked: PickLine.picked + units, PickLine.done_at: done,
                               PickLine.first_scan_at: line.first_scan_at or now}).where(PickLine.id == line.id)
        line.first_scan_at = line.first_scan_at or now
    if ctx.started_at is None:
        await PickList.update({PickList.started_at: now}).where(PickList.id == ctx.id)
    line, _units = decision.takes[0]
    serial = decision.marking.serial if decision.marking else scan.serial
    if decision.marking is not None or line.serial_tracked:
        await take_code(variant_id=line.variant_id, order_id=line.order_id, order_line_id=line.order_line_id,
                         marking=decision.marking, serial=serial, raw=scan.code, source=f"pick:{scan.client_uuid}",
                         actor=actor)


def _outcome(scan_uuid: str, result: str, message: dict, units: int, line: ScanLine | None, ctx: ListContext | None,
             *, replayed: bool, bin_address: str = "", variant_id: int | None = None) -> ScanOutcome:
    return ScanOutcome(uuid=scan_uuid, result=result, accepted=units > 0, message=message.get("msgid", ""),
                       params=message.get("params") or {}, units=units, line_id=line.id if line else None,
                       variant_id=variant_id, order_number=line.order_number if line else "",
                       picked=line.picked if line else 0, qty=line.qty if line else 0, bin_address=bin_address,
                       replayed=replayed, list_complete=ctx.complete if ctx else False)


async def _replay(pick_list_id: int, scan_uuid: str) -> ScanOutcome | None:
    row = await PickScan.select().where(PickScan.client_uuid == scan_uuid).output(load_json=True).first()
    if row is None:
        return None
    if row["pick_list"] != pick_list_id:
        raise Conflict("This scan was already sent for another pick list", field="client_uuid")
    ctx = await load_context(pick_list_id, with_bins=False)
    line = next((x for x in ctx.lines if x.id == row["line"]), None)
    return _outcome(scan_uuid, row["result"], row["message"] or {}, row["units"], line, ctx, replayed=True,
                    bin_address=row["code"] if row["result"] == "bin" else "", variant_id=row["variant"])


async def record_scan(pick_list_id: int, scan: ScanInput, *, actor: str) -> ScanOutcome:
    """Verifies and records one scan (see the module docstring); the same client_uuid twice counts once."""
    scan = _check_input(scan)
    for attempt in range(2):
        try:
            async with write_tx():
                await lock_list(pick_list_id)
                replay = await _replay(pick_list_id, scan.client_uuid)
                if replay is not None:
                    return replay
                ctx = await load_context(pick_list_id, with_bins=False)
                decision = await _decide(ctx, scan)
                await _apply(ctx, scan, decision, actor)
                line = decision.takes[-1][0] if decision.takes else None
                units = sum(u for _, u in decision.takes)
                return _outcome(scan.client_uuid, decision.result,
                                {"msgid": decision.message, "params": decision.params}, units, line, ctx,
                                replayed=False, bin_address=decision.bin_address, variant_id=decision.variant_id)
        except Exception as exc:
            # The same scan sent twice at once, or one marking code scanned on two lists at once: the unique
            # index refused the second writer. Once more: it now finds the first one's row.
            if attempt == 0 and is_unique_violation(exc):
                continue
            raise
    raise AssertionError("unreachable")  # pragma: no cover
