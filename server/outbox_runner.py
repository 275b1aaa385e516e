"""Runs the outbox worker and wires what it delivers through.

- `configure_notifications()` registers the notification providers from the environment (SMTP_URL,
  SMS_GATEWAY_URL + SMS_API_KEY, the VAPID key, BASE_URL, KLADOVKA_TIMEZONE) with the notification
  domain; `register_handlers()` registers the outbox handlers of every context. `setup()` does both.
- In the server process (KLADOVKA_WORKER=inline, the default) `start_inline`/`stop_inline` are the
  app's start-up and shut-down hooks; `kladovka worker` runs `run_worker()` as a process of its own
  (then set KLADOVKA_WORKER=off on the servers, or keep both: workers never deliver one event twice).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from typing import Any

from server.config import ConfigError, get_settings

log = logging.getLogger("kladovka.outbox")
WORKER_MODES = ("inline", "off")


def worker_mode() -> str:
    mode = (os.environ.get("KLADOVKA_WORKER") or "inline").strip().lower()
    if mode not in WORKER_MODES:
        raise ConfigError(f"KLADOVKA_WORKER must be 'inline' or 'off', got {mode!r}")
    return mode


def base_url() -> str:
    """BASE_URL: where customers reach this server (tracking links); default from KLADOVKA_HOST/PORT."""
    explicit = (os.environ.get("BASE_URL") or "").strip().rstrip("/")
    if explicit:
        return explicit
    host = os.environ.get("KLADOVKA_HOST", "127.0.0.1")
    return f"http://{host}:{os.environ.get('KLADOVKA_PORT', '8000')}"


def _flag(name: str) -> bool:
    return (os.environ.get(name) or "").strip().lower() in ("1", "true", "yes", "on")


def build_providers() -> dict[str, Any]:
    """The providers the environment asks for (a channel without its setting is left out)."""
    from server.integrations.email import SmtpSender, parse_smtp_url
    from server.integrations.message_templates import SandboxedTextRenderer
    from server.integrations.sms import DEFAULT_URL, SmsRuGateway, SmsSettings
    from server.integrations.webpush import WebPushSender

    settings = get_settings()
    found: dict[str, Any] = {"renderer": SandboxedTextRenderer(), "base_url": base_url(),
                             "timezone": settings.timezone, "push_allow_http": _flag("KLADOVKA_PUSH_ALLOW_HTTP")}
    described: dict[str, str] = {}
    smtp_url = (os.environ.get("SMTP_URL") or "").strip()
    if smtp_url:
        smtp = parse_smtp_url(smtp_url)
        found["email"], described["email"] = SmtpSender(smtp), smtp.describe()
    sms_key = (os.environ.get("SMS_API_KEY") or "").strip()
    if sms_key:
        sms = SmsSettings(url=(os.environ.get("SMS_GATEWAY_URL") or DEFAULT_URL).strip(), api_key=sms_key,
                          sender=(os.environ.get("SMS_FROM") or "").strip())
        found["sms"], described["sms"] = SmsRuGateway(sms), sms.describe()
    subject = (os.environ.get("VAPID_SUBJECT") or "").strip() or (
        f"mailto:{found['email'].settings.sender}" if "email" in found else "mailto:shop@example.com")
    push = WebPushSender(settings.var_dir, private_key=(os.environ.get("VAPID_PRIVATE_KEY") or "").strip() or None,
                         subject=subject)
    found["push"], described["push"] = push, push.describe()
    found["described"] = described
    return found


def configure_notifications(**overrides: Any):
    """Registers the providers with the notification domain; keyword arguments replace some of them."""
    from server.domain.notify.providers import configure

    return configure(**{**build_providers(), **overrides})


def register_handlers() -> None:
    from server.domain.notify.handler import register_handlers as notify_handlers
    from server.integrations.fiscal_worker import register_handlers as fiscal_handlers
    from server.live import register_handlers as live_handlers

    notify_handlers()
    live_handlers()  # the order board's live updates (server/live.py)
    from server.domain.delivery.live_events import register_handlers as delivery_handlers

    delivery_handlers()  # the next customer's ETA message, live route/stop/position updates
    fiscal_handlers()  # 54-FZ receipts to the online-cash provider (server/integrations/fiscal_worker.py)


async def tracking_token_exists(token: str) -> bool:
    """Does an order have this tracking token? (push subscriptions are accepted only for real orders)"""
    from server.domain.orders.tables import Order

    return bool(await Order.exists().where(Order.tracking_token == token))


def setup() -> None:
    configure_notifications(token_exists=tracking_token_exists)
    register_handlers()


# ---- inline in the server process ---------------------------------------------------------------

async def start_inline(app: Any) -> None:
    """Litestar on_startup: providers always (the push key endpoint needs them); the worker when
    KLADOVKA_WORKER=inline."""
    from server.domain.outbox.worker import Worker
    from server.live import bind

    setup()
    bind(app)  # live updates for open boards go through this app's channels
    if worker_mode() != "inline":
        return
    stop = asyncio.Event()
    app.state.outbox_stop = stop
    app.state.outbox_task = asyncio.create_task(Worker().run_forever(stop), name="outbox-worker")


async def stop_inline(app: Any) -> None:
    """Litestar on_shutdown: lets the current batch finish (up to 10 s), then stops the loop."""
    from server.live import unbind

    unbind(app)
    task = app.state.get("outbox_task") if hasattr(app.state, "get") else None
    if task is None:
        return
    app.state.outbox_stop.set()
    try:
        await asyncio.wait_for(task, timeout=10)
    except TimeoutError:
        log.warning("outbox worker: stopped in the middle of a batch; its events are retried after the lease")
    app.state.outbox_task = None


# ---- `kladovka worker` ----------------------------------------------------------------------------

async def run_worker(*, once: bool = False, poll_interval: float = 1.0) -> int:
    """The worker process: delivers until SIGINT/SIGTERM (or, with `once`, what is due now), and runs
    the scheduled site exchanges (not with `once`).
    Returns the number of events handled."""
    from server.db import engine, is_sqlite
    from server.domain.outbox.worker import Worker

    setup()
    pool = not is_sqlite() and engine().pool is None and get_settings().db_pool_size > 0
    if pool:
        await engine().start_connection_pool(min_size=1, max_size=min(4, get_settings().db_pool_size))
    worker = Worker()
    try:
        if once:
            total = 0
            while (batch := await worker.run_once(50)).claimed:
                total += batch.claimed
            return total
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        from server.integrations.commerceml.schedule import TICK_SECONDS, run_loop

        # the site exchanges on their schedules too: with KLADOVKA_WORKER=off on the servers, this
        # process is the one that runs them (a channel's run is guarded against a second runner)
        exchanges = asyncio.create_task(run_loop(stop, TICK_SECONDS), name="site-exchange")
        try:
            await worker.run_forever(stop, poll_interval=poll_interval)
        finally:
            stop.set()
            await asyncio.wait_for(exchanges, timeout=30)
        return 0
    finally:
        if pool and engine().pool is not None:
            await engine().close_connection_pool()
