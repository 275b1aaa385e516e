"""The outside world as the notification domain sees it: senders per channel, a text renderer and a
few settings, registered once per process by `configure()` (server/outbox_runner.py does it at
start-up from the environment; tests register their own). The domain never imports an adapter."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

CHANNELS = ("email", "sms", "push")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{10,64}$")


class SubscriptionGone(Exception):
    """The push service says the subscription no longer exists (HTTP 404/410): forget it, do not retry."""


class EmailSender(Protocol):
    async def send_email(self, to: str, subject: str, body: str) -> None: ...


class SmsSender(Protocol):
    async def send_sms(self, phone: str, text: str) -> None: ...


class PushSender(Protocol):
    def public_key(self) -> str: ...  # the VAPID application server key, base64url

    async def send_push(self, subscription: dict[str, Any], message: dict[str, Any]) -> None: ...


class TextRenderer(Protocol):
    def render(self, source: str, variables: dict[str, Any]) -> str: ...

    def check(self, source: str) -> str | None: ...  # None, or what is wrong with the template


@dataclass(frozen=True)
class Providers:
    email: EmailSender | None = None
    sms: SmsSender | None = None
    push: PushSender | None = None
    renderer: TextRenderer | None = None
    base_url: str = "http://127.0.0.1:8000"  # tracking links: <base_url>/t/<token>
    timezone: str = "Europe/Moscow"  # delivery windows are shown in the shop's time zone
    # Does this tracking token belong to an order? (the orders side plugs its check in; until then any
    # token of 10-64 letters, digits, "-" or "_" is accepted)
    token_exists: Callable[[str], Awaitable[bool]] | None = None
    push_allow_http: bool = False  # accept http:// push endpoints (tests, local push doubles)
    described: dict[str, str] = field(default_factory=dict)  # channel → where it sends, for the owner


_current = Providers()


def configure(providers: Providers | None = None, **changes: Any) -> Providers:
    """Replaces the registry (or changes some of its fields) and returns the new one."""
    global _current
    _current = replace(providers or _current, **changes)
    return _current


def providers() -> Providers:
    return _current


def sender(channel: str) -> Any:
    return getattr(_current, channel, None) if channel in CHANNELS else None


def renderer() -> TextRenderer:
    if _current.renderer is None:
        raise RuntimeError("no text renderer configured: call server.outbox_runner.configure_notifications()")
    return _current.renderer


async def token_is_known(token: str) -> bool:
    if not TOKEN_RE.match(token or ""):
        return False
    check = _current.token_exists
    return True if check is None else bool(await check(token))
