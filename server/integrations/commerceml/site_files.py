"""What the shop's 1C uploads to Kladovka-as-site: file names made safe, zip archives unpacked with
limits, and the import of a file run in the background so that long imports answer "progress".

The import itself is H3's import_catalog: one transaction, so a failure leaves nothing half-imported.
It runs as a task of the process that got the first mode=import call; every call waits up to a few
seconds for it and answers "progress" while it goes on, "success" or "failure\n<reason>" once it is
done (the outcome is kept in ExchangeJob, so any process can answer). A job whose process died is
taken over after sessions.STALE_JOB.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import re
import socket
import uuid
import zipfile
from dataclasses import dataclass

from server.domain.exchange import sessions
from server.domain.exchange.import_1c import import_catalog
from server.domain.exchange.runs import add_to_run
from server.errors import DomainError, ValidationFailed
from server.integrations.commerceml.reader import parse_document
from server.integrations.commerceml.remote_orders import explain
from server.integrations.commerceml.to_domain import to_catalog_import

log = logging.getLogger("kladovka.exchange")
OWNER = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
MAX_ENTRIES = 10_000  # files in one archive
KEPT = (".xml",)  # what is kept of an upload (pictures and the like are acknowledged and dropped)
_DRIVE = re.compile(r"^[A-Za-z]:")
_running: dict[tuple[int, str], asyncio.Task] = {}
_progress: dict[tuple[int, str], tuple[int, int]] = {}


def safe_name(raw: str | None) -> str | None:
    """The file name as it may be stored ("import.xml", "goods/1/offers.xml"), or None for a name that
    tries to leave the upload (.., an absolute path, a drive) or is not a plain name."""
    name = (raw or "").replace("\\", "/").strip()
    if not name or len(name) > 255 or any(ord(c) < 32 for c in name):
        return None
    if name.startswith("/") or _DRIVE.match(name):
        return None
    if any(part in ("", ".", "..") for part in name.split("/")):
        return None
    return name


def kept(name: str) -> bool:
    return name.lower().endswith(KEPT)


def unpack(data: bytes, *, limit: int) -> dict[str, bytes]:
    """The XML files of a zip archive; ValidationFailed for a broken archive, an unsafe name, or more
    than `limit` bytes unpacked in all (the sizes the archive claims are not trusted)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise ValidationFailed("The zip archive is damaged") from None
    found: dict[str, bytes] = {}
    total = 0
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise ValidationFailed("The zip archive holds more than %(count)s files", count=MAX_ENTRIES)
        for info in infos:
            if info.is_dir():
                continue
            name = safe_name(info.filename)
            if name is None:
                raise ValidationFailed("The zip archive holds a file with an unsafe name: %(name)s",
                                       name=info.filename[:100])
            if not kept(name):
                continue
            try:
                with archive.open(info) as member:
                    content = member.read(limit - total + 1)
            except (zipfile.BadZipFile, RuntimeError, OSError, EOFError, NotImplementedError):
                raise ValidationFailed("The zip archive is damaged") from None
            total += len(content)
            if total > limit:
                raise ValidationFailed("The zip archive unpacks to more than %(mb)s MB", mb=limit // 1_000_000)
            found[name] = content
    return found


async def unpack_uploads(session_id: int, *, limit: int) -> None:
    """Replaces every uploaded zip archive of the session by the XML files it holds."""
    for name in await sessions.file_names(session_id):
        if name.lower().endswith(".zip"):
            data = await sessions.read_file(session_id, name) or b""
            await sessions.replace_files(session_id, [name], unpack(data, limit=limit))


@dataclass(frozen=True)
class ImportSpec:
    session_id: int
    run_id: int | None
    filename: str
    channel: str
    source: str
    warehouse: str | None


def _summary(filename: str, report) -> str:
    counts = report.counts
    return (f"Файл {filename} загружен: товаров {counts['products'].created + counts['products'].updated}, "
            f"вариантов {counts['variants'].created + counts['variants'].updated}, "
            f"цен {counts['prices'].created + counts['prices'].updated}")


async def _run(spec: ImportSpec, data: bytes) -> None:
    key = (spec.session_id, spec.filename)

    def progress(done: int, total: int) -> None:
        _progress[key] = (done, total)

    try:
        doc = await asyncio.to_thread(parse_document, data)
        report = await import_catalog(to_catalog_import([doc], source=spec.source), actor=f"exchange:{spec.channel}",
                                      default_warehouse=spec.warehouse, progress=progress)
        # the run is counted before the job is marked done: 1C (and a test) may ask for the run's figures
        # the moment it hears "success"
        if spec.run_id:
            await add_to_run(spec.run_id, received={"files": 1, "products": report["products"].created
                                                    + report["products"].updated,
                                                    "variants": report["variants"].created
                                                    + report["variants"].updated})
        await sessions.finish_job(spec.session_id, spec.filename, ok=True, message=_summary(spec.filename, report))
    except DomainError as exc:
        message = f"{spec.filename}: {explain(exc)}; ничего не загружено"
        if spec.run_id:
            await add_to_run(spec.run_id, error=message)
        await sessions.finish_job(spec.session_id, spec.filename, ok=False, message=message)
    except Exception:
        log.exception("import of %s for %s", spec.filename, spec.channel)
        message = f"{spec.filename}: внутренняя ошибка при загрузке; ничего не загружено"
        if spec.run_id:
            await add_to_run(spec.run_id, error=message)
        await sessions.finish_job(spec.session_id, spec.filename, ok=False, message=message)
    finally:
        _running.pop(key, None)
        _progress.pop(key, None)


async def start_import(spec: ImportSpec) -> DomainError | None:
    """Starts the import of an uploaded file unless it is running or done; a problem found before it
    could start (no such file, a bad archive) is returned."""
    job = await sessions.get_job(spec.session_id, spec.filename)
    if job is not None and (job["status"] != "running" or (spec.session_id, spec.filename) in _running):
        return None
    data = await sessions.read_file(spec.session_id, spec.filename)
    if data is None:
        return ValidationFailed("The file %(file)s was not uploaded", file=spec.filename)
    if await sessions.claim_job(spec.session_id, spec.filename, OWNER):
        key = (spec.session_id, spec.filename)
        _running[key] = asyncio.create_task(_run(spec, data), name=f"exchange-import-{spec.filename}")
    return None


async def import_answer(session_id: int, filename: str, *, wait: float) -> tuple[str, str]:
    """("progress" | "success" | "failure", the second line), after waiting up to `wait` seconds."""
    task = _running.get((session_id, filename))
    if task is not None and wait > 0:
        await asyncio.wait({task}, timeout=wait)
    job = await sessions.get_job(session_id, filename)
    if job is None:
        return "failure", f"Файл {filename} не загружается"
    if job["status"] == "done":
        return "success", job["message"]
    if job["status"] == "failed":
        return "failure", job["message"]
    done, total = _progress.get((session_id, filename), (0, 0))
    share = f": {100 * done // total}%" if total else ""
    return "progress", f"Загрузка {filename}{share}"
