"""E-mail over SMTP, configured by one URL:

    SMTP_URL=smtp://user:password@smtp.example.com:587?from=shop@example.com&from_name=Кофейная%20лавка

- `smtp://` plain SMTP, upgraded with STARTTLS when `starttls=1` (the default on port 587);
  `smtps://` TLS from the first byte (port 465 by default).
- `from` (the sender address; else the user name when it is an address), `from_name`,
  `timeout` (seconds, default 30), `verify=0` (accept a self-signed certificate).

The message is plain text in UTF-8 (headers encoded per RFC 2047). The standard library's smtplib runs
in a thread so the event loop never waits on the network.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import parse_qs, unquote, urlparse

from server.config import ConfigError

_TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    sender_name: str = ""
    username: str = ""
    password: str = ""
    tls: bool = False  # smtps://
    starttls: bool = False
    verify: bool = True
    timeout: float = 30.0

    def describe(self) -> str:
        mode = "SSL" if self.tls else "STARTTLS" if self.starttls else "SMTP"
        return f"{self.sender} via {self.host}:{self.port} ({mode})"


def parse_smtp_url(url: str) -> SmtpSettings:
    parsed = urlparse(url.strip())
    if parsed.scheme not in ("smtp", "smtps") or not parsed.hostname:
        raise ConfigError(f"SMTP_URL must look like smtp://user:pass@host:587?from=shop@example.com, got {url!r}")
    query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    tls = parsed.scheme == "smtps"
    try:
        port = parsed.port or (465 if tls else 587 if query.get("starttls", "").lower() in _TRUE else 25)
        timeout = float(query.get("timeout", "30"))
    except ValueError as exc:
        raise ConfigError(f"SMTP_URL: {exc}") from exc
    username = unquote(parsed.username or "")
    sender = query.get("from") or (username if "@" in username else f"shop@{parsed.hostname}")
    starttls_default = "1" if port == 587 and not tls else "0"
    return SmtpSettings(host=parsed.hostname, port=port, sender=sender, sender_name=query.get("from_name", ""),
                        username=username, password=unquote(parsed.password or ""), tls=tls,
                        starttls=not tls and query.get("starttls", starttls_default).lower() in _TRUE,
                        verify=query.get("verify", "1").lower() in _TRUE, timeout=timeout)


class SmtpSender:
    """EmailSender for the notification domain."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def compose(self, to: str, subject: str, body: str) -> EmailMessage:
        s = self.settings
        message = EmailMessage()
        message["From"] = formataddr((s.sender_name, s.sender)) if s.sender_name else s.sender
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain=s.sender.rpartition("@")[2] or None)
        message.set_content(body, charset="utf-8")
        return message

    async def send_email(self, to: str, subject: str, body: str) -> None:
        await asyncio.to_thread(self._send, self.compose(to, subject, body))

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if not self.settings.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _send(self, message: EmailMessage) -> None:
        s = self.settings
        if s.tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._context())
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        with client:
            if s.starttls:
                client.starttls(context=self._context())
            if s.username:
                client.login(s.username, s.password)
            client.send_message(message)
