"""Receiving one webhook delivery: POST /hooks/<channel code> with the platform's signed order JSON.

Order of work: the channel must exist, be active and be a webhook kind (else NotFound); a WooCommerce
ping (`webhook_id=<n>`, unsigned) is answered at once; then the signature over the RAW body is checked
against the channel's secret in constant time — missing or wrong → SignatureRejected (401), a log line
and a `webhook.rejected` audit row, nothing else written; then the body is parsed (floats as Decimal),
mapped to an OrderIntake and handed to order intake. Shops deliver at least once: a repeated delivery
of the same order is answered with the first result (intake is idempotent on (channel, external_id)).
Update topics (order.updated, orders/paid …) create the order if it was missed and otherwise leave it
as it is. A delivery that cannot become an order (unknown SKU …) answers the problems (422) and leaves
a `webhook.failed` audit row for the manager.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.channels.channels import Channel, find_channel
from server.domain.orders.dto import OrderIntake
from server.domain.orders.intake import intake_order
from server.errors import Conflict, DomainError, NotFound, ValidationFailed
from server.integrations.webhooks import shopify, woocommerce
from server.integrations.webhooks.signature import verify

log = logging.getLogger("kladovka.webhooks")


class SignatureRejected(DomainError):
    status_code = 401
    code = "bad_signature"


@dataclass(frozen=True)
class Platform:
    signature_header: str
    topic_header: str
    delivery_header: str
    map_order: Callable[[Any, str], OrderIntake]
    is_order_topic: Callable[[str], bool]
    creates_order: Callable[[str], bool]


PLATFORMS = {
    "woocommerce": Platform(woocommerce.SIGNATURE_HEADER, woocommerce.TOPIC_HEADER, "x-wc-webhook-delivery-id",
                            woocommerce.map_order, woocommerce.is_order_topic, woocommerce.creates_order),
    "shopify": Platform(shopify.SIGNATURE_HEADER, shopify.TOPIC_HEADER, "x-shopify-webhook-id",
                        shopify.map_order, shopify.is_order_topic, shopify.creates_order),
}


@dataclass(frozen=True)
class WebhookOutcome:
    status: str  # ping | test | ignored | created | duplicate | known
    order_id: int | None = None
    number: str = ""
    external_id: str = ""

    def as_dict(self) -> dict:
        body: dict[str, Any] = {"status": self.status}
        if self.order_id is not None:
            body.update(order_id=self.order_id, number=self.number, external_id=self.external_id)
        return body


def parse_body(body: bytes) -> Any:
    """JSON with every non-integer number as Decimal (money stays exact; ids stay int)."""
    try:
        return json.loads(body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ValidationFailed("The webhook body is not valid JSON", field=None) from None


async def _webhook_channel(channel_code: str) -> tuple[Channel, Platform]:
    channel = await find_channel(channel_code)
    if channel is None or not channel.active or channel.kind not in PLATFORMS:
        log.warning("webhook for unknown or inactive channel %r refused", str(channel_code)[:40])
        raise NotFound("There is no webhook channel %(code)s", code=str(channel_code)[:40])
    return channel, PLATFORMS[channel.kind]


async def _note(channel: Channel, action: str, details: dict) -> None:
    """An audit row of its own (the delivery's own work, if any, has rolled back)."""
    async with write_tx():
        await record(f"webhook:{channel.code}", action, "sales_channel", channel.id, details)


async def receive_webhook(channel_code: str, body: bytes, headers: Mapping[str, str], *,
                          remote: str = "") -> WebhookOutcome:
    """One delivery, as the docstring of this module says. `headers` in any case."""
    channel, platform = await _webhook_channel(channel_code)
    headers = {k.lower(): v for k, v in headers.items()}
    if channel.kind == "woocommerce" and woocommerce.is_ping(body):
        log.info("webhook %s: ping answered", channel.code)
        return WebhookOutcome("ping")
    topic = str(headers.get(platform.topic_header, ""))[:64]
    given = headers.get(platform.signature_header, "")
    if not verify(channel.secret, body, given):
        reason = "no secret set" if not channel.secret else "missing signature" if not given else "bad signature"
        log.warning("webhook %s rejected: %s (topic %r, %d bytes, from %s)", channel.code, reason, topic,
                    len(body), remote or "?")
        await _note(channel, "webhook.rejected", {"reason": reason, "topic": topic, "bytes": len(body),
                                                  "remote": remote[:64],
                                                  "delivery": str(headers.get(platform.delivery_header, ""))[:64]})
        raise SignatureRejected("The webhook signature is missing or wrong")
    if str(headers.get(shopify.TEST_HEADER, "")).lower() == "true" and channel.kind == "shopify":
        return WebhookOutcome("test")
    if not platform.is_order_topic(topic):
        return WebhookOutcome("ignored")
    return await _intake(channel, platform, topic, body)


async def _intake(channel: Channel, platform: Platform, topic: str, body: bytes) -> WebhookOutcome:
    external_id = ""
    try:
        intake = platform.map_order(parse_body(body), channel.code)
        external_id = intake.external_id
        result = await intake_order(intake, actor=f"webhook:{channel.code}")
    except Conflict as exc:
        if platform.creates_order(topic):
            await _failed(channel, topic, external_id, exc)
            raise
        log.info("webhook %s: %s for order %s already taken; left as it is", channel.code, topic, external_id)
        return WebhookOutcome("known", external_id=external_id)
    except DomainError as exc:
        await _failed(channel, topic, external_id, exc)
        raise
    log.info("webhook %s: order %s → %s (%s)", channel.code, external_id, result.number,
             "created" if result.created else "duplicate")
    return WebhookOutcome("created" if result.created else "duplicate", order_id=result.order_id,
                          number=result.number, external_id=external_id)


async def _failed(channel: Channel, topic: str, external_id: str, exc: DomainError) -> None:
    problems = [str(p) for p in (exc.problems or [exc])][:20]
    log.warning("webhook %s: order %s not taken: %s", channel.code, external_id or "?", "; ".join(problems))
    await _note(channel, "webhook.failed", {"topic": topic, "external_id": external_id, "problems": problems})
