"""Customer notifications in the manager app:
- /manager/notifications — the owner's templates: every status × channel, on/off, edit with a preview,
  back to the built-in text;
- /manager/notifications/log — the delivery log (managers too), failed events with "send again"."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.domain.notify.deliveries import DeliveryFilter, search_deliveries
from server.domain.notify.providers import CHANNELS, providers
from server.domain.notify.templates import (
    get_template,
    list_templates,
    preview,
    reset_template,
    save_template,
)
from server.domain.outbox.manage import counts, list_events, retry
from server.domain.outbox.worker import registered_topics
from server.errors import DomainError
from server.routes.manager._common import (
    FLASH_KEY,
    PAGE_SIZE,
    actor_of,
    error_flash,
    errors_by_field,
    flash,
    fragment,
    page,
    page_number,
    pages,
    redirect,
    wants_fragment,
)
from server.web.i18n import gettext as _

BASE = "/manager/notifications"
OWNER_ONLY = {"owner"}
LOG_ROLES = {"manager"}


def _labels() -> dict[str, Any]:
    return {"channel_labels": {"email": _("By e-mail"), "sms": _("By SMS"), "push": _("By web push")},
            "delivery_labels": {"sent": _("Message sent"), "failed": _("Message not sent")},
            "event_labels": {"pending": _("Event waiting"), "done": _("Event delivered"), "failed": _("Delivery failed")}}


def _form_text(form: Any, name: str, limit: int) -> str:
    value = form.get(name)
    return str(value)[:limit] if value is not None else ""


class NotificationTemplatesController(Controller):
    path = BASE
    opt = {"roles": OWNER_ONLY}

    @get("/", name="notification-templates")
    async def index(self, request: Request) -> Template:
        configured = {c: providers().described.get(c, "") if getattr(providers(), c) else "" for c in CHANNELS}
        return page(request, "manager/notifications.html",
                    {"rows": await list_templates(), "channels": CHANNELS, "configured": configured,
                     "nav": "admin", "title": _("Messages to customers"), **_labels()})

    @get("/{status:str}/{channel:str}", name="notification-template")
    async def edit(self, request: Request, status: str, channel: str) -> Template:
        template = await get_template(status, channel)
        return _edit_page(request, asdict(template))

    @post("/{status:str}/{channel:str}")
    async def save(self, request: Request, status: str, channel: str) -> Template | Redirect | ClientRedirect:
        form = await request.form()
        typed = {"status": status, "channel": channel, "subject": _form_text(form, "subject", 400),
                 "body": _form_text(form, "body", 10_000), "enabled": str(form.get("enabled") or "") in ("on", "1")}
        await get_template(status, channel)  # 404 for a status or channel that does not exist
        try:
            await save_template(status, channel, subject=typed["subject"], body=typed["body"],
                                enabled=typed["enabled"], actor=actor_of(request))
        except DomainError as exc:
            return _edit_page(request, {**asdict(await get_template(status, channel)), **typed}, exc)
        flash(request, _("The message is saved"))
        return redirect(request, BASE)

    @post("/{status:str}/{channel:str}/preview")
    async def show_preview(self, request: Request, status: str, channel: str) -> Template:
        form = await request.form()
        try:
            message = preview(status, channel, _form_text(form, "subject", 400), _form_text(form, "body", 10_000))
        except DomainError as exc:
            return fragment("manager/_notification_preview.html", {"errors": errors_by_field(exc), "message": None,
                                                                    "channel": channel}, status_code=200)
        return fragment("manager/_notification_preview.html", {"message": message, "errors": {}, "channel": channel})

    @post("/{status:str}/{channel:str}/reset")
    async def reset(self, request: Request, status: str, channel: str) -> Redirect | ClientRedirect:
        await reset_template(status, channel, actor=actor_of(request))
        flash(request, _("The built-in text is back"))
        return redirect(request, f"{BASE}/{status}/{channel}")


def _edit_page(request: Request, values: dict[str, Any], error: DomainError | None = None) -> Template:
    context = {"t": values, "errors": {}, "nav": "admin", "title": _("Edit the message"), **_labels()}
    if error is None:
        return page(request, "manager/notification_edit.html", context)
    context["errors"], context["flash"] = errors_by_field(error), error_flash(error)
    return page(request, "manager/notification_edit.html", context, status_code=error.status_code)


class NotificationLogController(Controller):
    path = f"{BASE}/log"
    opt = {"roles": LOG_ROLES}

    @get("/", name="notification-log")
    async def log(self, request: Request, status: str = "", channel: str = "", q: str = "",
                  page_no: str = Parameter(query="page", default="1")) -> Template:
        params = {"status": status.strip()[:8], "channel": channel.strip()[:8], "q": q.strip()[:100]}
        number = page_number(page_no)
        rows, total = await search_deliveries(DeliveryFilter(status=params["status"], channel=params["channel"],
                                                             query=params["q"]),
                                              limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
        context = {"rows": rows, "filters": params, "paging": pages(total, number, f"{BASE}/log", params),
                   **_labels()}
        if wants_fragment(request):
            return fragment("manager/_notification_log_rows.html", context)
        failed, _total = await list_events(status="failed", limit=20)
        return page(request, "manager/notification_log.html",
                    {**context, "failed_events": failed, "event_counts": await counts(registered_topics()), "nav": "admin",
                     "title": _("Notification log"), "channels": CHANNELS})

    @post("/retry/{event_id:uuid}")
    async def send_again(self, request: Request, event_id: uuid.UUID) -> Redirect | ClientRedirect:
        try:
            await retry(event_id, actor=actor_of(request))
        except DomainError as exc:
            request.session[FLASH_KEY] = error_flash(exc)
            return redirect(request, f"{BASE}/log")
        flash(request, _("The event will be sent again within a minute"))
        return redirect(request, f"{BASE}/log")
