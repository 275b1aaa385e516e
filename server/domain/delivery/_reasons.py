"""Why an order is not on a route, in words for the manager (the shop's language: Russian by default,
English when KLADOVKA_LOCALE=en), with the figures that explain it."""

from __future__ import annotations

from server.config import get_settings
from server.domain.delivery._common import zone

TEXTS = {
    "ru": {
        "no_point": "нет точки на карте: поставьте метку на карточке заказа",
        "capacity": "заказ {kg} кг, {l} л — больше, чем берёт самая вместительная машина ({max_kg} кг, {max_l} л)",
        "window": "окно {window}: курьер не успевает приехать в это время",
        "shift": "курьер не успевает доставить его и вернуться до конца смены",
        "no_room": "не помещается ни в один маршрут вместе с остальными заказами (окна, вместимость, смены)",
        "no_courier": "нет курьера на смене, который может его взять",
        "no_window": "без окна",
    },
    "en": {
        "no_point": "no point on the map: place the pin on the order card",
        "capacity": "the order is {kg} kg, {l} l — more than the roomiest vehicle takes ({max_kg} kg, {max_l} l)",
        "window": "window {window}: no courier can arrive in that time",
        "shift": "the courier cannot deliver it and be back before the end of the shift",
        "no_room": "does not fit into any route with the other orders (windows, capacity, shifts)",
        "no_courier": "no courier on shift can take it",
        "no_window": "no window",
    },
}


def _number(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if get_settings().default_locale != "en" else text


def explain(reason: str, order: dict | None, couriers: list[dict], fallback: str = "") -> str:
    texts = TEXTS.get(get_settings().default_locale, TEXTS["ru"])
    if reason not in texts:
        return fallback
    if reason == "capacity" and order is not None:
        return texts["capacity"].format(
            kg=_number(order.get("weight_g", 0) / 1000), l=_number(order.get("volume_cm3", 0) / 1000),
            max_kg=_number(max((c["capacity_weight_g"] for c in couriers), default=0) / 1000),
            max_l=_number(max((c["capacity_volume_cm3"] for c in couriers), default=0) / 1000))
    if reason == "window" and order is not None:
        start, end = order.get("window_start"), order.get("window_end")
        if start or end:
            shown = "–".join(m.astimezone(zone()).strftime("%H:%M") if m else "…" for m in (start, end))
        else:
            shown = texts["no_window"]
        return texts["window"].format(window=shown)
    return texts[reason]
