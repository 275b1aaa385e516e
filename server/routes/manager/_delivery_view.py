"""What the delivery planning screen shows, shaped from the domain's day plan (server/domain/delivery/
planning.day_plan): a colour per courier, local times, labels of reasons and statuses, and the map's data
(the JSON that pwa/manager/static/delivery-map.js draws). No queries here: only shaping."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from server.config import get_settings
from server.errors import ValidationFailed
from server.web.i18n import gettext as _

# One colour per courier (by their place in the day's courier list), distinct on a light map.
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
           "#bcbd22", "#393b79", "#637939", "#843c39")
DEFAULT_TIME_LIMIT_S = 10
MAX_TIME_LIMIT_S = 120
REFRESH_S = 30  # couriers' positions on the map are fetched again this often


def zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def today() -> date:
    return datetime.now(zone()).date()


def parse_day(text: Any) -> date:
    """?day=YYYY-MM-DD (the shop's today when empty); a wrong date → ValidationFailed on "day"."""
    raw = str(text or "").strip()[:10]
    if not raw:
        return today()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed("Enter the date as YYYY-MM-DD, not %(value)s", field="day", value=raw) from None


def parse_time_limit(text: Any) -> float:
    raw = str(text if text is not None else "").strip().replace(",", ".")
    if not raw:
        return float(DEFAULT_TIME_LIMIT_S)
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not (1 <= value <= MAX_TIME_LIMIT_S):
        raise ValidationFailed("The time limit is a number of seconds from 1 to %(max)s", field="time_limit",
                               max=MAX_TIME_LIMIT_S)
    return value


def choose_warehouse(warehouses: list[dict], wanted: Any) -> dict | None:
    """The warehouse asked for (?warehouse=id), else the first open one."""
    open_ = [w for w in warehouses if w.get("active", True)]
    for w in warehouses:
        if str(w["id"]) == str(wanted or "").strip():
            return w
    return open_[0] if open_ else (warehouses[0] if warehouses else None)


def labels() -> dict[str, dict[str, str]]:
    return {
        "reason_labels": {
            "window": _("The time window cannot be met"),
            "capacity": _("Does not fit any vehicle"),
            "shift": _("Outside every courier's shift"),
            "no_room": _("No room left on the routes"),
            "no_point": _("No point on the map: place the pin"),
            "no_courier": _("No courier on shift"),
            "not_planned": _("Not planned yet: optimise the routes"),
        },
        "stop_labels": {"planned": _("Planned"), "on_the_way": _("On the way"), "arrived": _("Arrived"),
                        "delivered": _("Delivered"), "failed": _("Not delivered"), "partial": _("Partly delivered")},
        "route_labels": {"draft": _("Draft"), "published": _("Sent to the courier"), "started": _("On the road"),
                         "finished": _("Finished")},
        "run_labels": {"solved": _("Solved"), "time_limit": _("Stopped at the time limit"),
                       "no_solution": _("No solution found"), "failed": _("The optimiser failed")},
    }


def hhmm(value: Any) -> str:
    """A UTC datetime (or ISO text) → the shop's local "HH:MM"; "" for none."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.strftime("%H:%M")
        return value.astimezone(zone()).strftime("%H:%M")
    return str(value)


def window_text(start: Any, end: Any) -> str:
    a, b = hhmm(start), hhmm(end)
    return f"{a}–{b}" if a or b else ""


def _get(row: dict, *names: str, default: Any = None) -> Any:
    for name in names:
        if name in row and row[name] is not None:
            return row[name]
    return default


def _courier_name(row: dict) -> str:
    courier = row.get("courier")
    if isinstance(courier, dict):
        return courier.get("name") or courier.get("username") or ""
    return str(_get(row, "courier_name", "name", default=courier or ""))


def _courier_id(row: dict) -> Any:
    courier = row.get("courier")
    if isinstance(courier, dict):
        return courier.get("id")
    return _get(row, "courier_id", default=courier if isinstance(courier, int) else None)


def _stop(row: dict) -> dict:
    return {
        "id": row.get("id"), "seq": _get(row, "seq", default=0), "order_id": _get(row, "order_id", "order"),
        "number": _get(row, "order_number", "number", default=""), "address": _get(row, "address", default=""),
        "lat": row.get("lat"), "lon": row.get("lon"), "eta": row.get("eta"),
        "window_start": row.get("window_start"), "window_end": row.get("window_end"),
        "amount_due": _get(row, "amount_due", "amount_to_collect", default=0),
        "items_count": _get(row, "items_count", default=0), "status": _get(row, "status", default="planned"),
        "locked": bool(row.get("locked")), "phone": _get(row, "contact_phone", "phone", default=""),
        "contact_name": _get(row, "contact_name", default=""), "comment": _get(row, "comment", default=""),
        "planned_eta": row.get("planned_eta"), "late_by_s": row.get("late_by_s") or 0,
        "zone_name": row.get("zone_name", ""), "zone_flags": row.get("zone_flags") or [],
    }


def sheet_stop(row: dict) -> dict:
    """A stop of the printed route sheet: the same fields as on the screen."""
    return _stop(row)


def _route(row: dict, colour: str) -> dict:
    stops = sorted((_stop(s) for s in row.get("stops") or []), key=lambda s: s["seq"] or 0)
    return {
        "id": row.get("id"), "courier_id": _courier_id(row), "courier": _courier_name(row),
        "vehicle": _get(row, "vehicle", default=(row.get("courier") or {}).get("vehicle", "")
                        if isinstance(row.get("courier"), dict) else ""),
        "status": _get(row, "status", default="draft"), "colour": colour,
        "weight_g": _get(row, "load_weight_g", "weight_g", default=None),
        "capacity_weight_g": _get(row, "capacity_weight_g", default=0),
        "volume_cm3": _get(row, "load_volume_cm3", "volume_cm3", default=None),
        "capacity_volume_cm3": _get(row, "capacity_volume_cm3", default=0),
        "distance_m": _get(row, "distance_m", default=0), "duration_s": _get(row, "duration_s", default=0),
        "start": _get(row, "planned_start", default=None), "end": _get(row, "planned_end", default=None),
        "published_at": row.get("published_at"), "sheet_token": row.get("sheet_token", ""),
        "stops": stops, "total_due": sum(s["amount_due"] or 0 for s in stops),
        "items_count": sum(s["items_count"] or 0 for s in stops),
    }


def _colours(couriers: list[dict], routes: list[dict]) -> dict[Any, str]:
    ids: list[Any] = []
    for c in couriers:
        if c.get("id") not in ids:
            ids.append(c.get("id"))
    for r in routes:
        if _courier_id(r) not in ids:
            ids.append(_courier_id(r))
    return {cid: PALETTE[i % len(PALETTE)] for i, cid in enumerate(ids)}


def shape_plan(plan: dict) -> dict:
    """The day plan as the templates and the map use it."""
    couriers = list(plan.get("couriers") or [])
    raw_routes = list(plan.get("routes") or [])
    colours = _colours(couriers, raw_routes)
    routes = [_route(r, colours.get(_courier_id(r), PALETTE[0])) for r in raw_routes]
    capacity = {c.get("id"): c for c in couriers}
    for r in routes:  # the vehicle's capacity, from the courier when the route does not say
        c = capacity.get(r["courier_id"]) or {}
        r["capacity_weight_g"] = r["capacity_weight_g"] or c.get("capacity_weight_g") or 0
        r["capacity_volume_cm3"] = r["capacity_volume_cm3"] or c.get("capacity_volume_cm3") or 0
        r["vehicle"] = r["vehicle"] or c.get("vehicle") or ""
    unassigned = [{
        "order_id": _get(u, "order_id", "id"), "number": _get(u, "number", "order_number", default=""),
        "reason": _get(u, "reason", default=""), "detail": _get(u, "detail", default=""),
        "address": _get(u, "address", default=""), "lat": u.get("lat"), "lon": u.get("lon"),
        "window_start": u.get("window_start"), "window_end": u.get("window_end"),
        "amount_due": _get(u, "amount_due", default=None), "items_count": _get(u, "items_count", default=None),
    } for u in plan.get("unassigned") or []]
    positions = []
    names = {c.get("id"): c.get("name") or "" for c in couriers}
    raw_positions = plan.get("positions") or []
    if isinstance(raw_positions, dict):  # {courier id: latest position}
        raw_positions = [{**p, "courier_id": cid} for cid, p in raw_positions.items()]
    for p in raw_positions:
        cid = _get(p, "courier_id", "courier")
        positions.append({"courier_id": cid, "courier": _get(p, "courier_name", "name", default=names.get(cid, "")),
                          "lat": p.get("lat"), "lon": p.get("lon"), "at": p.get("at"),
                          "colour": colours.get(cid, "#333")})
    return {
        "routes": routes, "unassigned": unassigned, "positions": positions,
        "couriers": [{"id": c.get("id"), "name": c.get("name") or "", "vehicle": c.get("vehicle") or "",
                      "colour": colours.get(c.get("id"), "#333")} for c in couriers],
        "last_run": plan.get("last_run") or plan.get("plan_run"),
        "depot": plan.get("depot") or plan.get("warehouse"),
        "stops_count": sum(len(r["stops"]) for r in routes),
    }


def _initials(name: str) -> str:
    parts = [p for p in (name or "").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "•"


def position_points(view: dict) -> list[dict]:
    return [{"courier_id": p["courier_id"], "courier": p["courier"], "initials": _initials(p["courier"]),
             "lat": p["lat"], "lon": p["lon"],
             "at": hhmm(p["at"]), "colour": p["colour"]} for p in view["positions"] if p["lat"] is not None]


def map_data(view: dict, zones: dict | None = None) -> dict:
    """The JSON the map draws: polylines depot → stops → depot, numbered stops, unassigned, positions."""
    depot = view.get("depot") or {}
    here = [depot["lat"], depot["lon"]] if depot.get("lat") is not None and depot.get("lon") is not None else None
    reasons = labels()["reason_labels"]
    routes = []
    for r in view["routes"]:
        points = [[s["lat"], s["lon"]] for s in r["stops"] if s["lat"] is not None and s["lon"] is not None]
        if here and points:
            points = [here, *points, here]
        routes.append({"id": r["id"], "courier": r["courier"], "colour": r["colour"], "points": points,
                       "stops": [{"seq": s["seq"], "number": s["number"], "address": s["address"], "lat": s["lat"],
                                  "lon": s["lon"], "eta": hhmm(s["eta"]),
                                  "window": window_text(s["window_start"], s["window_end"]), "locked": s["locked"],
                                  "done": s["status"] in ("delivered", "failed", "partial")} for s in r["stops"]]})
    return {
        "depot": {"name": depot.get("name", ""), "lat": depot.get("lat"), "lon": depot.get("lon")} if here else None,
        "zones": zones, "routes": routes,
        "unassigned": [{"number": u["number"], "address": u["address"], "lat": u["lat"], "lon": u["lon"],
                        "reason": reasons.get(u["reason"], u["reason"])} for u in view["unassigned"]],
        "positions": position_points(view),
        "couriers": [c["id"] for c in view.get("couriers") or []],  # whose live positions this map shows
    }
