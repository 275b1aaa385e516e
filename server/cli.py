"""`kladovka` — the command line: serve, assets, migrate, demo, user, token, ledger.

Every command prints what it did in plain words and exits non-zero with a message a person can act
on when something is wrong (exit 1: refused or failed; exit 2: wrong usage).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from server.config import PROJECT_ROOT, ConfigError, get_settings


def _fail(message: str, code: int = 1) -> int:
    print(f"kladovka: {message}", file=sys.stderr)
    return code


def _run(coro: Coroutine[Any, Any, int]) -> int:
    return asyncio.run(coro)


def _check_database() -> None:
    """Fail early with a clear message when the database cannot be reached."""
    from server.db import engine

    async def ping() -> None:
        await engine().run_ddl("SELECT 1")

    try:
        asyncio.run(ping())
    except Exception as exc:  # the driver's own error text is the most useful part
        db = get_settings().database
        where = db.path if db.is_sqlite else f"{db.host}:{db.port}/{db.database}"
        raise ConfigError(f"cannot connect to the database ({where}): {exc}") from exc


# ---- commands -----------------------------------------------------------------------------------

def cmd_migrate(args: argparse.Namespace) -> int:
    from server.migrations import migrate

    _check_database()
    applied = _run(migrate())
    print(f"migrations: {applied} applied" if applied else "migrations: database is up to date")
    return 0


def cmd_assets(args: argparse.Namespace) -> int:
    from server.assets import AssetsError, install_assets

    try:
        copied = install_assets(force=args.force)
    except AssetsError as exc:
        return _fail(str(exc))
    print(f"assets: {copied} files in place")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from server.demo import DemoRefused, load_demo

    _check_database()
    try:
        summary = _run(load_demo(force=args.force, if_empty=args.if_empty))
    except DemoRefused as exc:
        return _fail(str(exc))
    print(summary)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    _check_database()
    print(f"Kladovka: http://{args.host}:{args.port}/  (demo logins: owner, manager, picker, courier, "
          "cashier; password: demo)")
    uvicorn.run("server.asgi:app", host=args.host, port=args.port, workers=args.workers,
                proxy_headers=True, log_level="info")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:  # pragma: no cover - the outbox arrives with orders
    return _fail("the outbox worker arrives with orders (issue 3); nothing to do yet")


def cmd_user_create(args: argparse.Namespace) -> int:
    from server.domain.users.accounts import create_user
    from server.errors import DomainError
    from server.web.i18n import translate_error

    password = args.password or os.environ.get("KLADOVKA_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            return _fail("give the password with --password or KLADOVKA_PASSWORD", 2)
        password = getpass.getpass("Password: ")
    _check_database()
    roles = [r.strip() for part in args.role for r in part.split(",") if r.strip()]
    try:
        account = _run(create_user(args.username, password, roles, full_name=args.name or "",
                                   actor="cli"))
    except DomainError as exc:
        return _fail(translate_error(exc.message, exc.params, "en"))
    print(f"user {account.username} created with roles: {', '.join(account.roles)}")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    from server.domain.users.tokens import create_token
    from server.errors import DomainError
    from server.web.i18n import translate_error

    _check_database()
    roles = [r.strip() for part in (args.role or ["manager"]) for r in part.split(",") if r.strip()]
    try:
        issued = _run(create_token(args.name, roles, actor="cli"))
    except DomainError as exc:
        return _fail(translate_error(exc.message, exc.params, "en"))
    print(f"API token '{issued.name}' created (id {issued.id}, roles: {', '.join(roles)}).")
    print("Store it now: it is shown only once. Use it as 'Authorization: Bearer <token>'.")
    print(issued.token)
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    from server.domain.users.tokens import revoke_token
    from server.errors import DomainError
    from server.web.i18n import translate_error

    _check_database()
    try:
        _run(revoke_token(args.id, actor="cli"))
    except DomainError as exc:
        return _fail(translate_error(exc.message, exc.params, "en"))
    print(f"API token {args.id} revoked")
    return 0


def cmd_ledger_rebuild(args: argparse.Namespace) -> int:
    from server.domain.stock.balances import rebuild_balances

    _check_database()
    report = _run(rebuild_balances(dry_run=args.check))
    if not report.differences:
        print(f"ledger: {report.balances_checked} balances checked, all equal the sum of moves")
        return 0
    for diff in report.differences:
        print(diff)
    verb = "found" if args.check else "found and fixed"
    print(f"ledger: {len(report.differences)} differences {verb} in {report.balances_checked} balances")
    return 1 if args.check else 0


# ---- parser -------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kladovka", description="Kladovka back office")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("serve", help="run the web server")
    p.add_argument("--host", default=os.environ.get("KLADOVKA_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("KLADOVKA_PORT", "8000")))
    p.add_argument("--workers", type=int, default=1, help="server processes (needs PostgreSQL + Redis for >1)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("assets", help="install front-end libraries from package-lock.json")
    p.add_argument("--force", action="store_true", help="reinstall even when up to date")
    p.set_defaults(func=cmd_assets)

    p = sub.add_parser("migrate", help="apply database migrations")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("demo", help="load the demo coffee-and-tea shop")
    p.add_argument("--force", action="store_true", help="load even into a database that has data")
    p.add_argument("--if-empty", action="store_true", help="do nothing (exit 0) when data exists")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("worker", help="deliver the outbox (notifications, site syncs)")
    p.set_defaults(func=cmd_worker)

    user = sub.add_parser("user", help="manage users").add_subparsers(dest="user_command", metavar="ACTION")
    p = user.add_parser("create", help="create a user")
    p.add_argument("username")
    p.add_argument("--role", action="append", required=True,
                   help="owner, manager, picker, courier or cashier; repeat or comma-separate")
    p.add_argument("--password", help="password (else KLADOVKA_PASSWORD or a prompt)")
    p.add_argument("--name", help="full name")
    p.set_defaults(func=cmd_user_create)

    token = sub.add_parser("token", help="manage API tokens").add_subparsers(dest="token_command", metavar="ACTION")
    p = token.add_parser("create", help="create an API token; prints it as the last line")
    p.add_argument("name")
    p.add_argument("--role", action="append", help="roles of the token (default: manager)")
    p.set_defaults(func=cmd_token_create)
    p = token.add_parser("revoke", help="revoke an API token by id")
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_token_revoke)

    ledger = sub.add_parser("ledger", help="stock ledger tools").add_subparsers(dest="ledger_command", metavar="ACTION")
    p = ledger.add_parser("rebuild", help="recompute balances from moves and report differences")
    p.add_argument("--check", action="store_true", help="only report, change nothing (exit 1 on differences)")
    p.set_defaults(func=cmd_ledger_rebuild)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.chdir(PROJECT_ROOT) if (PROJECT_ROOT / "pyproject.toml").exists() else None
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return func(args)
    except ConfigError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
