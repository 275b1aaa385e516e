"""Kladovka as 1C towards a shop site: the exchange a site module (1C-Bitrix, the WooCommerce and
OpenCart exchange plugins, Shop-Script …) expects from 1C, over HTTP (formats.md §1.2).

One run (`run_exchange(channel_code, full=False)`) of a channel of kind commerceml_site, whose settings
hold `exchange_url` (the site's exchange script) and `login`, and whose secret is the password:

1. catalog: checkauth (the cookie is kept), init (zip=yes|no, file_limit), then import.xml and
   offers.xml — the whole catalog on the first run or when asked (`full`), else only what the change
   log holds after the channel's cursor (СодержитТолькоИзменения="true"); each file uploaded in parts
   no larger than file_limit (one zip archive of both when the site takes zip and the channel's `zip`
   setting is not false), then mode=import repeated while the site answers "progress". The cursor
   moves only after the site said "success" for every file: a failure or a timeout leaves it, and the
   next run sends the same changes again (and whatever came since).
2. sale: checkauth, init, mode=query → the site's new and changed orders, each taken in (idempotent)
   or applied to the order we have; mode=success only when every one of them was taken (else the site
   sends them again next time); then our status changes of this channel's orders as an orders
   document (mode=file), confirmed when the site answers "success".
Each run is recorded (ExchangeRun) with what went, what came and the first error; the channel's sync
state (H4's SyncState) gets the error too. A transport failure (no answer, a timeout) stops the run.
"""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass
from datetime import datetime

import httpx

from server.domain.channels.channels import Channel, get_channel
from server.domain.exchange.order_sync import ack_sent, mark_sent, pending_orders
from server.domain.exchange.runs import RunReport, finish_run, start_run
from server.domain.sync.cursors import MAX_BATCH, ack, changes_since, record_failure, sync_state
from server.domain.sync.log import current_seq
from server.errors import DomainError, ValidationFailed
from server.integrations.commerceml._xml import CommerceMLError
from server.integrations.commerceml.catalog_export import CatalogFiles, changed_catalog, full_catalog
from server.integrations.commerceml.reader import parse_document
from server.integrations.commerceml.remote_orders import explain, orders_document, take_remote_order

log = logging.getLogger("kladovka.exchange")
DEFAULT_TIMEOUT = 60.0
DEFAULT_FILE_LIMIT = 8_000_000
MAX_IMPORT_STEPS = 500
MAX_ORDERS_PER_RUN = 200
USER_AGENT = "Kladovka-CommerceML/1.0 (1C exchange)"


class SiteFailure(Exception):
    """A step of the exchange failed; `transport`: the site could not be reached or did not answer."""

    def __init__(self, problem: DomainError, *, transport: bool = False) -> None:
        super().__init__(problem.message)
        self.problem = problem
        self.transport = transport


def _lines(response: httpx.Response) -> list[str]:
    raw = response.content.lstrip(b"\xef\xbb\xbf")
    try:
        text = raw.decode(response.charset_encoding or "utf-8")
    except (UnicodeDecodeError, LookupError):
        text = raw.decode("cp1251", errors="replace")
    return [line.strip() for line in text.strip().splitlines()] or [""]


def _said(lines: list[str]) -> str:
    return " ".join(x for x in lines[1:] if x)[:300] or lines[0][:300]


class SiteClient:
    """The HTTP side: one instance per run; keeps the session cookie and sessid between steps."""

    def __init__(self, http: httpx.AsyncClient, url: str, *, timeout: float) -> None:
        self.http, self.url, self.timeout = http, url, timeout
        self.cookie = ""
        self.sessid = ""
        self.zip = False
        self.file_limit = DEFAULT_FILE_LIMIT

    async def _call(self, step: str, params: dict[str, str], *, body: bytes | None = None) -> httpx.Response:
        query = {**params, **({"sessid": self.sessid} if self.sessid else {})}
        headers = {"User-Agent": USER_AGENT, **({"Cookie": self.cookie} if self.cookie else {})}
        try:
            if body is None:
                response = await self.http.get(self.url, params=query, headers=headers)
            else:
                response = await self.http.post(self.url, params=query, content=body,
                                                 headers={**headers, "Content-Type": "application/octet-stream"})
        except httpx.TimeoutException:
            raise SiteFailure(ValidationFailed("The site did not answer within %(seconds)s seconds (%(step)s)",
                                               seconds=int(self.timeout), step=step), transport=True) from None
        except httpx.HTTPError as exc:
            raise SiteFailure(ValidationFailed("Cannot reach the site (%(step)s): %(error)s", step=step,
                                               error=str(exc)[:200] or type(exc).__name__), transport=True) from None
        if response.status_code != 200:
            raise SiteFailure(ValidationFailed("The site answered HTTP %(status)s (%(step)s)",
                                               status=response.status_code, step=step))
        return response

    def _refused(self, step: str, lines: list[str]) -> SiteFailure:
        return SiteFailure(ValidationFailed("The site refused %(step)s: %(answer)s", step=step, answer=_said(lines)))

    async def checkauth(self, kind: str) -> None:
        self.cookie, self.sessid = "", ""
        lines = _lines(await self._call(f"{kind}/checkauth", {"type": kind, "mode": "checkauth"}))
        if lines[0].lower() != "success" or len(lines) < 3:
            raise SiteFailure(ValidationFailed("The site did not accept the login: %(answer)s", answer=_said(lines)))
        self.cookie = f"{lines[1]}={lines[2]}"
        for extra in lines[3:]:
            if extra.startswith("sessid="):
                self.sessid = extra.split("=", 1)[1]

    async def init(self, kind: str, *, allow_zip: bool = True) -> None:
        lines = _lines(await self._call(f"{kind}/init", {"type": kind, "mode": "init"}))
        if lines[0].lower().startswith("failure"):
            raise self._refused(f"{kind}/init", lines)
        for line in lines:
            key, _, value = line.partition("=")
            if key.strip() == "zip":
                self.zip = allow_zip and value.strip().lower() == "yes"
            elif key.strip() == "file_limit" and value.strip().isdigit() and int(value) > 0:
                self.file_limit = int(value)

    async def upload(self, kind: str, filename: str, data: bytes) -> None:
        """The file in parts of at most file_limit bytes (the site appends them)."""
        size = max(1024, self.file_limit)
        for start in range(0, max(len(data), 1), size):
            lines = _lines(await self._call(f"{kind}/file {filename}", {"type": kind, "mode": "file",
                                                                        "filename": filename},
                                            body=data[start:start + size]))
            if lines[0].lower() != "success":
                raise self._refused(f"{kind}/file {filename}", lines)

    async def import_file(self, filename: str, *, max_steps: int) -> int:
        """mode=import until "success"; returns the number of "progress" answers."""
        for step in range(max_steps):
            lines = _lines(await self._call(f"import {filename}", {"type": "catalog", "mode": "import",
                                                                   "filename": filename}))
            answer = lines[0].lower()
            if answer == "success":
                return step
            if answer != "progress":
                raise SiteFailure(ValidationFailed("The site could not import %(file)s: %(answer)s", file=filename,
                                                   answer=_said(lines)))
        raise SiteFailure(ValidationFailed("The site was still importing %(file)s after %(steps)s steps",
                                           file=filename, steps=max_steps))

    async def send_orders(self, data: bytes) -> None:
        """An orders document (type=sale&mode=file), whole: a site imports it at once."""
        filename = f"orders-{datetime.now():%Y%m%d%H%M%S}.xml"
        lines = _lines(await self._call("sale/file", {"type": "sale", "mode": "file", "filename": filename},
                                        body=data))
        if lines[0].lower() != "success":
            raise self._refused("sale/file", lines)

    async def query(self) -> bytes:
        response = await self._call("sale/query", {"type": "sale", "mode": "query"})
        head = response.content.lstrip(b"\xef\xbb\xbf").lstrip()[:16].lower()
        if head.startswith(b"failure"):
            raise self._refused("sale/query", _lines(response))
        return response.content

    async def success(self) -> None:
        lines = _lines(await self._call("sale/success", {"type": "sale", "mode": "success"}))
        if lines[0].lower().startswith("failure"):
            raise self._refused("sale/success", lines)


@dataclass
class RunOutcome:
    channel: str
    run_id: int | None  # None: another run of the channel was going on, nothing was done
    report: RunReport | None = None

    @property
    def ok(self) -> bool:
        return self.report is not None and self.report.ok


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


async def _send_catalog(site: SiteClient, channel: Channel, files: CatalogFiles, report: RunReport) -> None:
    blobs = {name: data for name, data in (("import.xml", files.import_xml), ("offers.xml", files.offers_xml))
             if name in files.names and data is not None}
    await site.checkauth("catalog")
    await site.init("catalog", allow_zip=channel.settings.get("zip") is not False)
    steps = int(channel.settings.get("import_steps") or MAX_IMPORT_STEPS)
    if site.zip:
        await site.upload("catalog", "kladovka.zip", _zip(blobs))
    for name, data in blobs.items():
        if not site.zip:
            await site.upload("catalog", name, data)
        report.count("sent", "progress_steps", await site.import_file(name, max_steps=steps))
    report.sent["files"] = ", ".join(blobs)
    report.count("sent", "products", files.products)
    report.count("sent", "offers", files.offers)


async def _catalog(site: SiteClient, channel: Channel, full: bool, report: RunReport) -> None:
    if full:
        until = await current_seq()  # read first: what changes during the upload is sent next time
        files = await full_catalog(channel)
        more = False
    else:
        batch = await changes_since(channel.code, limit=MAX_BATCH)
        if batch.empty:  # nothing to send: the site is in sync as of now
            report.cursor_to = await ack(channel.code, batch.until)
            return
        until, more = batch.until, batch.more
        files = await changed_catalog(channel, batch)
    if files.names:
        await _send_catalog(site, channel, files, report)
    report.cursor_to = await ack(channel.code, until, mode="full" if full else "changes")
    if more:
        report.note("Изменений больше, чем помещается в один обмен: остальные уйдут следующим")


async def _sale(site: SiteClient, channel: Channel, report: RunReport, actor: str) -> None:
    await site.checkauth("sale")
    await site.init("sale", allow_zip=False)
    data = await site.query()
    orders = []
    if data.strip():
        try:
            orders = parse_document(data).orders
        except CommerceMLError as exc:
            raise SiteFailure(exc) from None
    refused = 0
    for order in orders:
        try:
            taken = await take_remote_order(channel, order, actor=actor)
        except DomainError as exc:
            refused += 1
            report.note(f"Заказ {order.number or order.id}: {explain(exc)}")
            continue
        if taken is None:
            report.note(f"Заказ {order.number or order.id}: неизвестный заказ без товаров пропущен")
            continue
        report.count("received", "orders")
        report.orders_received += int(taken.created)
        report.count("received", "status_changes", len(taken.changed))
        for note in taken.notes:
            report.note(f"Заказ {order.number or order.id}: {note}")
    if refused:
        raise SiteFailure(ValidationFailed("%(count)s orders of the site could not be taken in; the site will send "
                                           "them again", count=refused))
    await site.success()
    await _send_statuses(site, channel, report)


async def _send_statuses(site: SiteClient, channel: Channel, report: RunReport) -> None:
    """Our changes of the channel's orders, as documents each within the site's file_limit (a site
    imports an orders file whole, so it is never cut into parts)."""
    ids = await pending_orders(channel.code, own_only=True, limit=MAX_ORDERS_PER_RUN)
    groups = [ids] if ids else []
    while groups:
        group = groups.pop(0)
        data = await orders_document(channel, group)
        if len(data) > site.file_limit and len(group) > 1:
            groups[:0] = [group[:len(group) // 2], group[len(group) // 2:]]
            continue
        await mark_sent(channel.code, group)
        await site.send_orders(data)
        await ack_sent(channel.code, group)
        report.count("sent", "orders", len(group))


def _check(channel: Channel) -> str:
    if channel.kind != "commerceml_site":
        raise ValidationFailed("Channel %(code)s does not exchange with a site by CommerceML", field="channel",
                               code=channel.code)
    if not channel.active:
        raise ValidationFailed("Channel %(code)s is switched off", field="channel", code=channel.code)
    url = str(channel.settings.get("exchange_url") or "")
    if not url:
        raise ValidationFailed("Channel %(code)s has no exchange URL", field="settings.exchange_url",
                               code=channel.code)
    return url


async def run_exchange(channel_code: str, full: bool = False, *, actor: str | None = None) -> RunOutcome:
    """One exchange with the channel's site (see the module's description); returns the run's report.
    Nothing is done (run_id None) while another run of the channel is going on."""
    channel = await get_channel(channel_code)
    url = _check(channel)
    state = await sync_state(channel.code)
    full = full or state.last_success_at is None
    run_id = await start_run(channel.code, "site", full=full, cursor=state.last_seq)
    if run_id is None:
        return RunOutcome(channel.code, None)
    report = RunReport(full=full, cursor_from=state.last_seq, cursor_to=state.last_seq)
    actor = actor or f"exchange:{channel.code}"
    timeout = float(channel.settings.get("timeout_seconds") or DEFAULT_TIMEOUT)
    try:
        async with httpx.AsyncClient(timeout=timeout, auth=(str(channel.settings.get("login") or ""), channel.secret),
                                     follow_redirects=True) as http:
            site = SiteClient(http, url, timeout=timeout)
            stop = False
            try:
                await _catalog(site, channel, full, report)
            except SiteFailure as failure:
                report.fail(explain(failure.problem))
                stop = failure.transport
            if not stop:
                try:
                    await _sale(site, channel, report, actor)
                except SiteFailure as failure:
                    report.fail(explain(failure.problem))
    except Exception as exc:  # a bug or the database: recorded, never kills the scheduler
        log.exception("exchange with %s failed", channel.code)
        report.fail(f"{type(exc).__name__}: {exc}"[:500])
    finally:
        if report.error:
            await record_failure(channel.code, report.error)
        await finish_run(run_id, report)
    return RunOutcome(channel.code, run_id, report)
