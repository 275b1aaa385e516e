"""Web push subscriptions: a browser on an order's tracking page subscribes (the JSON of its
PushSubscription) and gets a push with every notification about that order."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from server.db import write_tx
from server.domain.notify.providers import providers, token_is_known
from server.domain.notify.tables import PushSubscription
from server.errors import NotFound, ValidationFailed

MAX_PER_TOKEN = 10  # browsers that may follow one order; the oldest makes room for a new one


def _b64url(value: Any) -> bytes | None:
    if not isinstance(value, str) or not value or len(value) > 200:
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def parse_subscription(data: dict[str, Any] | str | bytes) -> dict[str, Any]:
    """{"endpoint": "https://…", "keys": {"p256dh": …, "auth": …}} as PushSubscription.toJSON() gives it,
    checked: an https endpoint (http only when the registry allows it), a P-256 public key (65 bytes,
    uncompressed) and a 16-byte auth secret, both base64url."""
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except ValueError:
            data = None
    if not isinstance(data, dict):
        raise ValidationFailed("The push subscription must be a JSON object with endpoint and keys")
    endpoint = data.get("endpoint")
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    problems = []
    url = urlparse(endpoint) if isinstance(endpoint, str) and len(endpoint) <= 1000 else None
    allowed = ("https", "http") if providers().push_allow_http else ("https",)
    if url is None or url.scheme not in allowed or not url.hostname:
        problems.append(ValidationFailed("The push endpoint must be an https address", field="endpoint"))
    p256dh, auth = _b64url(keys.get("p256dh")), _b64url(keys.get("auth"))
    if p256dh is None or len(p256dh) != 65 or p256dh[0] != 4:
        problems.append(ValidationFailed("The key p256dh must be a P-256 public key in base64url",
                                         field="keys.p256dh"))
    if auth is None or len(auth) != 16:
        problems.append(ValidationFailed("The key auth must be 16 bytes in base64url", field="keys.auth"))
    if problems:
        if len(problems) == 1:
            raise problems[0]
        raise ValidationFailed("The push subscription has %(count)s errors", problems=problems, count=len(problems))
    return {"endpoint": endpoint, "keys": {"p256dh": keys["p256dh"], "auth": keys["auth"]}}


def _key(token: str, endpoint: str) -> str:
    return hashlib.sha256(f"{token}|{endpoint}".encode()).hexdigest()


async def subscribe(token: str, subscription: dict[str, Any] | str | bytes) -> dict[str, Any]:
    """Stores (or refreshes) a browser's subscription to the order with this tracking token."""
    if not await token_is_known(token):
        raise NotFound("No order has this tracking link; the subscription was not saved")
    sub = parse_subscription(subscription)
    row = PushSubscription(key=_key(token, sub["endpoint"]), tracking_token=token, endpoint=sub["endpoint"],
                           p256dh=sub["keys"]["p256dh"], auth=sub["keys"]["auth"], created_at=datetime.now(UTC))
    async with write_tx():
        await PushSubscription.insert(row).on_conflict(
            target=PushSubscription.key, action="DO UPDATE",
            values=[PushSubscription.p256dh, PushSubscription.auth, PushSubscription.created_at])
        ids = await PushSubscription.select(PushSubscription.id).where(
            PushSubscription.tracking_token == token).order_by(PushSubscription.created_at, ascending=False)
        surplus = [r["id"] for r in ids[MAX_PER_TOKEN:]]
        if surplus:
            await PushSubscription.delete().where(PushSubscription.id.is_in(surplus))
    return {"endpoint": sub["endpoint"], "tracking_token": token}


async def subscriptions_for(token: str) -> list[dict[str, Any]]:
    """The subscriptions of one order, as pywebpush takes them: {"endpoint", "keys": {"p256dh", "auth"}}."""
    if not token:
        return []
    rows = await PushSubscription.select().where(PushSubscription.tracking_token == token).order_by(
        PushSubscription.id)
    return [{"endpoint": r["endpoint"], "keys": {"p256dh": r["p256dh"], "auth": r["auth"]}} for r in rows]


async def forget(endpoint: str) -> int:
    """Drops every subscription of an endpoint the push service says is gone; returns how many."""
    async with write_tx():
        gone = await PushSubscription.delete().where(PushSubscription.endpoint == endpoint).returning(
            PushSubscription.id)
    return len(gone)


def public_key() -> str:
    """The VAPID application server key (base64url) a browser needs to subscribe."""
    push = providers().push
    if push is None:
        raise NotFound("Web push is not configured")
    return push.public_key()
