"""What a route carries: the weight (g) and volume (cm³) of its stops' orders, counted exactly as a plan
run counts an order's demand (_plan_input._loads: Σ qty × the product's weight and dimensions over the
order's lines with qty > 0), so the screen's load and the solver's capacity check are the same figure.
Every stop counts, delivered ones too: it is what the vehicle leaves the depot with."""

from __future__ import annotations

from datetime import date

from server.domain.delivery._common import day_origin
from server.domain.delivery._plan_input import PlanInput, _loads


async def order_loads(order_ids: list[int]) -> dict[int, tuple[int, int]]:
    """order id → (weight g, volume cm³)."""
    if not order_ids:
        return {}
    day = date.today()
    inp = PlanInput(day=day, warehouse={}, origin=day_origin(day), now_s=0, version=0,
                    orders={oid: {"id": oid} for oid in sorted(set(order_ids))})
    await _loads(inp)
    return {oid: (o["weight_g"], o["volume_cm3"]) for oid, o in inp.orders.items()}


async def add_route_loads(routes: list[dict]) -> None:
    """Sets "load_weight_g" and "load_volume_cm3" on each route (with its "stops", each with "order_id")."""
    loads = await order_loads([s["order_id"] for r in routes for s in r.get("stops") or []])
    for route in routes:
        carried = [loads.get(s["order_id"], (0, 0)) for s in route.get("stops") or []]
        route["load_weight_g"] = sum(w for w, _v in carried)
        route["load_volume_cm3"] = sum(v for _w, v in carried)
