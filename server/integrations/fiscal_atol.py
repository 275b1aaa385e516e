"""ATOL Online API v5 client (httpx, async): token, sell / sell_refund, report.

- `POST getToken` {"login","pass"} → {"token"}; the token is kept 24 h (re-got a little earlier) and
  re-got once at once when the provider answers an auth error (HTTP 401, or error codes 11–14 about the
  token) — a token that expires in the middle of a batch costs one extra request, nothing is lost.
- `POST <group>/<operation>` with the `Token` header. The answer {"uuid","status":"wait"} means held. A
  duplicate `external_id` is answered with the document the provider already holds (error code 10 and its
  uuid, or the plain wait answer): we take that uuid — the same document is never fiscalised twice. A
  duplicate answer without a uuid raises `AtolUnavailable` (the receipt stays queued under the same key,
  never failed, so it is never re-sent under a new one).
- `GET <group>/report/<uuid>` → wait | done | fail.
- Timeouts, connection errors and 5xx raise `AtolUnavailable` (try again later, same external_id); a
  4xx refusal of the document raises `AtolRefused` (the provider said fail: the receipt is failed and is
  retried only by hand, under a new external_id).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

TOKEN_LIFETIME_S = 24 * 3600
TOKEN_MARGIN_S = 30 * 60  # re-get half an hour before the provider's 24 h run out
AUTH_ERROR_CODES = {11, 12, 13, 14}  # token missing / expired / not valid / wrong login or password
DUPLICATE_CODE = 10  # a document with this external_id exists already


class AtolError(Exception):
    """The provider could not be used; `text` says why (shown to the manager)."""


class AtolUnavailable(AtolError):
    """Timeout, connection failure, 5xx: try again later with the same external_id."""


class AtolRefused(AtolError):
    """The provider refused the document (4xx, or a fail answer): `report` is its answer."""

    def __init__(self, text: str, report: dict[str, Any] | None = None) -> None:
        super().__init__(text)
        self.report = report or {}


class AtolAuthFailed(AtolError):
    """getToken refused the login and password (a setting to fix; the receipt waits)."""


@dataclass(frozen=True)
class AtolConfig:
    base_url: str  # ends with /possystem/v5/
    login: str
    password: str
    group: str
    timeout: float = 15.0


def _error_code(body: Any) -> int | None:
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        try:
            return int(error.get("code"))
        except (TypeError, ValueError):
            return None
    return None


def _error_text(body: Any, status: int) -> str:
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return f"HTTP {status}, error {error.get('code')}: {error.get('text') or ''}".strip()
    return f"HTTP {status}"


class AtolClient:
    def __init__(self, config: AtolConfig, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.config = config
        self.base = config.base_url.rstrip("/") + "/"
        self._transport = transport
        self._token: str | None = None
        self._token_at = 0.0
        self.token_requests = 0

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self.config.timeout, transport=self._transport)

    async def _call(self, method: str, path: str, *, json: dict | None = None,
                    token: str | None = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if token:
            headers["Token"] = token
        try:
            async with self._client() as http:
                response = await http.request(method, self.base + path, json=json, headers=headers)
        except httpx.TimeoutException as exc:
            raise AtolUnavailable(f"timeout: {type(exc).__name__}") from exc
        except httpx.HTTPError as exc:
            raise AtolUnavailable(f"{type(exc).__name__}: {exc}"[:300]) from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 500:
            raise AtolUnavailable(_error_text(body, response.status_code))
        return response.status_code, body

    async def token(self, *, force: bool = False) -> str:
        fresh = self._token and time.monotonic() - self._token_at < TOKEN_LIFETIME_S - TOKEN_MARGIN_S
        if fresh and not force:
            return self._token  # type: ignore[return-value]
        self.token_requests += 1
        status, body = await self._call("POST", "getToken",
                                        json={"login": self.config.login, "pass": self.config.password})
        if status != 200 or not isinstance(body, dict) or not body.get("token"):
            raise AtolAuthFailed(f"getToken: {_error_text(body, status)}")
        self._token, self._token_at = body["token"], time.monotonic()
        return self._token

    def _auth_refused(self, status: int, body: Any) -> bool:
        return status == 401 or _error_code(body) in AUTH_ERROR_CODES

    async def _authorised(self, method: str, path: str, json: dict | None = None) -> tuple[int, Any]:
        status, body = await self._call(method, path, json=json, token=await self.token())
        if self._auth_refused(status, body):  # expired (maybe mid-batch): one fresh token, one more try
            status, body = await self._call(method, path, json=json, token=await self.token(force=True))
            if self._auth_refused(status, body):
                raise AtolAuthFailed(f"{path}: {_error_text(body, status)}")
        return status, body

    async def register(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        """Sends a document (`sell`, `sell_refund`); returns {"uuid", "status", "duplicate"}."""
        if operation not in ("sell", "sell_refund"):
            raise ValueError(f"unsupported operation {operation!r}")
        status, answer = await self._authorised("POST", f"{self.config.group}/{operation}", body)
        answer = answer if isinstance(answer, dict) else {}
        duplicate = _error_code(answer) == DUPLICATE_CODE
        if duplicate and not answer.get("uuid"):
            # The provider holds a document under this key but did not say which: failing it would let it
            # be sent again under a new key and fiscalised twice. It stays to be tried again (same key).
            raise AtolUnavailable(f"duplicate external_id without the document's uuid ({_error_text(answer, status)});"
                                  " the provider holds it — check it in the ATOL cabinet, do not send it anew")
        if answer.get("uuid") and (duplicate or (status < 400 and not answer.get("error"))):
            return {"uuid": str(answer["uuid"]), "status": answer.get("status") or "wait", "duplicate": duplicate}
        raise AtolRefused(_error_text(answer, status), answer)

    async def report(self, uuid: str) -> dict[str, Any]:
        """The provider's report of a held document: {"status": wait | done | fail, …} as sent."""
        status, answer = await self._authorised("GET", f"{self.config.group}/report/{uuid}")
        if not isinstance(answer, dict):
            raise AtolUnavailable(f"report: HTTP {status} without JSON")
        if status == 404 or (status >= 400 and answer.get("status") not in ("fail", "done", "wait")):
            raise AtolUnavailable(f"report: {_error_text(answer, status)}")
        return answer
