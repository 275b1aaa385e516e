"""From an "order.status_changed" payload to the text of a message: the template variables (money in
roubles, the delivery window in the shop's time zone, the tracking link) and the rendering, which
makes sure every e-mail and SMS carries the tracking link."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from server.domain.notify.providers import providers, renderer


@dataclass(frozen=True)
class Message:
    channel: str
    subject: str  # e-mail subject / push title ("" for SMS)
    body: str
    url: str  # the tracking link


def roubles(kopecks: Any) -> str:
    """245000 → "2 450 ₽"; 12345 → "123,45 ₽"."""
    try:
        amount = int(kopecks or 0)
    except (TypeError, ValueError):
        return ""
    sign, amount = ("-" if amount < 0 else ""), abs(amount)
    whole = f"{amount // 100:,}".replace(",", " ")
    return f"{sign}{whole} ₽" if amount % 100 == 0 else f"{sign}{whole},{amount % 100:02d} ₽"


def _moment(value: Any, zone: ZoneInfo) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone)


def delivery_window(start: Any, end: Any, timezone: str) -> str:
    """"26.11 с 10:00 до 14:00" (same day), "26.11 10:00 — 27.11 12:00", "26.11 с 10:00" or ""."""
    zone = ZoneInfo(timezone)
    begin, finish = _moment(start, zone), _moment(end, zone)
    if begin and finish and begin.date() == finish.date():
        return f"{begin:%d.%m} с {begin:%H:%M} до {finish:%H:%M}"
    if begin and finish:
        return f"{begin:%d.%m %H:%M} — {finish:%d.%m %H:%M}"
    if begin:
        return f"{begin:%d.%m} с {begin:%H:%M}"
    if finish:
        return f"{finish:%d.%m} до {finish:%H:%M}"
    return ""


def tracking_url(token: str) -> str:
    return f"{providers().base_url.rstrip('/')}/t/{token}" if token else ""


def variables(payload: dict[str, Any]) -> dict[str, Any]:
    """What a template may use, from the event's payload alone."""
    customer = payload.get("customer") or {}
    delivery = payload.get("delivery") or {}
    timezone = providers().timezone
    start = _moment(delivery.get("window_start"), ZoneInfo(timezone))
    return {
        "number": str(payload.get("number") or ""),
        "status": str(payload.get("to") or ""),
        "status_label": str(payload.get("status_label") or payload.get("to") or ""),
        "previous_status": str(payload.get("from") or ""),
        "customer_name": str(customer.get("name") or ""),
        "total": roubles(payload.get("total")),
        "delivery_address": str(delivery.get("address") or ""),
        "delivery_window": delivery_window(delivery.get("window_start"), delivery.get("window_end"), timezone),
        "delivery_date": f"{start:%d.%m.%Y}" if start else "",
        "tracking_url": tracking_url(str(payload.get("tracking_token") or "")),
        "channel": str(payload.get("channel") or ""),
    }


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def render(channel: str, subject: str, body: str, values: dict[str, Any]) -> Message:
    """Renders one template; e-mail and SMS texts without the tracking link get it appended."""
    engine = renderer()
    url = values.get("tracking_url") or ""
    title = _one_line(engine.render(subject, values)) if channel != "sms" else ""
    text = engine.render(body, values).strip()
    if channel == "sms":
        text = _one_line(text)
    if url and channel in ("email", "sms") and url not in text:
        text = f"{text}\n\n{url}" if channel == "email" else f"{text} {url}"
    return Message(channel=channel, subject=title[:300], body=text, url=url)
