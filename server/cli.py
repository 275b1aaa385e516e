"""`kladovka` — the command line: serve, assets, migrate, demo, user, token, ledger, import, exchange, routing.

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
from datetime import UTC
from typing import Any

from server.config import PROJECT_ROOT, ConfigError, get_settings


class UsageError(Exception):
    """Wrong use of a command (exit 2)."""


def _fail(message: str, code: int = 1) -> int:
    print(f"kladovka: {message}", file=sys.stderr)
    return code


def _run(coro: Coroutine[Any, Any, int]) -> int:
    return asyncio.run(coro)


def _check_database(need_schema: bool = True) -> None:
    """Fail early with a clear message when a setting is wrong or the database cannot be reached (or has no
    tables yet)."""
    from server.config import fiscal_settings
    from server.db import engine
    from server.migrations import applied_count

    fiscal_settings()  # raises ConfigError on a value it does not know (KLADOVKA_ONLINE_RECEIPTS)

    async def ping() -> int:
        await engine().run_ddl("SELECT 1")
        return await applied_count() if need_schema else 1

    try:
        applied = asyncio.run(ping())
    except Exception as exc:  # the driver's own error text is the most useful part
        db = get_settings().database
        where = db.path if db.is_sqlite else f"{db.host}:{db.port}/{db.database}"
        raise ConfigError(f"cannot connect to the database ({where}): {exc}") from exc
    if not applied:
        raise ConfigError("the database has no tables yet; run 'kladovka migrate' first")


# ---- commands -----------------------------------------------------------------------------------

def cmd_migrate(args: argparse.Namespace) -> int:
    from server.migrations import migrate

    _check_database(need_schema=False)
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


def cmd_worker(args: argparse.Namespace) -> int:
    from server.outbox_runner import run_worker

    _check_database()
    if args.once:
        print(f"worker: {_run(run_worker(once=True))} events handled")
        return 0
    print("worker: delivering the outbox (Ctrl+C stops)")
    _run(run_worker(poll_interval=args.poll))
    print("worker: stopped")
    return 0


def _password_from(args: argparse.Namespace) -> str | None:
    """--password, else KLADOVKA_PASSWORD, else a prompt (twice) when a person is at the terminal."""
    password = args.password or os.environ.get("KLADOVKA_PASSWORD")
    if password or not sys.stdin.isatty():
        return password
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != first:
        raise UsageError("the two passwords differ; nothing was changed")
    return first


def _roles(values: list[str] | None) -> list[str]:
    return [r.strip() for part in values or [] for r in part.split(",") if r.strip()]


def _when(value: Any) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def cmd_user_create(args: argparse.Namespace) -> int:
    from server.domain.users.accounts import create_user

    password = _password_from(args)
    if not password:
        return _fail("give the password with --password or KLADOVKA_PASSWORD", 2)
    _check_database()
    account = _run(create_user(args.username, password, _roles(args.role), full_name=args.name or "",
                               actor="cli"))
    print(f"user {account.username} created with roles: {', '.join(account.roles)}")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    from server.domain.users.manage import list_users

    _check_database()
    users = _run(list_users())
    if not users:
        print("no users yet; create one with: kladovka user create NAME --role owner")
        return 0
    print(f"{'ID':>4}  {'USERNAME':<20} {'ACTIVE':<6} {'LAST SIGN-IN':<20} ROLES")
    for u in users:
        print(f"{u.id:>4}  {u.username:<20} {'yes' if u.active else 'no':<6} {_when(u.last_login_at):<20} "
              f"{', '.join(u.roles)}")
    return 0


def cmd_user_passwd(args: argparse.Namespace) -> int:
    from server.domain.users.manage import get_user_by_name, set_password

    password = _password_from(args)
    if not password:
        return _fail("give the new password with --password or KLADOVKA_PASSWORD", 2)
    _check_database()

    async def change() -> str:
        user = await get_user_by_name(args.username)
        await set_password(user.id, password, actor="cli")
        return user.username

    print(f"password of {_run(change())} changed")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    from server.domain.users.tokens import create_token

    _check_database()
    issued = _run(create_token(args.name, _roles(args.role) if args.role else None, actor="cli"))
    print(f"API token '{issued.name}' created (id {issued.id}, roles: {', '.join(issued.roles)}).")
    print("Store it now: it is shown only once. Use it as 'Authorization: Bearer <token>'.")
    print(issued.token)
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    from server.domain.users.tokens import list_tokens

    _check_database()
    tokens = _run(list_tokens())
    if not tokens:
        print("no API tokens yet; create one with: kladovka token create NAME --role manager")
        return 0
    print(f"{'ID':>4}  {'NAME':<24} {'PREFIX':<11} {'CREATED':<20} {'LAST USED':<20} {'REVOKED':<20} ROLES")
    for t in tokens:
        print(f"{t['id']:>4}  {t['name'][:24]:<24} {t['prefix']:<11} {_when(t['created_at']):<20} "
              f"{_when(t['last_used_at']):<20} {_when(t['revoked_at']):<20} {', '.join(t['roles'] or [])}")
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    from server.domain.users.tokens import revoke_token

    _check_database()
    _run(revoke_token(args.id, actor="cli"))
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


def _print_import_report(report, files: list[str]) -> None:
    from server.web.i18n import translate_error

    print(f"import: {len(files)} file(s) in {report.seconds:.2f} s: {', '.join(files)}")
    for kind, c in report.counts.items():
        if c.total():
            print(f"  {kind:<12} created {c.created}, updated {c.updated}, unchanged {c.unchanged}, "
                  f"skipped {c.skipped}")
    if report.stock_documents:
        print(f"stock set by inventory documents: {', '.join(report.stock_documents)}")
    if report.notes:
        print(f"notes ({len(report.notes)}):")
        for note in report.notes:
            where = f"{note.where}: " if note.where else ""
            print(f"  - {where}{translate_error(note.message, note.params, 'en')}")


def cmd_import_commerceml(args: argparse.Namespace) -> int:
    from pathlib import Path

    from server.domain.exchange.import_1c import import_catalog
    from server.errors import DomainError
    from server.integrations.commerceml import CommerceMLError, read_file
    from server.integrations.commerceml.to_domain import to_catalog_import
    from server.web.i18n import translate_error

    docs = []
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            return _fail(f"{name}: no such file")
        try:
            docs.append(read_file(path))
        except CommerceMLError as exc:
            return _fail(f"{name}: {translate_error(exc.message, exc.params, 'en')}; nothing was imported")
    _check_database()
    try:
        report = _run(import_catalog(to_catalog_import(docs, source=args.source), actor="cli",
                                     default_warehouse=args.warehouse))
    except DomainError as exc:
        for problem in exc.problems:
            where = f"{problem.field}: " if problem.field else ""
            print(f"  - {where}{translate_error(problem.message, problem.params, 'en')}", file=sys.stderr)
        return _fail(translate_error(exc.message, exc.params, "en"))
    _print_import_report(report, [Path(f).name for f in args.files])
    return 0


def cmd_exchange_run(args: argparse.Namespace) -> int:
    from server.integrations.commerceml.client import run_exchange
    from server.integrations.commerceml.schedule import site_channels

    _check_database()

    async def run() -> int:
        codes = [args.channel] if args.channel else [c.code for c in await site_channels()]
        if not codes:
            print("exchange: no active channel of kind commerceml_site with an exchange URL")
            return 0
        failed = 0
        for code in codes:
            outcome = await run_exchange(code, full=args.full, actor="cli")
            report = outcome.report
            if report is None:
                print(f"{code}: another exchange of this channel is running; nothing done")
                continue
            sent = ", ".join(f"{k} {v}" for k, v in report.sent.items() if not isinstance(v, list)) or "nothing"
            got = ", ".join(f"{k} {v}" for k, v in report.received.items()) or "nothing"
            print(f"{code}: {'ok' if report.ok else 'FAILED'} ({'full' if report.full else 'changes'}); "
                  f"sent {sent}; received {got}; new orders {report.orders_received}")
            for note in report.notes:
                print(f"  - {note}")
            if report.error:
                failed += 1
                print(f"  error: {report.error}", file=sys.stderr)
        return 1 if failed else 0

    return _run(run())


def cmd_routing_solve(args: argparse.Namespace) -> int:
    """Solve a VRPTW file; the last line printed is one JSON object (vehicles, distance, routes …)."""
    import json
    from pathlib import Path

    from server.routing import solomon
    from server.routing.vrp import solve

    if not Path(args.file).is_file():
        return _fail(f"{args.file}: no such file")
    try:
        inst = solomon.read(args.file)
    except solomon.SolomonFormatError as exc:
        return _fail(f"{args.file}: not a Solomon VRPTW file: {exc}")
    solution = solve(solomon.to_problem(inst), time_limit_s=args.time_limit, workers=args.workers)
    routes = [[int(v.visit_id) for v in r.visits] for r in solution.routes]
    print(f"{inst.name}: {solution.status}, {solution.message}", file=sys.stderr)
    print(json.dumps({"instance": inst.name, "vehicles": len(routes),
                      "distance": solomon.euclidean_length(inst, routes), "routes": routes,
                      "unassigned": [{"id": int(u.visit_id), "reason": u.reason} for u in solution.unassigned],
                      "status": solution.status, "wall_s": round(solution.wall_s, 3)}))
    return 0 if solution.status != "no_solution" else 1


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
    p.add_argument("--once", action="store_true", help="deliver what is due now, then exit")
    p.add_argument("--poll", type=float, default=1.0, help="seconds between looks at the outbox (default 1)")
    p.set_defaults(func=cmd_worker)

    user = sub.add_parser("user", help="manage users").add_subparsers(dest="user_command", metavar="ACTION")
    p = user.add_parser("create", help="create a user")
    p.add_argument("username")
    p.add_argument("--role", action="append", required=True,
                   help="owner, manager, picker, courier or cashier; repeat or comma-separate")
    p.add_argument("--password", help="password (else KLADOVKA_PASSWORD or a prompt)")
    p.add_argument("--name", help="full name")
    p.set_defaults(func=cmd_user_create)
    p = user.add_parser("list", help="list users with their roles")
    p.set_defaults(func=cmd_user_list)
    p = user.add_parser("passwd", help="set a new password for a user")
    p.add_argument("username")
    p.add_argument("--password", help="the new password (else KLADOVKA_PASSWORD or a prompt)")
    p.set_defaults(func=cmd_user_passwd)

    token = sub.add_parser("token", help="manage API tokens").add_subparsers(dest="token_command", metavar="ACTION")
    p = token.add_parser("create", help="create an API token; prints it as the last line")
    p.add_argument("name")
    p.add_argument("--role", action="append", help="roles of the token (default: manager); repeat or comma-separate")
    p.set_defaults(func=cmd_token_create)
    p = token.add_parser("list", help="list API tokens (never the secrets)")
    p.set_defaults(func=cmd_token_list)
    p = token.add_parser("revoke", help="revoke an API token by id")
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_token_revoke)

    ledger = sub.add_parser("ledger", help="stock ledger tools").add_subparsers(dest="ledger_command", metavar="ACTION")
    p = ledger.add_parser("rebuild", help="recompute balances from moves and report differences")
    p.add_argument("--check", action="store_true", help="only report, change nothing (exit 1 on differences)")
    p.set_defaults(func=cmd_ledger_rebuild)
    imp = sub.add_parser("import", help="import data from other systems").add_subparsers(dest="import_command",
                                                                                           metavar="FORMAT")
    p = imp.add_parser("commerceml", help="catalog from 1C: import.xml [offers.xml, prices, rests …], in one go")
    p.add_argument("files", nargs="+", metavar="FILE", help="CommerceML files, classifier/import first")
    p.add_argument("--source", default="1c", help="name of the 1C base (re-imports of one source update its rows)")
    p.add_argument("--warehouse", help="warehouse code for stock that names no warehouse (default: MAIN)")
    p.set_defaults(func=cmd_import_commerceml)
    exchange = sub.add_parser("exchange", help="CommerceML exchanges with shop sites").add_subparsers(
        dest="exchange_command", metavar="ACTION")
    p = exchange.add_parser("run", help="exchange with a site now (every commerceml_site channel when none given)")
    p.add_argument("channel", nargs="?", help="the channel code")
    p.add_argument("--full", action="store_true", help="send the whole catalog, not only the changes")
    p.set_defaults(func=cmd_exchange_run)
    routing = sub.add_parser("routing", help="route optimiser tools").add_subparsers(dest="routing_command",
                                                                                   metavar="ACTION")
    p = routing.add_parser("solve", help="solve a VRPTW instance; prints one JSON object as the last line")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--format", choices=["solomon"], default="solomon", help="file format (default: solomon)")
    p.add_argument("--time-limit", type=float, default=10.0, help="seconds of search (default 10)")
    p.add_argument("--workers", type=int, default=2, help="search processes (default 2)")
    p.set_defaults(func=cmd_routing_solve)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.chdir(PROJECT_ROOT) if (PROJECT_ROOT / "pyproject.toml").exists() else None
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    from server.errors import DomainError
    from server.web.i18n import translate_error

    try:
        return func(args)
    except DomainError as exc:  # a rule said no: nothing was changed
        return _fail(translate_error(exc.message, exc.params, "en"))
    except UsageError as exc:
        return _fail(str(exc), 2)
    except ConfigError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
