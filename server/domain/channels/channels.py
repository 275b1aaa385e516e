"""Sales channels: create, change, deactivate, look up.

A channel's `code` is its permanent slug (it appears in URLs: /hooks/<code>, /feeds/<code>.yml, and
on every order it brings). `secret` is the webhook HMAC secret or the exchange password, kept as given
because checking a signature or a Basic login needs the original; it is never written to the audit log
and shown only as a hint (`secret_hint`). `settings` holds what the kind needs (SETTINGS below); keys
outside that table are kept as they are, for adapters that need more.

The "api" and "phone" channels always exist: they are seeded on first use, so order intake can rely
on them.
"""

from __future__ import annotations

import json
import re
import secrets as _secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.channels.tables import CHANNEL_KINDS, SalesChannel
from server.errors import Conflict, DomainError, NotFound, ValidationFailed

DEFAULT_CHANNELS = (("api", "REST API", "api"), ("phone", "Телефон", "phone"))
DEFAULT_SCHEDULE_SECONDS = 60
_CODE = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,30}[a-z0-9])?$")  # ≤ 32: orders keep it
_SETTING_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_SETTINGS_BYTES = 8000


def _url(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 500 and re.match(r"^https?://[^\s]+$", value) is not None


def _text(limit: int):
    return lambda value: isinstance(value, str) and len(value) <= limit


def _codes(value: Any) -> bool:
    return isinstance(value, list) and len(value) <= 50 and all(
        isinstance(v, str) and 0 < len(v) <= 32 for v in value)


def _seconds(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 10 <= value <= 86_400


# key → (check, the message when the check fails)
SETTINGS: dict[str, tuple[Any, str]] = {
    "exchange_url": (_url, "The exchange URL must start with http:// or https://"),
    "login": (_text(100), "The login must be at most 100 characters long"),
    "schedule_seconds": (_seconds, "The schedule must be a whole number of seconds from 10 to 86400"),
    "price_type": (lambda v: isinstance(v, str) and re.match(r"^[a-z][a-z0-9_]{0,31}$", v) is not None,
                   "The price type must be a price type code such as retail"),
    "warehouses": (_codes, "Warehouses must be a list of warehouse codes"),
    "feed_token": (lambda v: isinstance(v, str) and 16 <= len(v) <= 100 and v.isprintable() and " " not in v,
                   "The feed token must be 16 to 100 characters without spaces"),
    "shop_name": (_text(200), "The shop name must be at most 200 characters long"),
    "company": (_text(200), "The company name must be at most 200 characters long"),
    "url": (lambda v: v == "" or _url(v), "The shop URL must start with http:// or https://"),
    "offer_url": (lambda v: v == "" or _url(v), "The offer URL must start with http:// or https://"),
}
FEED_KINDS = ("yml", "marketplace")  # a feed token is generated for these when none is given


@dataclass(frozen=True)
class Channel:
    id: int
    code: str
    name: str
    kind: str
    active: bool
    secret: str = field(repr=False)
    settings: dict[str, Any]
    created_at: datetime | None = None

    @property
    def secret_hint(self) -> str:
        """What a screen may show: "" when unset, else the last 4 characters behind dots."""
        if not self.secret:
            return ""
        return "••••" + (self.secret[-4:] if len(self.secret) >= 12 else "")

    @property
    def schedule_seconds(self) -> int:
        return int(self.settings.get("schedule_seconds") or DEFAULT_SCHEDULE_SECONDS)

    @property
    def price_type(self) -> str:
        return self.settings.get("price_type") or "retail"

    @property
    def warehouse_codes(self) -> list[str]:
        """[] means every active warehouse."""
        return list(self.settings.get("warehouses") or [])

    @property
    def feed_token(self) -> str:
        return self.settings.get("feed_token") or ""


def _channel(row: dict) -> Channel:
    settings = row["settings"]
    if isinstance(settings, str):
        settings = json.loads(settings or "{}")
    return Channel(id=row["id"], code=row["code"], name=row["name"], kind=row["kind"], active=row["active"],
                   secret=row["secret"], settings=dict(settings or {}), created_at=row.get("created_at"))


def _check_settings(settings: Any, problems: list[DomainError]) -> dict[str, Any]:
    if settings is None:
        return {}
    if not isinstance(settings, dict):
        problems.append(ValidationFailed("Settings must be an object", field="settings"))
        return {}
    clean: dict[str, Any] = {}
    for key, value in settings.items():
        where = f"settings.{key}"
        if not isinstance(key, str) or not _SETTING_KEY.match(key):
            problems.append(ValidationFailed("Unknown setting %(name)s", field="settings", name=str(key)[:40]))
            continue
        if key in SETTINGS:
            check, message = SETTINGS[key]
            if not check(value):
                problems.append(ValidationFailed(message, field=where))
                continue
        elif not isinstance(value, (str, int, float, bool, list, dict)) and value is not None:
            problems.append(ValidationFailed("Unknown setting %(name)s", field=where, name=key))
            continue
        clean[key] = value
    if len(json.dumps(clean, ensure_ascii=False)) > MAX_SETTINGS_BYTES:
        problems.append(ValidationFailed("The settings are too long", field="settings"))
    return clean


def _check_name(name: Any, problems: list[DomainError]) -> str:
    name = " ".join(name.split()) if isinstance(name, str) else ""
    if not name or len(name) > 200:
        problems.append(ValidationFailed("The channel name must be 1 to 200 characters long", field="name"))
    return name


def _check_secret(secret: Any, problems: list[DomainError]) -> str:
    if not isinstance(secret, str) or len(secret) > 200 or (secret and not secret.isprintable()):
        problems.append(ValidationFailed("The secret must be at most 200 printable characters", field="secret"))
        return ""
    return secret


def _raise(problems: list[DomainError]) -> None:
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationFailed("The channel has %(count)s errors", problems=problems, count=len(problems))


def new_feed_token() -> str:
    return _secrets.token_urlsafe(24)


async def create_channel(code: str, name: str, kind: str, *, secret: str = "", settings: dict | None = None,
                         active: bool = True, actor: str = "system") -> Channel:
    """A new channel; every problem reported at once. Feed kinds get a feed token when none is given."""
    problems: list[DomainError] = []
    code = code.strip() if isinstance(code, str) else ""
    if not _CODE.match(code):
        problems.append(ValidationFailed("A channel code is 1 to 32 lower-case Latin letters, digits, dashes or "
                                         "underscores", field="code"))
    name = _check_name(name, problems)
    if kind not in CHANNEL_KINDS:
        problems.append(ValidationFailed("Unknown channel kind %(kind)s", field="kind", kind=str(kind)[:40]))
    secret = _check_secret(secret, problems)
    clean = _check_settings(settings, problems)
    _raise(problems)
    if kind in FEED_KINDS and not clean.get("feed_token"):
        clean["feed_token"] = new_feed_token()
    async with write_tx():
        if await SalesChannel.exists().where(SalesChannel.code == code):
            raise Conflict("Channel %(code)s already exists", field="code", code=code)
        row = SalesChannel(code=code, name=name, kind=kind, active=bool(active), secret=secret, settings=clean)
        await row.save()
        await record(actor, "channel.create", "sales_channel", row.id,
                     {"code": code, "name": name, "kind": kind, "active": bool(active),
                      "secret": "set" if secret else "", "settings": _visible(clean)})
    return await get_channel(code)


def _visible(settings: dict) -> dict:
    """Settings as the audit log may keep them: the feed token hidden."""
    return {k: ("…" if k == "feed_token" else v) for k, v in settings.items()}


async def update_channel(code: str, *, name: str | None = None, secret: str | None = None,
                         settings: dict | None = None, active: bool | None = None,
                         actor: str = "system") -> dict[str, list]:
    """Changes what is given (settings are replaced as a whole; use `settings={**ch.settings, ...}` to
    change one key). Returns {field: [old, new]} (secret and feed token as "changed"); one audit row."""
    problems: list[DomainError] = []
    new: dict[str, Any] = {}
    if name is not None:
        new["name"] = _check_name(name, problems)
    if secret is not None:
        new["secret"] = _check_secret(secret, problems)
    if settings is not None:
        new["settings"] = _check_settings(settings, problems)
    if active is not None:
        new["active"] = bool(active)
    _raise(problems)
    async with write_tx():
        current = await get_channel(code)
        if current.kind in FEED_KINDS and "settings" in new and not new["settings"].get("feed_token"):
            new["settings"]["feed_token"] = current.feed_token or new_feed_token()
        diff = {k: [getattr(current, k), v] for k, v in new.items() if getattr(current, k) != v}
        if not diff:
            return {}
        await SalesChannel.update({getattr(SalesChannel, k): v[1] for k, v in diff.items()}).where(
            SalesChannel.id == current.id)
        shown = dict(diff)
        if "secret" in shown:
            shown["secret"] = "changed"
        if "settings" in shown:
            shown["settings"] = [_visible(shown["settings"][0]), _visible(shown["settings"][1])]
        await record(actor, "channel.update", "sales_channel", current.id, {"code": code, **shown})
    return {k: (["…", "…"] if k == "secret" else v) for k, v in diff.items()}


async def deactivate_channel(code: str, *, actor: str = "system") -> bool:
    """Stops the channel: webhooks and feeds refuse it, exchanges skip it. False if already inactive."""
    return bool(await update_channel(code, active=False, actor=actor))


async def rotate_feed_token(code: str, *, actor: str = "system") -> str:
    """A new feed token (the old feed URL stops working); returns it."""
    current = await get_channel(code)
    token = new_feed_token()
    await update_channel(code, settings={**current.settings, "feed_token": token}, actor=actor)
    return token


async def ensure_default_channels() -> None:
    """"api" (REST API) and "phone" (Телефон) — idempotent, safe concurrently."""
    codes = [code for code, _name, _kind in DEFAULT_CHANNELS]
    have = {r["code"] for r in await SalesChannel.select(SalesChannel.code).where(SalesChannel.code.is_in(codes))}
    if len(have) == len(codes):
        return
    async with write_tx():
        for code, name, kind in DEFAULT_CHANNELS:
            if code not in have:
                await SalesChannel.raw("INSERT INTO sales_channel (code, name, kind, active, secret, settings, "
                                       "created_at) VALUES ({}, {}, {}, {}, '', {}, {}) "
                                       "ON CONFLICT (code) DO NOTHING", code, name, kind, True, "{}",
                                       datetime.now(UTC))


async def find_channel(code: str) -> Channel | None:
    """The channel, or None. The default channels are seeded when first asked for."""
    if not isinstance(code, str) or not code or len(code) > 32:
        return None
    row = await SalesChannel.select().where(SalesChannel.code == code).output(load_json=True).first()
    if row is None and code in {c for c, _n, _k in DEFAULT_CHANNELS}:
        await ensure_default_channels()
        row = await SalesChannel.select().where(SalesChannel.code == code).output(load_json=True).first()
    return _channel(row) if row else None


async def get_channel(code: str) -> Channel:
    """The channel (active or not); NotFound when there is none."""
    found = await find_channel(code)
    if found is None:
        raise NotFound("Unknown sales channel %(code)s", field="channel", code=str(code)[:40])
    return found


async def list_channels(*, active_only: bool = False) -> list[Channel]:
    await ensure_default_channels()
    query = SalesChannel.select().order_by(SalesChannel.code)
    if active_only:
        query = query.where(SalesChannel.active.eq(True))
    return [_channel(r) for r in await query.output(load_json=True)]
