"""The owner's templates: the built-in Russian texts with the owner's edits over them, switched on or
off per status and channel, checked before they are saved and previewed on a sample order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.notify.defaults import (
    OTHER,
    SAMPLE_PAYLOAD,
    default_template,
    known_statuses,
    status_label,
)
from server.domain.notify.message import Message, render, variables
from server.domain.notify.providers import CHANNELS, renderer
from server.domain.notify.tables import NotificationTemplate
from server.errors import NotFound, ValidationFailed

STATUS_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
LIMITS = {"email": (200, 8000), "sms": (0, 1000), "push": (100, 500)}  # (subject, body) characters


@dataclass(frozen=True)
class Template:
    status: str
    channel: str
    subject: str
    body: str
    enabled: bool
    customized: bool  # differs from the built-in text
    label: str  # the status as the owner's screen names it
    updated_at: datetime | None = None
    updated_by: str = ""


def _check_key(status: str, channel: str) -> None:
    if channel not in CHANNELS or not STATUS_RE.match(status or ""):
        raise NotFound("No message for status %(status)s and channel %(channel)s", status=str(status)[:32],
                       channel=str(channel)[:8])


def _template(status: str, channel: str, row: dict | None) -> Template:
    subject, body = default_template(status, channel)
    if row is None:
        return Template(status, channel, subject, body, True, False, status_label(status))
    return Template(status, channel, row["subject"], row["body"], bool(row["enabled"]),
                    (row["subject"], row["body"]) != (subject, body), status_label(status),
                    row["updated_at"], row["updated_by"])


async def get_template(status: str, channel: str) -> Template:
    _check_key(status, channel)
    row = await NotificationTemplate.select().where(NotificationTemplate.key == f"{status}:{channel}").first()
    return _template(status, channel, row)


async def template_for(status: str, channel: str) -> Template:
    """The message an order entering `status` gets on `channel`: its own, else the OTHER one."""
    keys = [f"{status}:{channel}", f"{OTHER}:{channel}"]
    rows = {r["key"]: r for r in await NotificationTemplate.select().where(NotificationTemplate.key.is_in(keys))}
    if status in known_statuses() or f"{status}:{channel}" in rows:
        return _template(status, channel, rows.get(keys[0]))
    return _template(OTHER, channel, rows.get(keys[1]))


async def list_templates() -> list[dict[str, Any]]:
    """Every known status (and any the owner added) with its three channels, in workflow order."""
    rows = {r["key"]: r for r in await NotificationTemplate.select()}
    extra = sorted({r["status"] for r in rows.values()} - set(known_statuses()))
    statuses = [s for s in known_statuses() if s != OTHER] + extra + [OTHER]
    return [{"status": s, "label": status_label(s),
             "channels": {c: _template(s, c, rows.get(f"{s}:{c}")) for c in CHANNELS}} for s in statuses]


def _validate(channel: str, subject: str, body: str) -> None:
    problems: list[ValidationFailed] = []
    max_subject, max_body = LIMITS[channel]
    if channel != "sms" and not subject.strip():
        problems.append(ValidationFailed("The subject must not be empty", field="subject"))
    if len(subject) > max_subject:
        problems.append(ValidationFailed("The subject must be at most %(max)s characters long", field="subject",
                                         max=max_subject))
    if not body.strip():
        problems.append(ValidationFailed("The text must not be empty", field="body"))
    if len(body) > max_body:
        problems.append(ValidationFailed("The text must be at most %(max)s characters long", field="body",
                                         max=max_body))
    sample = variables({**SAMPLE_PAYLOAD})
    for field, source in (("subject", subject), ("body", body)):
        error = renderer().check(source)
        if error is None:
            try:  # a template that parses may still fail when rendered (a forbidden attribute …)
                renderer().render(source, sample)
            except ValueError as exc:
                error = str(exc)[:300]
        if error:
            problems.append(ValidationFailed("The template has an error: %(error)s", field=field, error=error))
    if problems:
        if len(problems) == 1:
            raise problems[0]
        raise ValidationFailed("The message has %(count)s errors", problems=problems, count=len(problems))


async def save_template(status: str, channel: str, *, subject: str, body: str, enabled: bool,
                        actor: str) -> Template:
    """Stores the owner's text (checked first: lengths, template syntax) and the on/off switch."""
    _check_key(status, channel)
    subject = "" if channel == "sms" else subject.strip()
    body = body.replace("\r\n", "\n").strip() + ("\n" if channel == "email" else "")
    _validate(channel, subject, body)
    async with write_tx():
        before = await get_template(status, channel)
        await _upsert(status, channel, subject, body, enabled, actor)
        changes = {name: {"old": old, "new": new} for name, old, new in (
            ("subject", before.subject, subject), ("body", before.body, body), ("enabled", before.enabled, enabled))
            if old != new}
        await record(actor, "update", "notification_template", f"{status}:{channel}", changes)
    return await get_template(status, channel)


async def set_enabled(status: str, channel: str, enabled: bool, *, actor: str) -> Template:
    current = await get_template(status, channel)
    return await save_template(status, channel, subject=current.subject, body=current.body, enabled=enabled,
                               actor=actor)


async def reset_template(status: str, channel: str, *, actor: str) -> Template:
    """Back to the built-in text (the on/off switch stays)."""
    current = await get_template(status, channel)
    subject, body = default_template(status, channel)
    return await save_template(status, channel, subject=subject, body=body, enabled=current.enabled, actor=actor)


async def _upsert(status: str, channel: str, subject: str, body: str, enabled: bool, actor: str) -> None:
    now = datetime.now(UTC)
    row = NotificationTemplate(key=f"{status}:{channel}", status=status, channel=channel, subject=subject,
                               body=body, enabled=enabled, updated_at=now, updated_by=actor[:100])
    await NotificationTemplate.insert(row).on_conflict(
        target=NotificationTemplate.key, action="DO UPDATE",
        values=[NotificationTemplate.subject, NotificationTemplate.body, NotificationTemplate.enabled,
                NotificationTemplate.updated_at, NotificationTemplate.updated_by])


def preview(status: str, channel: str, subject: str, body: str) -> Message:
    """The message as a customer of the sample order would get it (the template is checked first)."""
    _check_key(status, channel)
    _validate(channel, "" if channel == "sms" else subject, body)
    payload = {**SAMPLE_PAYLOAD, "to": status, "status_label": status_label(status)}
    return render(channel, subject, body, variables(payload))
