"""Sessions of the shop's 1C with Kladovka-as-site: the cookie it got at checkauth, the files it uploaded
(appended part by part, unpacked from zip archives) and the imports they started. Everything is in the
database, so any server process can answer any request of a session.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from server.db import write_tx
from server.domain.exchange.tables import ExchangeFile, ExchangeJob, ExchangeSession

SESSION_TTL = timedelta(hours=12)
STALE_JOB = timedelta(minutes=30)  # a running import older than this was cut short: it may start again


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def open_session(channel: str, *, run_id: int | None = None) -> str:
    """A new session of the channel; returns the cookie value (only its hash is kept). Expired sessions
    of every channel are deleted on the way."""
    token = secrets.token_urlsafe(24)
    now = datetime.now(UTC)
    async with write_tx():
        await ExchangeSession.delete().where(ExchangeSession.expires_at < now)
        await ExchangeSession.insert(ExchangeSession(channel=channel, token_hash=_hash(token), created_at=now,
                                                     expires_at=now + SESSION_TTL, run=run_id))
    return token


async def find_session(channel: str, token: str) -> dict | None:
    """The live session of this channel with this cookie value, or None. Reads only."""
    if not token or len(token) > 200:
        return None
    return await ExchangeSession.select().where(
        (ExchangeSession.token_hash == _hash(token)) & (ExchangeSession.channel == channel)
        & (ExchangeSession.expires_at > datetime.now(UTC))).first()


async def set_version(session_id: int, version: str) -> None:
    async with write_tx():
        await ExchangeSession.update({ExchangeSession.version: version[:16]}).where(ExchangeSession.id == session_id)


# --- files -----------------------------------------------------------------------------------------

async def append_file(session_id: int, name: str, data: bytes, *, limit: int) -> int:
    """Adds a part to the file (a new name starts it); returns the file's size so far. Raises
    ValueError when the file would grow beyond `limit` bytes."""
    async with write_tx():
        rows = await ExchangeFile.raw("SELECT COUNT(*) AS parts, COALESCE(SUM(LENGTH(data)), 0) AS size "
                                      "FROM exchange_file WHERE session = {} AND name = {}", session_id, name)
        parts, size = int(rows[0]["parts"] or 0), int(rows[0]["size"] or 0)
        if size + len(data) > limit:
            raise ValueError("file too large")
        await ExchangeFile.insert(ExchangeFile(session=session_id, name=name, part=parts, data=bytes(data)))
    return size + len(data)


async def file_names(session_id: int) -> list[str]:
    rows = await ExchangeFile.raw("SELECT DISTINCT name FROM exchange_file WHERE session = {} ORDER BY name",
                                  session_id)
    return [r["name"] for r in rows]


async def read_file(session_id: int, name: str) -> bytes | None:
    """The whole file, its parts joined; None when there is no such file."""
    rows = await ExchangeFile.select(ExchangeFile.data).where(
        (ExchangeFile.session == session_id) & (ExchangeFile.name == name)).order_by(ExchangeFile.part)
    if not rows:
        return None
    return b"".join(bytes(r["data"]) for r in rows)


async def replace_files(session_id: int, remove: list[str], add: dict[str, bytes]) -> None:
    """Removes some files and writes others whole (a zip archive replaced by what it holds)."""
    async with write_tx():
        names = sorted(set(remove) | set(add))
        if names:
            await ExchangeFile.delete().where((ExchangeFile.session == session_id) & ExchangeFile.name.is_in(names))
        for name, data in add.items():
            await ExchangeFile.insert(ExchangeFile(session=session_id, name=name, part=0, data=data))


# --- imports ---------------------------------------------------------------------------------------

async def get_job(session_id: int, filename: str) -> dict | None:
    return await ExchangeJob.select().where(
        (ExchangeJob.session == session_id) & (ExchangeJob.filename == filename)).first()


async def claim_job(session_id: int, filename: str, owner: str) -> bool:
    """Starts the import of a file: True when this caller runs it (no job yet, or the last one was cut
    short); False when another process is running it or it has finished."""
    now = datetime.now(UTC)
    async with write_tx():
        job = await ExchangeJob.select().where(
            (ExchangeJob.session == session_id) & (ExchangeJob.filename == filename)).first()
        if job is None:
            await ExchangeJob.raw(
                "INSERT INTO exchange_job (session, filename, status, owner, message, started_at) "
                "VALUES ({}, {}, 'running', {}, '', {}) ON CONFLICT (session, filename) DO NOTHING",
                session_id, filename, owner, now)
            job = await get_job(session_id, filename)
            return job is not None and job["owner"] == owner and job["status"] == "running"
        started = job["started_at"]
        if job["status"] == "running" and started is not None and started < now - STALE_JOB:
            await ExchangeJob.update({ExchangeJob.owner: owner, ExchangeJob.started_at: now}).where(
                ExchangeJob.id == job["id"])
            return True
        return False


async def finish_job(session_id: int, filename: str, *, ok: bool, message: str) -> None:
    async with write_tx():
        await ExchangeJob.update({ExchangeJob.status: "done" if ok else "failed", ExchangeJob.message: message,
                                  ExchangeJob.finished_at: datetime.now(UTC)}).where(
            (ExchangeJob.session == session_id) & (ExchangeJob.filename == filename))
