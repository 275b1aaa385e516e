"""SMS through an HTTP gateway with the SMS.ru API:

    POST <SMS_GATEWAY_URL>  api_id=<SMS_API_KEY>&to=79161234567&msg=<text>&json=1[&from=<SMS_FROM>]
    → {"status": "OK", "sms": {"79161234567": {"status": "OK", "sms_id": "…"}}, …}
    → {"status": "ERROR", "status_code": 200, "status_text": "Неправильный api_id"}

Any answer but "OK" for the number (or a non-2xx reply, or a timeout) raises SmsFailed, so the outbox
tries the message again later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import httpx

DEFAULT_URL = "https://sms.ru/sms/send"


class SmsFailed(Exception):
    """The gateway did not accept the message."""


@dataclass(frozen=True)
class SmsSettings:
    url: str
    api_key: str
    sender: str = ""  # an approved sender name, else the gateway's default
    timeout: float = 15.0

    def describe(self) -> str:
        return f"{urlparse(self.url).hostname or self.url}" + (f" ({self.sender})" if self.sender else "")


class SmsRuGateway:
    """SmsSender for the notification domain."""

    def __init__(self, settings: SmsSettings) -> None:
        self.settings = settings

    async def send_sms(self, phone: str, text: str) -> None:
        s = self.settings
        form = {"api_id": s.api_key, "to": phone, "msg": text, "json": "1"}
        if s.sender:
            form["from"] = s.sender
        try:
            async with httpx.AsyncClient(timeout=s.timeout) as client:
                reply = await client.post(s.url, data=form)
        except httpx.HTTPError as exc:
            raise SmsFailed(f"the gateway did not answer: {type(exc).__name__}") from exc
        if reply.status_code // 100 != 2:
            raise SmsFailed(f"the gateway answered HTTP {reply.status_code}")
        try:
            answer: Any = reply.json()
        except ValueError:
            raise SmsFailed(f"the gateway answered no JSON: {reply.text[:200]!r}") from None
        _check(answer, phone)


def _check(answer: Any, phone: str) -> None:
    if not isinstance(answer, dict):
        raise SmsFailed(f"unexpected answer: {str(answer)[:200]}")
    if answer.get("status") != "OK":
        raise SmsFailed(_reason(answer))
    per_number = (answer.get("sms") or {}).get(phone)
    if isinstance(per_number, dict) and per_number.get("status") != "OK":
        raise SmsFailed(_reason(per_number))


def _reason(part: dict) -> str:
    code, text = part.get("status_code"), part.get("status_text") or part.get("status") or "ERROR"
    return f"{code} {text}".strip() if code is not None else str(text)
