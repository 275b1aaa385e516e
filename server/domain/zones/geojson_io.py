"""Zones as a GeoJSON FeatureCollection, out and in.

Each feature: a Polygon/MultiPolygon geometry ([lon, lat]) and properties
  name (required), price and min_order (roubles: 300, 299.9 or "299,90"), days ([1..7], 1 = Monday),
  slots ([["10:00", "14:00"], …] or "10:00-14:00, 18:00-22:00"), couriers (logins: a list or
  "ivan, petr"), color ("#3388ff"), priority (a whole number), active (true/false), and the booking limits
  (zones/limits.py) cutoff_minutes (whole minutes or null), cutoff_time ("14:00" or "") and slot_capacity
  (orders per slot or null) — optional: a file from before them imports as zones without limits.
The import is atomic: every feature is checked first and every problem is reported with the feature's
number (1, 2, …); if there is any, nothing changes. Without `replace`, a feature with the name of an
existing zone changes that zone and the others are added; with `replace` the zones not in the file
are deleted.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.zones.fields import (
    ALL_DAYS,
    DEFAULT_COLOR,
    ZoneInput,
    check_zone,
    kopecks_to_roubles,
    parse_list,
    parse_slots,
    roubles_to_kopecks,
)
from server.domain.zones.tables import DeliveryZone
from server.domain.zones.zones import check_references, list_zones, raise_problems, shop_centre
from server.errors import ValidationFailed

MAX_FEATURES = 5_000
MAX_BYTES = 20_000_000


def export_geojson(zones: list[dict]) -> dict:
    """The zones as a FeatureCollection (what the export downloads and the maps draw)."""
    return {"type": "FeatureCollection", "features": [{
        "type": "Feature", "id": z["id"], "geometry": z["geometry"],
        "properties": {"id": z["id"], "name": z["name"], "color": z["color"],
                       "price": kopecks_to_roubles(z["delivery_price"]),
                       "min_order": kopecks_to_roubles(z["min_order"]), "days": z["days"], "slots": z["slots"],
                       "couriers": z["default_couriers"], "priority": z["priority"], "active": z["active"],
                       "cutoff_minutes": z.get("cutoff_minutes"), "cutoff_time": z.get("cutoff_time") or "",
                       "slot_capacity": z.get("slot_capacity")},
    } for z in zones]}


async def zones_geojson(warehouse_id: int | None = None, *, active_only: bool = True) -> dict:
    """The shop's zones as GeoJSON for a map (the zones screen, the delivery planning map): with
    `warehouse_id`, the zones serving that warehouse (its own and those of no warehouse)."""
    zones = await list_zones(active_only=active_only)
    if warehouse_id is not None:
        zones = [z for z in zones if z["warehouse"] in (None, warehouse_id)]
    return export_geojson(zones)


def _feature_problem(n: int, name: str, p: ValidationFailed) -> ValidationFailed:
    return ValidationFailed(p.message, field=f"features[{n}]", **p.params, feature=n, feature_name=name)


def _number(value):
    """A whole number written as 120 or 120.0 (JSON writers differ); anything else as it is (check_zone says)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _input(props: dict, geometry) -> tuple[ZoneInput, list[ValidationFailed]]:
    problems: list[ValidationFailed] = []
    price, minimum = roubles_to_kopecks(props.get("price", 0)), roubles_to_kopecks(props.get("min_order", 0))
    for value, name in ((price, "price"), (minimum, "min_order")):
        if value is None:
            problems.append(ValidationFailed("%(name)s must be a sum in roubles, e.g. 300 or 299.90", field=name,
                                             name=name))
    slots = props.get("slots", [])
    couriers = props.get("couriers", [])
    priority = props.get("priority", 0)
    active = props.get("active", True)
    if not isinstance(active, bool):
        problems.append(ValidationFailed("active must be true or false", field="active"))
    z = ZoneInput(name=str(props.get("name") or ""), geometry=geometry, delivery_price=price or 0,
                  min_order=minimum or 0, days=props.get("days", list(ALL_DAYS)),
                  slots=parse_slots(slots) if isinstance(slots, str) else slots,
                  default_couriers=parse_list(couriers) if isinstance(couriers, str) else couriers,
                  color=str(props.get("color") or DEFAULT_COLOR), priority=priority, active=active is not False,
                  cutoff_minutes=_number(props.get("cutoff_minutes")), cutoff_time=props.get("cutoff_time") or "",
                  slot_capacity=_number(props.get("slot_capacity")))
    return z, problems


def _features(text: str | bytes) -> list:
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise ValidationFailed("The file is larger than %(mb)s MB", field="file", mb=MAX_BYTES // 1_000_000)
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed("The file is not UTF-8 text", field="file") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValidationFailed("The file is not JSON: %(error)s", field="file", error=str(exc)[:200]) from None
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(
            data.get("features"), list):
        raise ValidationFailed("The file must be a GeoJSON FeatureCollection", field="file")
    if not data["features"]:
        raise ValidationFailed("The file has no zones", field="file")
    if len(data["features"]) > MAX_FEATURES:
        raise ValidationFailed("The file has more than %(max)s zones", field="file", max=MAX_FEATURES)
    return data["features"]


async def _checked_features(features: list, near) -> list[dict]:
    problems: list[ValidationFailed] = []
    checked: list[dict] = []
    seen: dict[str, int] = {}
    for n, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(_feature_problem(n, "", ValidationFailed("This is not a GeoJSON Feature")))
            continue
        props = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        z, own = _input(props, feature.get("geometry"))
        result = check_zone(z, near=near)
        await check_references(result)
        name = result.values["name"]
        if name and name in seen:
            own.append(ValidationFailed("The name «%(name)s» is also used by feature %(other)s", field="name",
                                        name=name, other=seen[name]))
        seen.setdefault(name, n)
        problems += [_feature_problem(n, name, p) for p in own + result.problems]
        checked.append(result.values)
    raise_problems(problems, "The file is not imported, nothing was changed: %(n)s problems")
    return checked


async def import_geojson(text: str | bytes, *, actor: str, replace: bool = False) -> dict:
    """Imports zones from GeoJSON (see the module docstring). Returns {"created", "updated", "deleted"}.
    Raises ValidationFailed with every problem (fields "features[N]", params feature / feature_name)."""
    features = _features(text)
    async with write_tx():
        checked = await _checked_features(features, await shop_centre())
        existing = {z["name"]: z for z in await list_zones()}
        now = datetime.now(UTC)
        created = updated = deleted = 0
        names = {v["name"] for v in checked}
        if replace:
            for name, z in existing.items():
                if name not in names:
                    await DeliveryZone.delete().where(DeliveryZone.id == z["id"])
                    deleted += 1
        for values in checked:
            old = existing.get(values["name"])
            if old is None:
                await DeliveryZone.insert(DeliveryZone(**values, created_at=now, updated_at=now))
                created += 1
            else:
                await DeliveryZone.update({**values, DeliveryZone.updated_at: now}).where(DeliveryZone.id == old["id"])
                updated += 1
        result = {"created": created, "updated": updated, "deleted": deleted}
        await record(actor, "zone.import", "delivery_zone", "", {**result, "replace": replace})
        from server.domain.zones.assign import reassign_open_orders

        await reassign_open_orders()
    return result


def export_text(collection: dict) -> str:
    return json.dumps(collection, ensure_ascii=False, indent=1)
