"""Web push (RFC 8030/8291/8292) with pywebpush: the payload is encrypted for the subscriber
(aes128gcm) and signed with the shop's VAPID key.

The VAPID key pair comes from VAPID_PRIVATE_KEY (PEM, or base64url DER/raw) when set; otherwise it is
generated on first use and kept in `<var dir>/vapid_private_key.pem` (like SECRET_KEY), so browsers
stay subscribed across restarts. VAPID_SUBJECT ("mailto:…" or "https://…") names the shop to the
push services.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aiohttp
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid
from pywebpush import WebPushException, webpush_async

from server.config import ConfigError
from server.domain.notify.providers import SubscriptionGone

KEY_FILE = "vapid_private_key.pem"


def load_vapid(var_dir: Path, private_key: str | None = None) -> Vapid:
    """The configured key, else the one kept in the var dir, else a new one written there (0600)."""
    if private_key:
        try:
            text = private_key.strip()
            return Vapid.from_pem(text.encode()) if text.startswith("-----") else Vapid.from_string(text)
        except Exception as exc:
            raise ConfigError(f"VAPID_PRIVATE_KEY is not a usable EC P-256 private key: {exc}") from exc
    path = var_dir / KEY_FILE
    if not path.exists():
        fresh = Vapid()
        fresh.generate_keys()
        try:  # O_EXCL: when two processes start at once, one key wins and both use it
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(fresh.private_pem())
    return Vapid.from_file(str(path))


def public_key_b64(vapid: Vapid) -> str:
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class WebPushSender:
    """PushSender for the notification domain. The key is loaded (or made) on first use."""

    def __init__(self, var_dir: Path, *, private_key: str | None = None, subject: str = "mailto:shop@example.com",
                 ttl: int = 24 * 3600, timeout: float = 15.0) -> None:
        self._var_dir, self._private_key = var_dir, private_key
        self.subject, self.ttl, self.timeout = subject, ttl, timeout
        self._vapid: Vapid | None = None

    @property
    def vapid(self) -> Vapid:
        if self._vapid is None:
            self._vapid = load_vapid(self._var_dir, self._private_key)
        return self._vapid

    def public_key(self) -> str:
        return public_key_b64(self.vapid)

    def describe(self) -> str:
        return self.subject

    async def send_push(self, subscription: dict[str, Any], message: dict[str, Any]) -> None:
        data = json.dumps(message, ensure_ascii=False)
        endpoint = urlparse(subscription.get("endpoint", ""))
        claims: dict[str, str | int] = {"sub": self.subject, "aud": f"{endpoint.scheme}://{endpoint.netloc}"}
        try:
            await webpush_async(subscription, data, vapid_private_key=self.vapid, vapid_claims=claims,
                                ttl=self.ttl, timeout=aiohttp.ClientTimeout(total=self.timeout))
        except WebPushException as exc:
            if exc.status_code in (404, 410):
                raise SubscriptionGone(f"HTTP {exc.status_code}") from exc
            raise RuntimeError(f"the push service refused: HTTP {exc.status_code}") from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RuntimeError(f"the push service did not answer: {type(exc).__name__}") from exc
