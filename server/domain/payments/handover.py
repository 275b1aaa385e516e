"""The cashier's end-of-shift cash handover.

A courier's shift is (courier username, the shop's local day). What the courier owes is the cash of the
payments they took that day (status done, by `done_at` in the shop's time zone); card and SBP are shown
apart (they went to the bank, not into the courier's pocket). The cashier finds the shift by scanning the
route sheet's QR (DeliveryRoute.sheet_token) or by choosing the courier and day, sees the expected sums per
payment type and per order (cash the courier gave back at the door for goods handed back is taken off),
types the cash handed over, and closes the shift: the difference (handed − expected cash; negative = short) is recorded with the per-order figures as they were at closing. A shift
closes once (CashShift.shift_key is unique: a second close, even at the same moment, is refused).
Cash taken after the close is not in it: the report shows it as "after closing".
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from server.config import get_settings
from server.db import is_unique_violation, write_tx
from server.domain.audit.log import record
from server.domain.payments.tables import CashShift, Payment, Refund
from server.errors import Conflict, NotFound, ValidationFailed

METHODS = ("cash", "card", "sbp")
NOTE_LIMIT = 1000


def _bounds(day: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(get_settings().timezone)
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def parse_day(text: str | None) -> date:
    text = (text or "").strip()
    if not text:
        return datetime.now(ZoneInfo(get_settings().timezone)).date()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValidationFailed("%(value)s is not a date; use the format YYYY-MM-DD", field="day",
                               value=text[:20]) from None


async def route_by_sheet_token(token: str) -> dict:
    """The route of a route sheet's QR: {"route_id", "courier" (username), "courier_name", "day"}."""
    from server.domain.delivery.tables import DeliveryRoute  # the delivery app owns the routes

    token = (token or "").strip()
    if token.startswith(("http://", "https://")):  # a QR read as the sheet's link
        token = token.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
    row = await DeliveryRoute.select(DeliveryRoute.id, DeliveryRoute.day,
                                     DeliveryRoute.courier.user.username.as_alias("username"),
                                     DeliveryRoute.courier.name.as_alias("courier_name")).where(
        DeliveryRoute.sheet_token == token[:64]).first() if token else None
    if row is None:
        raise NotFound("No route sheet has this code: scan the QR of the route sheet again", field="token")
    return {"route_id": row["id"], "courier": row["username"], "courier_name": row["courier_name"] or row["username"],
            "day": row["day"]}


async def _payments(courier: str, day: date) -> list[dict]:
    """The courier's payments of the day, and the cash they gave back at the door (a refund of goods
    handed back, door_refunds.py) as negative cash amounts."""
    since, until = _bounds(day)
    rows = await Payment.select(Payment.id, Payment.order, Payment.order.number.as_alias("number"), Payment.method,
                                Payment.amount, Payment.done_at, Payment.route_id).where(
        (Payment.courier == courier) & (Payment.status == "done") & (Payment.done_at >= since)
        & (Payment.done_at < until)).order_by(Payment.done_at, Payment.id)
    refunds = await Refund.select(Refund.id, Refund.order, Refund.order.number.as_alias("number"), Refund.amount,
                                  Refund.done_at).where(
        (Refund.courier == courier) & (Refund.method == "cash") & (Refund.status == "done")
        & (Refund.done_at >= since) & (Refund.done_at < until))
    rows += [{**r, "method": "cash", "amount": -r["amount"], "route_id": None, "refund": True} for r in refunds]
    return sorted(rows, key=lambda p: (p["done_at"], p["id"]))


def _sums(payments: list[dict]) -> tuple[dict[str, int], list[dict]]:
    expected = dict.fromkeys(METHODS, 0)
    orders: dict[int, dict] = {}
    for p in payments:
        expected[p["method"]] += p["amount"]
        row = orders.setdefault(p["order"], {"order_id": p["order"], "number": p["number"], **dict.fromkeys(METHODS, 0)})
        row[p["method"]] += p["amount"]
    return expected, list(orders.values())


async def shift_view(courier: str, day: date, *, route_id: int | None = None) -> dict:
    """What the cashier sees for a courier's day (open or closed)."""
    courier = (courier or "").strip()
    if not courier:
        raise ValidationFailed("Choose the courier", field="courier")
    payments = await _payments(courier, day)
    expected, orders = _sums(payments)
    shift = await CashShift.select().where(CashShift.shift_key == f"{courier}:{day.isoformat()}").first(
    ).output(load_json=True)
    after = []
    if shift and shift["status"] == "closed":
        after = [p for p in payments if p["done_at"] > shift["closed_at"] and p["method"] == "cash"]
    return {"courier": courier, "day": day, "route_id": route_id or (shift or {}).get("route_id"),
            "expected": expected, "orders": orders, "payments": sum(1 for p in payments if not p.get("refund")),
            "refunds_cash": -sum(p["amount"] for p in payments if p.get("refund")), "shift": shift,
            "cash_after_closing": sum(p["amount"] for p in after)}


async def close_shift(courier: str, day: date, handed_cash: int, *, actor: str, note: str = "",
                      route_id: int | None = None) -> dict:
    """Records the cash handed over and closes the shift; returns the CashShift row."""
    if isinstance(handed_cash, bool) or not isinstance(handed_cash, int) or handed_cash < 0:
        raise ValidationFailed("Type the cash handed over in roubles (0 or more)", field="handed_cash")
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise ValidationFailed("The note must be at most 1000 characters long", field="note")
    key = f"{courier}:{day.isoformat()}"
    try:
        async with write_tx():
            if await CashShift.exists().where(CashShift.shift_key == key):
                raise Conflict("The shift of %(courier)s on %(day)s is closed already", courier=courier,
                               day=day.isoformat())
            view = await shift_view(courier, day, route_id=route_id)
            expected = view["expected"]
            rows = await CashShift.insert(CashShift(
                shift_key=key, courier=courier, day=day, route_id=route_id, status="closed",
                expected_cash=expected["cash"], expected_card=expected["card"], expected_sbp=expected["sbp"],
                handed_cash=handed_cash, difference=handed_cash - expected["cash"], orders=view["orders"],
                closed_by=actor, closed_at=datetime.now(UTC), note=note)).returning(*CashShift.all_columns())
            await record(actor, "cash.shift_closed", "cash_shift", rows[0]["id"],
                         {"courier": courier, "day": day.isoformat(), "expected_cash": expected["cash"],
                          "handed_cash": handed_cash, "difference": handed_cash - expected["cash"]})
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict("The shift of %(courier)s on %(day)s is closed already", courier=courier,
                           day=day.isoformat()) from None
        raise
    return await CashShift.select().where(CashShift.id == rows[0]["id"]).first().output(load_json=True)


async def couriers_of_day(day: date) -> list[str]:
    """Couriers who took payments that day or whose shift of that day is recorded."""
    since, until = _bounds(day)
    paid = await Payment.select(Payment.courier).where(
        Payment.courier.is_not_null() & (Payment.status == "done") & (Payment.done_at >= since)
        & (Payment.done_at < until)).distinct()
    shifts = await CashShift.select(CashShift.courier).where(CashShift.day == day)
    return sorted({r["courier"] for r in paid} | {r["courier"] for r in shifts})


async def shift_report(day: date) -> list[dict]:
    """Per courier of the day: expected per method, handed, difference, state (the shift report)."""
    rows = []
    for courier in await couriers_of_day(day):
        view = await shift_view(courier, day)
        shift = view["shift"]
        rows.append({"courier": courier, "expected": view["expected"], "orders": len(view["orders"]),
                     "status": shift["status"] if shift else "open",
                     "handed_cash": shift["handed_cash"] if shift else None,
                     "difference": shift["difference"] if shift else None,
                     "closed_by": shift["closed_by"] if shift else "", "closed_at": shift["closed_at"] if shift else None,
                     "note": shift["note"] if shift else "", "cash_after_closing": view["cash_after_closing"]})
    return rows

