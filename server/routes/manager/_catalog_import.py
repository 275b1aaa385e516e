"""The CommerceML catalog upload of the manager app, run in the background of the server process.

`start_import(store, files, actor)` keeps the uploaded files under <var>/uploads/commerceml/<job>/,
starts an asyncio task and returns the job id at once; the task reads the files (in a thread: parsing
is CPU work), runs `import_catalog` (one transaction: all or nothing) and writes its progress to the
Litestar store ("catalog_import": memory, or Redis when REDIS_URL is set, so any server process can
answer the page that polls it). `job_state(store, job)` reads it back: {"status": "reading" | "running"
| "done" | "failed", "done", "total", "files", "report" | "error"}. Messages are kept as msgids with
their parameters and translated where they are shown. The files are removed when the job ends.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import shutil
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from litestar.stores.base import Store

from server.config import get_settings
from server.domain.exchange.dto import ImportReport
from server.domain.exchange.import_1c import import_catalog
from server.errors import DomainError
from server.integrations.commerceml import CommerceMLError, read_file
from server.integrations.commerceml.to_domain import to_catalog_import

log = logging.getLogger("kladovka.import")
STORE_NAME = "catalog_import"
KEEP_SECONDS = 24 * 3600  # a finished job's report stays readable for a day
SILENT_SECONDS = 30 * 60  # a job that has not moved for this long died with its process
MAX_FILES = 6
_JOB = re.compile(r"^[A-Za-z0-9_-]{16}$")
_running: set[asyncio.Task] = set()  # the loop keeps only weak references to tasks


def _folder(job: str) -> Path:
    return Path(get_settings().var_dir) / "uploads" / "commerceml" / job


def _safe_name(index: int, name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(name or "").name)[:80].lstrip(".") or "file.xml"
    return f"{index:02d}-{stem}"


def _message(exc: DomainError) -> dict[str, Any]:
    return {"message": exc.message, "params": {k: str(v) for k, v in exc.params.items()},
            "problems": [{"message": p.message, "params": {k: str(v) for k, v in p.params.items()},
                          "field": p.field or ""} for p in exc.problems]}


def _report(report: ImportReport) -> dict[str, Any]:
    return {"counts": {kind: asdict(c) for kind, c in report.counts.items()},
            "notes": [{"message": n.message, "params": {k: str(v) for k, v in n.params.items()}, "where": n.where}
                      for n in report.notes[:500]],
            "more_notes": max(0, len(report.notes) - 500), "stock_documents": report.stock_documents,
            "seconds": round(report.seconds, 1)}


async def _save(store: Store, job: str, state: dict[str, Any]) -> None:
    state["updated_at"] = datetime.now(UTC).isoformat()
    await store.set(job, json.dumps(state, ensure_ascii=False), expires_in=KEEP_SECONDS)


async def job_state(store: Store, job: str) -> dict[str, Any] | None:
    """The job's state; a job that stopped moving (its server process ended) reads as failed."""
    if not _JOB.match(job or ""):
        return None
    raw = await store.get(job)
    state = json.loads(raw) if raw else None
    if state and state["status"] in ("reading", "running"):
        silent = datetime.now(UTC) - datetime.fromisoformat(state.get("updated_at") or state["started_at"])
        if silent.total_seconds() > SILENT_SECONDS:
            state.update(status="failed", error=_message(DomainError(
                "The import was interrupted (the server stopped); nothing was imported")))
    return state


async def start_import(store: Store, files: list[tuple[str, bytes]], *, actor: str) -> str:
    """Stores the files and starts the import in the background; returns the job id."""
    job = secrets.token_urlsafe(12)
    folder = _folder(job)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, (name, data) in enumerate(files[:MAX_FILES]):
        path = folder / _safe_name(index, name)
        await asyncio.to_thread(path.write_bytes, data)
        paths.append(path)
    state = {"status": "reading", "done": 0, "total": 0, "files": [Path(n).name[:120] for n, _d in files[:MAX_FILES]],
             "actor": actor, "started_at": datetime.now(UTC).isoformat()}
    await _save(store, job, state)
    task = asyncio.create_task(_run(store, job, state, paths), name=f"catalog-import-{job}")
    _running.add(task)
    task.add_done_callback(_running.discard)
    return job


async def _run(store: Store, job: str, state: dict[str, Any], paths: list[Path]) -> None:
    try:
        docs = []
        for path in paths:
            try:
                docs.append(await asyncio.to_thread(read_file, path))
            except CommerceMLError:
                state["bad_file"] = path.name[3:]
                raise
        # the catalog (import.xml) before the offers, whatever order the files came in
        docs.sort(key=lambda d: 0 if d.catalog is not None or d.classifier is not None else 1)
        data = to_catalog_import(docs, source="1c")
        state["status"] = "running"
        await _save(store, job, state)

        async def progress(done: int, total: int) -> None:
            state["done"], state["total"] = done, total
            await _save(store, job, state)

        report = await import_catalog(data, actor=state["actor"], progress=progress)
        state.update(status="done", report=_report(report), done=state["total"] or 1, total=state["total"] or 1)
    except DomainError as exc:  # CommerceMLError is one too: the files or the rules refused; nothing imported
        state.update(status="failed", error=_message(exc))
    except Exception as exc:  # a bug or the database: nothing imported either (one transaction)
        log.exception("catalog import %s failed", job)
        state.update(status="failed", error=_message(DomainError(
            "The import stopped on an unexpected error: %(error)s", error=f"{type(exc).__name__}: {exc}"[:300])))
    finally:
        state["finished_at"] = datetime.now(UTC).isoformat()
        await _save(store, job, state)
        await asyncio.to_thread(shutil.rmtree, paths[0].parent if paths else _folder(job), True)


async def wait_for_imports() -> None:
    """Waits for the imports this process is running (tests; a graceful shutdown)."""
    if _running:
        await asyncio.gather(*list(_running), return_exceptions=True)
