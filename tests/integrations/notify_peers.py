"""Real peers on loopback for the notification tests: an SMTP server (aiosmtpd) that keeps what it
receives, an SMS.ru-style HTTP gateway that records requests and answers what it is told, and a web
push endpoint that decrypts each payload (http_ece) with the subscriber's private key and checks the
VAPID signature. Plus a subscriber key pair and an "order.status_changed" payload builder."""

from __future__ import annotations

import base64
import json
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import http_ece
from aiohttp import web
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from harness import free_port


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# ---- SMTP ---------------------------------------------------------------------------------------

@dataclass
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=default_policy)  # type: ignore[return-value]


class _Inbox:
    def __init__(self) -> None:
        self.mails: list[Mail] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or
                               envelope.content))
        return "250 OK"


@asynccontextmanager
async def smtp_server():
    """Yields (port, inbox list)."""
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox.mails
    finally:
        controller.stop()


# ---- SMS gateway ----------------------------------------------------------------------------------

@dataclass
class SmsGateway:
    url: str = ""
    requests: list[dict[str, str]] = field(default_factory=list)
    answers: list[tuple[int, Any]] = field(default_factory=list)  # consumed first; then OK

    async def handle(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.requests.append({k: str(v) for k, v in form.items()})
        if self.answers:
            status, body = self.answers.pop(0)
            return web.json_response(body, status=status) if not isinstance(body, str) else web.Response(
                text=body, status=status)
        phone = form.get("to", "")
        return web.json_response({"status": "OK", "status_code": 100, "balance": 42.5,
                                  "sms": {phone: {"status": "OK", "status_code": 100, "sms_id": "000-1"}}})


# ---- web push ------------------------------------------------------------------------------------

@dataclass
class Subscriber:
    """A browser's side of a push subscription: its P-256 key pair and auth secret."""

    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @classmethod
    def new(cls) -> Subscriber:
        import os

        return cls(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))

    def subscription(self, endpoint: str) -> dict[str, Any]:
        public = self.private_key.public_key().public_bytes(serialization.Encoding.X962,
                                                            serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": b64url(public),
                                                                       "auth": b64url(self.auth)}}

    def decrypt(self, body: bytes) -> dict[str, Any]:
        clear = http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm")
        return json.loads(clear.decode("utf-8"))


def verify_vapid(authorization: str, audience: str) -> dict[str, Any]:
    """Checks `vapid t=<jwt>, k=<public key>` (RFC 8292): ES256 signature, audience, expiry; returns
    the claims and the key."""
    scheme, _sp, params = authorization.partition(" ")
    assert scheme.lower() == "vapid", authorization
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    header_b64, claims_b64, signature_b64 = parts["t"].split(".")
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(parts["k"]))
    raw = unb64url(signature_b64)
    signature = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key.verify(signature, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    claims = json.loads(unb64url(claims_b64))
    assert claims["aud"] == audience, claims
    return {**claims, "k": parts["k"]}


@dataclass
class PushService:
    base: str = ""
    subscribers: dict[str, Subscriber] = field(default_factory=dict)  # path → subscriber
    received: list[dict[str, Any]] = field(default_factory=list)
    answer_status: int = 201

    def new_subscription(self, name: str) -> dict[str, Any]:
        subscriber = Subscriber.new()
        self.subscribers[f"/push/{name}"] = subscriber
        return subscriber.subscription(f"{self.base}/push/{name}")

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        subscriber = self.subscribers[request.path]
        vapid = verify_vapid(request.headers["Authorization"], self.base)
        self.received.append({"path": request.path, "message": subscriber.decrypt(body), "vapid": vapid,
                              "encoding": request.headers.get("Content-Encoding"), "ttl": request.headers.get("TTL")})
        return web.Response(status=self.answer_status)


# ---- both HTTP peers on one loopback server ------------------------------------------------------

@asynccontextmanager
async def http_peers():
    """Yields (SmsGateway, PushService) served by one aiohttp server on a free loopback port."""
    gateway, push = SmsGateway(), PushService()
    app = web.Application()
    app.router.add_post("/sms/send", gateway.handle)
    app.router.add_post("/push/{name}", push.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    gateway.url, push.base = f"http://127.0.0.1:{port}/sms/send", f"http://127.0.0.1:{port}"
    try:
        yield gateway, push
    finally:
        await runner.cleanup()


def status_changed(to: str = "confirmed", *, notify: bool = True, email: str = "anna@example.com",
                   phone: str = "+7 (916) 123-45-67", token: str = "trk_AbCdEf0123456789", number: str = "1024",
                   **extra: Any) -> dict[str, Any]:
    """An "order.status_changed" payload as the orders side emits it."""
    return {"order_id": 7, "number": number, "channel": "site", "from": "new", "to": to,
            "status_label": {"confirmed": "Подтверждён", "out_for_delivery": "Передан курьеру"}.get(to, to),
            "notify": notify, "at": "2026-11-25T09:30:00+00:00", "tracking_token": token,
            "customer": {"name": "Анна Петрова", "email": email, "phone": phone}, "total": 245000,
            "delivery": {"address": "Москва, ул. Лесная, 5", "window_start": "2026-11-26T07:00:00Z",
                         "window_end": "2026-11-26T11:00:00Z"}, **extra}
