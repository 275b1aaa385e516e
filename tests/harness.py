"""Helpers shared by the tests (import them with `from harness import ...`; conftest.py files are not
importable by name once there are several of them)."""

from __future__ import annotations

import socket
import urllib.request

from server.config import get_settings

IS_SQLITE = get_settings().database.is_sqlite


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now (for servers and peers the tests start)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    """The Kladovka server at `url` answers /healthz with 200."""
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def all_tables():
    from piccolo.conf.apps import Finder
    from piccolo.table import sort_table_classes

    return sort_table_classes(Finder().get_table_classes())


async def clear_all_tables() -> None:
    from server.db import engine

    tables = all_tables()
    if IS_SQLITE:
        # one transaction on one connection (a query outside one opens a connection of its own), and
        # only the tables a test wrote to
        used = set(await _tables_with_rows([t._meta.tablename for t in tables]))
        async with engine().transaction():
            for table in reversed(tables):
                if table._meta.tablename not in used:
                    continue
                for fk in table._meta.foreign_key_columns:  # a tree (category.parent) empties leaves-first
                    if fk._foreign_key_meta.resolved_references is table and fk._meta.null:
                        await table.update({fk: None}, force=True)
                await table.delete(force=True)
            if used and await _has_sqlite_sequence():
                await engine().run_ddl("DELETE FROM sqlite_sequence")
    else:
        # TRUNCATE costs per table (new files for each, ~30 ms for a few): DELETE the rows of only the tables a
        # test wrote to, children first, and restart every sequence that moved (ids start at 1 in every test),
        # as one script on one connection; a foreign key the order misses falls back to TRUNCATE … CASCADE.
        names = [t._meta.tablename for t in tables]
        used = set(await _tables_with_rows(names))
        restart = ("SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) "
                   "FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL;")
        deletes = "".join(f'DELETE FROM "{n}";' for n in reversed(names) if n in used)
        quoted = ", ".join(f'"{n}"' for n in sorted(used))
        truncate = f"TRUNCATE {quoted} CASCADE;" if used else ""
        pool = engine().pool
        if pool is None:  # a loop without a pool: the fallback's way, query by query
            for statement in (truncate, restart):
                if statement:
                    await engine().run_ddl(statement)
            return
        async with pool.acquire() as conn:
            try:
                await conn.execute(f"BEGIN;{deletes}{restart}COMMIT;")
            except Exception:
                await conn.execute("ROLLBACK")
                await conn.execute(truncate + restart)


async def _tables_with_rows(names: list[str]) -> list[str]:
    from server.db import engine

    probe = " UNION ALL ".join(f"SELECT '{n}' AS name WHERE EXISTS (SELECT 1 FROM \"{n}\")" for n in names)
    return [r["name"] for r in await engine().run_ddl(probe)]


async def _has_sqlite_sequence() -> bool:
    from server.db import engine

    rows = await engine().run_ddl("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")
    return bool(rows)


async def login(client, username: str, password: str = "demo"):
    """Signs in through the real form, CSRF token included; returns the final response."""
    page = await client.get("/login")
    token = client.cookies.get("csrftoken")
    response = await client.post("/login", data={"username": username, "password": password,
                                                 "_csrf_token": token or ""})
    assert page.status_code == 200
    return response


def csrf_headers(client) -> dict[str, str]:
    return {"x-csrftoken": client.cookies.get("csrftoken") or ""}
