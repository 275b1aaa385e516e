"""Sales channels in the manager app (owner and managers):
- /manager/channels — every channel with its kind, whether it is on, its last sync, pending changes and
  last error; a new channel (pick the kind, then its fields);
- /manager/channels/<code> — change it (kind-specific settings; the secret masked, kept when left
  empty), the addresses to give the site (webhook, 1C exchange, YML feed), «Синхронизировать сейчас»
  for a site exchange (server.integrations.commerceml.client.run_exchange, in the background), the
  last exchange runs and its failed outbox events with «send again»;
- /manager/catalog-import — a CommerceML catalog upload (import.xml [+ offers.xml]) imported in the
  background with a progress bar the page polls every 500 ms (see _catalog_import.py)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.domain.catalog.prices import list_price_types
from server.domain.channels.channels import (
    Channel,
    create_channel,
    get_channel,
    rotate_feed_token,
    update_channel,
)
from server.domain.channels.tables import CHANNEL_KINDS
from server.domain.exchange.runs import recent_runs
from server.domain.outbox.manage import list_events, retry
from server.domain.sync.cursors import sync_state, sync_states
from server.errors import DomainError
from server.integrations.commerceml.client import run_exchange
from server.outbox_runner import base_url
from server.routes.manager import _catalog_import as imports
from server.routes.manager._common import (
    FLASH_KEY,
    STOCK_ROLES,
    actor_of,
    error_flash,
    errors_by_field,
    flash,
    fragment,
    page,
    redirect,
    to_int,
    wants_fragment,
)
from server.web.i18n import gettext as _
from server.web.i18n import translate_error

log = logging.getLogger("kladovka.exchange")
BASE = "/manager/channels"
IMPORT = "/manager/catalog-import"
ROLES = STOCK_ROLES  # managers (and the owner)
MAX_UPLOAD = 256 * 1024 * 1024
SECRET_KINDS = ("woocommerce", "shopify", "commerceml_site", "commerceml_1c")
FEED_KINDS = ("yml", "marketplace")
# The settings each kind shows in the form, in order (the secret is a field of its own).
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "commerceml_site": ("exchange_url", "login", "schedule_seconds"),
    "commerceml_1c": ("login",),
    "yml": ("shop_name", "company", "url", "price_type", "warehouses"),
    "marketplace": ("shop_name", "company", "url", "price_type", "warehouses"),
}
_exchanges: set[asyncio.Task] = set()


def _labels() -> dict[str, Any]:
    return {
        "kind_names": {"api": _("REST API"), "phone": _("Phone orders"), "woocommerce": _("WooCommerce webhooks"),
                       "shopify": _("Shopify webhooks"),
                       "commerceml_site": _("Shop site: Kladovka exchanges as 1C (CommerceML)"),
                       "commerceml_1c": _("The shop's 1C exchanges with Kladovka as with a site (CommerceML)"),
                       "yml": _("YML feed (Yandex Market and others)"), "marketplace": _("Marketplace feed")},
        "secret_names": {"woocommerce": _("Webhook secret"), "shopify": _("Webhook secret"),
                         "commerceml_site": _("Exchange password"), "commerceml_1c": _("Exchange password")},
        "field_names": {"exchange_url": _("Exchange URL of the site"), "login": _("Exchange login"),
                        "schedule_seconds": _("Exchange every, seconds"), "shop_name": _("Shop name in the feed"),
                        "company": _("Company name in the feed"), "url": _("Shop site address"),
                        "price_type": _("Price type of the feed"),
                        "warehouses": _("Stock from warehouses (codes, comma-separated; empty: all)")},
        "run_labels": {"running": _("exchange running"), "success": _("exchange succeeded"),
                       "failed": _("exchange failed")},
        "import_kinds": {"categories": _("Groups (categories)"), "properties": _("Properties"),
                         "price_types": _("Price types"), "warehouses": _("Warehouses"), "units": _("Units of measure"),
                         "products": _("Products (cards)"), "variants": _("Variants"), "barcodes": _("Barcodes"),
                         "prices": _("Prices"), "stock": _("Stock")},
    }


def _typed_settings(form: Any, kind: str, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """The kind's settings from the form over the current ones; an emptied field is removed. A number
    that is not one is passed on as typed, for the domain to say why."""
    settings = dict(current or {})
    for key in KIND_FIELDS.get(kind, ()):
        raw = str(form.get(key) or "").strip()[:500]
        value: Any = raw
        if key == "schedule_seconds" and raw:
            value = to_int(raw, None) if to_int(raw, None) is not None else raw
        elif key == "warehouses":
            value = [c.strip().upper() for c in raw.replace(";", ",").split(",") if c.strip()]
        if value in ("", []):
            settings.pop(key, None)
        else:
            settings[key] = value
    return settings


def _urls(channel: Channel) -> dict[str, str]:
    """What to give the other side: where to send webhooks, where 1C exchanges, the feed address."""
    root = base_url()
    urls = {}
    if channel.kind in ("woocommerce", "shopify"):
        urls["hook"] = f"{root}/hooks/{channel.code}"
    if channel.kind == "commerceml_1c":
        urls["exchange"] = f"{root}/exchange/1c/{channel.code}"
    if channel.kind in FEED_KINDS and channel.feed_token:
        urls["feed"] = f"{root}/feeds/{channel.code}.yml?token={channel.feed_token}"
    return urls


def _can_sync(channel: Channel) -> bool:
    return channel.active and channel.kind == "commerceml_site" and bool(channel.settings.get("exchange_url"))


async def _failed_events(code: str) -> list[dict]:
    rows, _total = await list_events(status="failed", limit=200)
    return [r for r in rows if isinstance(r.get("payload"), dict) and r["payload"].get("channel") == code][:20]


async def _form_context(kind: str) -> dict[str, Any]:
    return {"price_types": await list_price_types() if kind in FEED_KINDS else [], "kind_fields": KIND_FIELDS,
            "secret_kinds": SECRET_KINDS, **_labels()}


async def _list_page(request: Request, kind: str = "", typed: dict[str, Any] | None = None,
                     error: DomainError | None = None) -> Template:
    kind = kind if kind in CHANNEL_KINDS else ""
    context = {"states": await sync_states(), "kind": kind, "kinds": CHANNEL_KINDS,
               "typed": typed or {"code": "", "name": "", "active": True, "settings": {}}, "errors": {},
               **await _form_context(kind), "nav": "channels", "title": _("Sales channels")}
    if error is None:
        return page(request, "manager/channels.html", context)
    context["errors"], context["flash"] = errors_by_field(error), error_flash(error)
    return page(request, "manager/channels.html", context, status_code=error.status_code)


async def _channel_page(request: Request, code: str, typed: dict[str, Any] | None = None,
                        error: DomainError | None = None) -> Template:
    channel = await get_channel(code)
    context = {"ch": channel, "state": await sync_state(code), "urls": _urls(channel), "can_sync": _can_sync(channel),
               "runs": await recent_runs(code, 10) if channel.kind.startswith("commerceml") else [],
               "failed": await _failed_events(code), "errors": {},
               "typed": typed or {"name": channel.name, "active": channel.active, "settings": channel.settings},
               **await _form_context(channel.kind), "nav": "channels", "title": channel.name}
    if error is None:
        return page(request, "manager/channel_edit.html", context)
    context["errors"], context["flash"] = errors_by_field(error), error_flash(error)
    return page(request, "manager/channel_edit.html", context, status_code=error.status_code)


async def _exchange(code: str, full: bool, actor: str) -> None:
    try:
        await run_exchange(code, full, actor=actor)
    except Exception:  # a misconfigured channel: run_exchange records what it can; keep the server up
        log.exception("exchange with %s could not start", code)


class ChannelsController(Controller):
    path = BASE
    opt = {"roles": ROLES}

    @get("/", name="manager-channels")
    async def index(self, request: Request, kind: str = "") -> Template:
        return await _list_page(request, kind)

    @post("/")
    async def create(self, request: Request) -> Template | Redirect | ClientRedirect:
        form = await request.form()
        kind = str(form.get("kind") or "")
        typed = {"code": str(form.get("code") or "").strip()[:40], "name": str(form.get("name") or "")[:250],
                 "active": form.get("active") in ("on", "1"), "settings": _typed_settings(form, kind)}
        try:
            channel = await create_channel(typed["code"], typed["name"], kind,
                                           secret=str(form.get("secret") or "")[:250], settings=typed["settings"],
                                           active=typed["active"], actor=actor_of(request))
        except DomainError as exc:
            return await _list_page(request, kind, typed, exc)
        flash(request, _("Channel «%(name)s» is created") % {"name": channel.name})
        return redirect(request, f"{BASE}/{channel.code}")

    @get("/{code:str}", name="manager-channel")
    async def show(self, request: Request, code: str) -> Template:
        return await _channel_page(request, code)

    @post("/{code:str}")
    async def save(self, request: Request, code: str) -> Template | Redirect | ClientRedirect:
        channel = await get_channel(code)
        form = await request.form()
        secret = str(form.get("secret") or "")[:250]
        typed = {"name": str(form.get("name") or "")[:250], "active": form.get("active") in ("on", "1"),
                 "settings": _typed_settings(form, channel.kind, channel.settings)}
        try:
            await update_channel(code, name=typed["name"], secret=secret or None, settings=typed["settings"],
                                 active=typed["active"], actor=actor_of(request))
        except DomainError as exc:
            return await _channel_page(request, code, typed, exc)
        flash(request, _("The channel is saved"))
        return redirect(request, f"{BASE}/{code}")

    @post("/{code:str}/sync")
    async def sync_now(self, request: Request, code: str) -> Redirect | ClientRedirect:
        channel = await get_channel(code)
        if not _can_sync(channel):
            request.session[FLASH_KEY] = {"level": "error", "message": _(
                "This channel does not exchange with a site: it needs the kind «shop site», an exchange URL and "
                "to be on")}
            return redirect(request, f"{BASE}/{code}")
        full = (await request.form()).get("full") in ("on", "1")
        task = asyncio.create_task(_exchange(code, full, actor_of(request)), name=f"exchange-{code}")
        _exchanges.add(task)
        task.add_done_callback(_exchanges.discard)
        flash(request, _("The exchange has started; its result appears in the list of runs below"))
        return redirect(request, f"{BASE}/{code}")

    @post("/{code:str}/feed-token")
    async def new_feed_token(self, request: Request, code: str) -> Redirect | ClientRedirect:
        await rotate_feed_token(code, actor=actor_of(request))
        flash(request, _("The feed has a new address; the old one no longer works"))
        return redirect(request, f"{BASE}/{code}")

    @post("/{code:str}/events/{event_id:uuid}/retry")
    async def send_again(self, request: Request, code: str, event_id: uuid.UUID) -> Redirect | ClientRedirect:
        try:
            await retry(event_id, actor=actor_of(request))
        except DomainError as exc:
            request.session[FLASH_KEY] = error_flash(exc)
            return redirect(request, f"{BASE}/{code}")
        flash(request, _("The event will be sent again within a minute"))
        return redirect(request, f"{BASE}/{code}")


def _translated(state: dict[str, Any]) -> dict[str, Any]:
    """The job's messages in the user's language."""
    shown = dict(state)
    if state.get("error"):
        err = state["error"]
        shown["error_text"] = translate_error(err["message"], err.get("params"))
        shown["error_items"] = [translate_error(p["message"], p.get("params")) for p in err.get("problems", [])]
    if state.get("report"):
        shown["note_texts"] = [(n["where"], translate_error(n["message"], n.get("params")))
                               for n in state["report"]["notes"]]
    total = state.get("total") or 0
    done = state.get("done") or 0
    shown["percent"] = 100 if state.get("status") == "done" else int(100 * done / total) if total else 0
    return shown


class CatalogImportController(Controller):
    path = IMPORT
    opt = {"roles": ROLES}

    @get("/", name="manager-catalog-import")
    async def form(self, request: Request) -> Template:
        return page(request, "manager/catalog_import.html", {"nav": "channels", "title": _("Catalog import from 1C")})

    @post("/", request_max_body_size=MAX_UPLOAD)
    async def upload(self, request: Request) -> Template | Redirect | ClientRedirect:
        form = await request.form()
        files = [f for f in form.getall("files", []) if isinstance(f, UploadFile) and f.filename]
        if not files:
            return page(request, "manager/catalog_import.html",
                        {"nav": "channels", "title": _("Catalog import from 1C"),
                         "flash": {"level": "error",
                                   "message": _("Choose import.xml (and offers.xml, if there is one)")}},
                        status_code=422)
        loaded = [(f.filename, await f.read()) for f in files]
        job = await imports.start_import(request.app.stores.get(imports.STORE_NAME), loaded, actor=actor_of(request))
        return redirect(request, f"{IMPORT}/{job}")

    @get("/{job:str}", name="manager-catalog-import-job")
    async def progress(self, request: Request, job: str) -> Template:
        state = await imports.job_state(request.app.stores.get(imports.STORE_NAME), job)
        context = {"job": job, "state": _translated(state) if state else None, **_labels()}
        if wants_fragment(request):
            return fragment("manager/_catalog_import_progress.html", context)
        return page(request, "manager/catalog_import_job.html",
                    {**context, "nav": "channels", "title": _("Catalog import from 1C")},
                    status_code=200 if state else 404)
