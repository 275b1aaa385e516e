"""base64(HMAC-SHA256(secret, raw body)): the signature WooCommerce (X-WC-Webhook-Signature) and
Shopify (X-Shopify-Hmac-Sha256) send. Always over the raw bytes as received — re-serialised JSON
differs — and compared in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac


def sign(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(secret: str, body: bytes, given: str | None) -> bool:
    """True only for a non-empty secret and the exact signature (constant-time comparison)."""
    if not secret or not given:
        return False
    try:
        given_bytes = given.strip().encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(sign(secret, body).encode("ascii"), given_bytes)
