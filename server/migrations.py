"""Apply the checked-in Piccolo migrations of every app, in dependency order."""

from __future__ import annotations

import contextlib
import io

from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration


async def applied_count() -> int:
    if not await Migration.table_exists():
        return 0
    return await Migration.count()


async def use_wal_journal() -> None:
    """SQLite: write-ahead logging (kept in the database file once set). Readers no longer wait for
    the writer, and a commit is one fsync of the log instead of three of the rollback journal; with
    the default synchronous=FULL a committed transaction still survives a power cut."""
    from server.db import engine, is_sqlite

    if is_sqlite():
        await engine().run_ddl("PRAGMA journal_mode=WAL")


async def migrate(quiet: bool = True) -> int:
    """Runs pending migrations; returns how many were applied. Raises on failure."""
    await use_wal_journal()
    before = await applied_count()
    out = io.StringIO()
    with contextlib.redirect_stdout(out) if quiet else contextlib.nullcontext():
        result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(f"migration failed: {result.message}\n{out.getvalue()}")
    return await applied_count() - before
