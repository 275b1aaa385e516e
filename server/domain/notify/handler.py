"""The outbox handler of "order.status_changed": tells the customer, on every enabled channel that has a
recipient, from the event's payload alone.

- `payload["notify"]` false: nothing is sent (the shop chose not to notify about this status).
- Per channel: the e-mail address, the phone (SMS) and every push subscription of the order's
  tracking token. A channel without a configured sender, or switched off for this status, is skipped.
- Each (event, channel, recipient) already logged as sent is skipped: a replay sends only what is
  missing. A failed send is logged and, after the other channels were tried, raised, so the outbox
  retries the event later; a push subscription the service says is gone is dropped, not retried.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from server.domain.notify.deliveries import record_attempt, was_sent
from server.domain.notify.message import Message, render, variables
from server.domain.notify.providers import CHANNELS, SubscriptionGone, sender
from server.domain.notify.push import forget, subscriptions_for
from server.domain.notify.templates import template_for
from server.domain.outbox.worker import register

TOPIC = "order.status_changed"
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
log = logging.getLogger("kladovka.notify")


class NotificationFailed(Exception):
    """Some messages of an event could not be sent; the outbox tries the event again."""


def normalise_phone(phone: Any) -> str:
    """"+7 (916) 123-45-67" / "8 916 123 45 67" → "79161234567"; "" when it is not a phone number."""
    digits = re.sub(r"\D", "", str(phone or ""))
    if len(digits) == 11 and digits[0] == "8":
        digits = "7" + digits[1:]
    elif len(digits) == 10 and digits[0] == "9":
        digits = "7" + digits
    return digits if 11 <= len(digits) <= 15 else ""


async def recipients(payload: dict[str, Any]) -> dict[str, list[Any]]:
    """channel → recipients: [email], [phone digits], [push subscriptions]."""
    customer = payload.get("customer") or {}
    email = str(customer.get("email") or "").strip()
    phone = normalise_phone(customer.get("phone"))
    return {"email": [email.lower()] if EMAIL_RE.match(email) else [],
            "sms": [phone] if phone else [],
            "push": await subscriptions_for(str(payload.get("tracking_token") or ""))}


async def _send(channel: str, recipient: Any, message: Message, number: str) -> None:
    if channel == "email":
        await sender("email").send_email(recipient, message.subject, message.body)
    elif channel == "sms":
        await sender("sms").send_sms(recipient, message.body)
    else:
        await sender("push").send_push(recipient, {"title": message.subject, "body": message.body,
                                                   "url": message.url, "tag": f"order-{number}"})


async def handle_status_changed(event: Any) -> None:
    """The handler registered for TOPIC (event: server.domain.outbox.worker.Event)."""
    payload = event.payload or {}
    if not payload.get("notify"):
        return
    status = str(payload.get("to") or "")
    values = variables(payload)
    about = {"order_number": values["number"], "order_status": status}
    failures: list[str] = []
    targets = await recipients(payload)
    for channel in CHANNELS:
        if sender(channel) is None or not targets[channel]:
            continue
        template = await template_for(status, channel)
        if not template.enabled:
            continue
        for target in targets[channel]:
            address = target["endpoint"] if channel == "push" else target
            if await was_sent(event.event_id, channel, address):
                continue
            try:
                await _send(channel, target, render(channel, template.subject, template.body, values),
                            values["number"])
            except SubscriptionGone:
                await forget(address)
                await record_attempt(event.event_id, channel, address, error="the subscription has expired", **about)
                continue
            except Exception as exc:  # this recipient failed; the others still get theirs
                error = f"{type(exc).__name__}: {exc}".strip()
                log.warning("order %s: %s to %s failed: %s", values["number"], channel, address[:80], error)
                await record_attempt(event.event_id, channel, address, error=error, **about)
                failures.append(f"{channel}: {error}")
                continue
            await record_attempt(event.event_id, channel, address, **about)
    if failures:
        raise NotificationFailed("; ".join(failures)[:1500])


def register_handlers() -> None:
    """Hooks the handler into the outbox worker's registry."""
    register(TOPIC, handle_status_changed)
