"""When the site exchanges run: every active commerceml_site channel with an exchange URL, each on its
own schedule (the `schedule_seconds` setting, default 60), one at a time.

`run_due_exchanges()` runs the channels that are due now; the server process calls it every few
seconds from a task started with the app (`start_scheduler`/`stop_scheduler`, only when
KLADOVKA_WORKER=inline), and `kladovka exchange run` runs channels on demand. Several processes may
call it at once: a channel's run is claimed in the database (runs.start_run), so it runs once.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from server.domain.channels.channels import Channel, list_channels
from server.domain.exchange.runs import last_started
from server.integrations.commerceml.client import RunOutcome, run_exchange

log = logging.getLogger("kladovka.exchange")
TICK_SECONDS = 5.0


def exchanging(channel: Channel) -> bool:
    return channel.active and channel.kind == "commerceml_site" and bool(channel.settings.get("exchange_url"))


async def site_channels() -> list[Channel]:
    return [c for c in await list_channels(active_only=True) if exchanging(c)]


async def due_channels(now: datetime | None = None) -> list[Channel]:
    now = now or datetime.now(UTC)
    channels = await site_channels()
    last = await last_started([c.code for c in channels])
    return [c for c in channels if c.code not in last or last[c.code] + timedelta(seconds=c.schedule_seconds) <= now]


async def run_due_exchanges(now: datetime | None = None) -> list[RunOutcome]:
    """Runs every channel whose schedule is due (one after another); returns their outcomes."""
    outcomes = []
    for channel in await due_channels(now):
        try:
            outcomes.append(await run_exchange(channel.code))
        except Exception:  # a channel's misconfiguration must not stop the others
            log.exception("exchange with %s could not start", channel.code)
    return outcomes


async def run_loop(stop: asyncio.Event, tick: float) -> None:
    """Runs due exchanges every `tick` seconds until `stop` is set (server or `kladovka worker`)."""
    while not stop.is_set():
        try:
            await run_due_exchanges()
        except Exception:  # the database away for a moment: try again next tick
            log.exception("site exchange scheduler")
        try:
            await asyncio.wait_for(stop.wait(), timeout=tick)
        except TimeoutError:
            pass


async def start_scheduler(app: Any) -> None:
    """Litestar on_startup: the exchange loop, in the server process when KLADOVKA_WORKER=inline."""
    from server.outbox_runner import worker_mode

    if worker_mode() != "inline":
        return
    stop = asyncio.Event()
    app.state.exchange_stop = stop
    app.state.exchange_task = asyncio.create_task(run_loop(stop, TICK_SECONDS), name="site-exchange")


async def stop_scheduler(app: Any) -> None:
    task = app.state.get("exchange_task") if hasattr(app.state, "get") else None
    if task is None:
        return
    app.state.exchange_stop.set()
    try:
        await asyncio.wait_for(task, timeout=10)
    except TimeoutError:
        task.cancel()
    app.state.exchange_task = None
