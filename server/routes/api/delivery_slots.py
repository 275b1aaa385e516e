"""/api/v1/delivery/slots: for a shop site's checkout — the delivery zone of a point, its price and minimum,
and the day's slots (local shop time and UTC). The rules are in server/domain/zones/availability.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec
from litestar import Request, get
from litestar.params import Parameter

from server.domain.zones.availability import delivery_slots
from server.domain.zones.limits import SLOT_REASONS
from server.domain.zones.slots import Slot
from server.routes.api.common import (
    NO_NUL,
    PROBLEMS,
    READ_CATALOG,
    UNPROCESSABLE,
    ApiController,
    format_money,
    text_param,
)
from server.web.i18n import translate_error
from server.web.problems import api_language

DESCRIPTION = """\
Which delivery zone serves the point (`lat`, `lon`), what delivery there costs, its minimum order, whether
`total` reaches it, and the zone's time slots on `date`.

* `date` is a day of the shop's calendar (`timezone` in the answer, `KLADOVKA_TIMEZONE`). Each slot is given
  as local times (`start`, `end`, "HH:MM"; a zone without slots offers the whole day, `00:00`–`24:00`) and as
  UTC instants (`start_utc`, `end_utc`, RFC 3339) — send those as the order's `delivery.window_start` /
  `window_end`. Today, slots that have already ended are left out.
* **Every other slot is listed, with `available`.** A slot that cannot be booked says why in `reason`
  (with `message` in the request's language): `cutoff` — the zone's same-day cut-off has passed (the zone
  stops taking orders for a slot N minutes before it starts and/or, for that day's slots, from a local time
  of day; `cutoff_utc` is that instant, null without a cut-off) — or `full` — the zone's maximum of orders
  per slot is reached (`remaining` is how many more it takes, null without a maximum). A checkout offers
  only the slots with `available: true`; an order sent for a full slot is still taken and flagged for the
  manager.
* **A point outside every zone is not an error**: the answer is 200 with `zone: null`, `reason:
  "outside_zones"` and a `message` to show the customer, so a checkout can say so without special-casing
  an error.
* A past date, a day the zone does not deliver on, or a day whose slots have all ended: 200 with `slots: []`
  and `reason` (`past_date`, `closed_day`, `no_slots_left`) with its `message`. When slots are listed but
  none is available: `reason` `no_slots_available` (each slot says its own reason).
* Money is a string in roubles (`"300.00"`); `total` (roubles, optional) gives `reaches_minimum`, else it
  is null. An order below the minimum is still taken (the manager sees it flagged).
* Bad `lat`, `lon`, `date` or `total`: 422 problem details listing every problem with its `field`, in the
  request's language (Accept-Language, Russian by default); a missing parameter: 400.
"""


class ZoneRef(msgspec.Struct):
    id: int
    name: str


class SlotOut(msgspec.Struct):
    start: str  # "10:00", local shop time
    end: str  # "14:00" ("24:00": the end of the day)
    start_utc: datetime
    end_utc: datetime
    available: bool  # false: past the cut-off or full — see reason
    reason: str | None  # "cutoff", "full"; null when available
    message: str | None  # the reason in words, in the request's language
    cutoff_utc: datetime | None  # from this instant on the slot is not offered; null: no cut-off
    remaining: int | None  # orders the slot still takes; null: no maximum per slot


class DeliverySlotsOut(msgspec.Struct):
    date: date
    timezone: str  # the shop's, e.g. "Europe/Moscow"
    zone: ZoneRef | None  # null: outside every delivery zone
    price: str | None  # roubles, "300.00"
    minimum: str | None  # roubles: the zone's minimum order
    total: str | None  # the total given, roubles
    reaches_minimum: bool | None  # null without a total or a zone
    slots: list[SlotOut]
    reason: str | None  # outside_zones, past_date, closed_day, no_slots_left, no_slots_available; null: bookable
    message: str | None  # the reason in words, in the request's language


def _slot(s: Slot, lang: str) -> SlotOut:
    return SlotOut(start=s.start, end=s.end, start_utc=s.start_utc, end_utc=s.end_utc, available=s.available,
                   reason=s.reason, message=translate_error(SLOT_REASONS[s.reason], None, lang) if s.reason else None,
                   cutoff_utc=s.cutoff_utc, remaining=max(s.capacity - s.taken, 0) if s.capacity is not None else None)


class DeliverySlotController(ApiController):
    path = "/api/v1/delivery"
    tags = ["Delivery"]

    @get("/slots", opt=READ_CATALOG, responses={**PROBLEMS, **UNPROCESSABLE}, description=DESCRIPTION,
         summary="The delivery zone of a point, its price, minimum and the slots of a day")
    async def slots(self, request: Request,
                    lat: Annotated[str, text_param(32, "Latitude, e.g. 55.7558")],
                    lon: Annotated[str, text_param(32, "Longitude, e.g. 37.6173")],
                    date_: Annotated[str, Parameter(query="date", max_length=32, pattern=NO_NUL,
                                                    description="The delivery day, YYYY-MM-DD (the shop's calendar)")],
                    total: Annotated[str | None, text_param(32, "The order's goods in roubles, e.g. 1500.00")] = None,
                    ) -> DeliverySlotsOut:
        found = await delivery_slots(lat, lon, date_, total)
        lang = api_language(request)
        return DeliverySlotsOut(
            date=found.day, timezone=found.timezone,
            zone=ZoneRef(id=found.zone["id"], name=found.zone["name"]) if found.zone else None,
            price=format_money(found.price), minimum=format_money(found.minimum), total=format_money(found.total),
            reaches_minimum=found.reaches_minimum,
            slots=[_slot(s, lang) for s in found.slots],
            reason=found.reason, message=translate_error(found.msgid, found.params, lang) if found.msgid else None)
