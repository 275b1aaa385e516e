"""Kladovka as the site, towards the shop's own 1C: the exchange script 1C calls (formats.md §1.2),
framework-free (the route passes the query, body, Authorization header and cookies in).

A channel of kind commerceml_1c serves `/exchange/1c/<channel code>`; 1C logs in with HTTP Basic:
the channel's `login` setting (default: the channel code) and its secret as the password, compared
in constant time. Then, by `type` and `mode`:
  checkauth → "success\\nkladovka_exchange\\n<session>\\nsessid=<session>" (the session is in the
              database, so every server process knows it; later calls carry the cookie or sessid)
  init      → "zip=yes|no\\nfile_limit=<bytes>" (+ sessid, version)
  catalog file   → the body appended to the named file (names made safe; `..` is refused)
  catalog import → zip archives unpacked, the file parsed and imported in one transaction, in the
                   background: "progress" while it runs, then "success" or "failure\\n<reason>"
  deactivate, complete → "success"
  sale query   → our new and changed orders as CommerceML (UTF-8, or the channel's `encoding`)
  sale success → they count as delivered to 1C
  sale file    → 1C's order changes: statuses, payments, cancellations, new orders
Every answer is short text in the channel's `answer_charset` (UTF-8 by default); problems answer
"failure\\n<reason in Russian>" with HTTP 200, as 1C expects.
"""

from __future__ import annotations

import base64
import hmac
import logging
import time
from dataclasses import dataclass

from server.domain.channels.channels import Channel, find_channel
from server.domain.exchange import sessions
from server.domain.exchange.order_sync import ack_sent, mark_sent, pending_orders
from server.domain.exchange.runs import add_to_run, start_run
from server.errors import DomainError, ValidationFailed
from server.integrations.commerceml import site_files
from server.integrations.commerceml._xml import CommerceMLError
from server.integrations.commerceml.catalog_export import ref_source
from server.integrations.commerceml.reader import parse_document
from server.integrations.commerceml.remote_orders import (
    SALE_VERSION,
    explain,
    orders_document,
    take_remote_order,
)

log = logging.getLogger("kladovka.exchange")
COOKIE = "kladovka_exchange"
FILE_LIMIT = 8_000_000  # below Litestar's 10 MB request body limit
MAX_FILE = 200_000_000
IMPORT_WAIT = 20.0  # seconds a mode=import call waits before it answers "progress"
QUERY_LIMIT = 500  # orders per answer to mode=query


@dataclass(frozen=True)
class Answer:
    body: bytes
    media_type: str
    status: int = 200
    login_failed: bool = False  # a wrong login or password (the route counts these per address)


class _Refused(Exception):
    def __init__(self, problem: DomainError, *, login_failed: bool = False) -> None:
        super().__init__(problem.message)
        self.problem = problem
        self.login_failed = login_failed


def _charset(channel: Channel | None) -> str:
    value = str((channel.settings.get("answer_charset") if channel else "") or "utf-8").lower()
    return "windows-1251" if value in ("windows-1251", "cp1251") else "utf-8"


def _text(channel: Channel | None, *lines: str) -> Answer:
    charset = _charset(channel)
    body = "\n".join(" ".join(line.split()) for line in lines).encode(charset, "replace")
    return Answer(body, f"text/plain; charset={charset}")


def _failure(channel: Channel | None, problem: DomainError, *, login_failed: bool = False) -> Answer:
    answer = _text(channel, "failure", explain(problem))
    return Answer(answer.body, answer.media_type, login_failed=login_failed)


def _setting(channel: Channel, key: str, default: float) -> float:
    value = channel.settings.get(key)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _basic(header: str | None) -> tuple[str, str] | None:
    if not header or not header[:6].lower() == "basic ":
        return None
    try:
        raw = base64.b64decode(header[6:].strip(), validate=True)
    except ValueError:
        return None
    for encoding in ("utf-8", "cp1251"):
        try:
            login, sep, password = raw.decode(encoding).partition(":")
        except UnicodeDecodeError:
            continue
        return (login, password) if sep else None
    return None


def _authorised(channel: Channel, header: str | None) -> bool:
    given = _basic(header)
    expected_login = str(channel.settings.get("login") or channel.code)
    login, password = given or ("", "")
    same_login = hmac.compare_digest(login.encode("utf-8"), expected_login.encode("utf-8"))
    same_password = hmac.compare_digest(password.encode("utf-8"), channel.secret.encode("utf-8"))
    return given is not None and bool(channel.secret) and same_login and same_password


async def _channel(code: str) -> Channel:
    channel = await find_channel(code)
    if channel is None or channel.kind != "commerceml_1c" or not channel.active:
        raise _Refused(ValidationFailed("There is no exchange with 1C under this address"))
    return channel


async def _session(channel: Channel, params: dict[str, str], cookies: dict[str, str]) -> dict:
    for token in (cookies.get(COOKIE, ""), params.get("sessid", "")):
        found = await sessions.find_session(channel.code, token) if token else None
        if found is not None:
            return found
    raise _Refused(ValidationFailed("The exchange session has expired or was not opened: log in again "
                                    "(mode=checkauth)"))


async def _checkauth(channel: Channel, authorization: str | None, blocked: bool) -> Answer:
    if blocked:
        raise _Refused(ValidationFailed("Too many failed logins to the exchange; try again in a few minutes"))
    if not _authorised(channel, authorization):
        log.warning("exchange %s: wrong login or password", channel.code)
        raise _Refused(ValidationFailed("Wrong login or password for the exchange"), login_failed=True)
    run_id = await start_run(channel.code, "1c", exclusive=False)
    token = await sessions.open_session(channel.code, run_id=run_id)
    return _text(channel, "success", COOKIE, token, f"sessid={token}", f"timestamp={int(time.time())}")


async def _init(channel: Channel, session: dict, params: dict[str, str], token: str) -> Answer:
    version = (params.get("version") or "").strip()[:16]
    if version:
        await sessions.set_version(session["id"], version)
    zip_ok = channel.settings.get("zip") is not False
    limit = int(_setting(channel, "file_limit", FILE_LIMIT))
    lines = [f"zip={'yes' if zip_ok else 'no'}", f"file_limit={min(limit, FILE_LIMIT)}", f"sessid={token}"]
    return _text(channel, *lines, *([f"version={version}"] if version else []))


async def _file(channel: Channel, session: dict, params: dict[str, str], body: bytes) -> Answer:
    name = site_files.safe_name(params.get("filename"))
    if name is None:
        raise _Refused(ValidationFailed("The file name %(name)s is not allowed", name=(params.get("filename") or "")[:100]))
    if not (site_files.kept(name) or name.lower().endswith(".zip")):
        return _text(channel, "success", f"Файл {name} принят и пропущен")
    try:
        size = await sessions.append_file(session["id"], name, body, limit=int(_setting(channel, "max_file", MAX_FILE)))
    except ValueError:
        raise _Refused(ValidationFailed("The file %(file)s is larger than %(mb)s MB", file=name,
                                        mb=int(_setting(channel, "max_file", MAX_FILE)) // 1_000_000)) from None
    return _text(channel, "success", f"{name}: {size}")


async def _import(channel: Channel, session: dict, params: dict[str, str]) -> Answer:
    name = site_files.safe_name(params.get("filename"))
    if name is None:
        raise _Refused(ValidationFailed("The file name %(name)s is not allowed", name=(params.get("filename") or "")[:100]))
    if await sessions.get_job(session["id"], name) is None:
        try:
            await site_files.unpack_uploads(session["id"], limit=int(_setting(channel, "max_file", MAX_FILE)))
        except DomainError as exc:
            if session["run"]:
                await add_to_run(session["run"], error=explain(exc))
            raise _Refused(exc) from None
    spec = site_files.ImportSpec(session_id=session["id"], run_id=session["run"], filename=name, channel=channel.code,
                                 source=ref_source(channel), warehouse=channel.settings.get("warehouse") or None)
    problem = await site_files.start_import(spec)
    if problem is not None:
        raise _Refused(problem)
    word, message = await site_files.import_answer(session["id"], name, wait=_setting(channel, "import_wait",
                                                                                       IMPORT_WAIT))
    return _text(channel, word, message)


async def _query(channel: Channel, session: dict) -> Answer:
    codes = channel.settings.get("order_channels")
    ids = await pending_orders(channel.code, own_only=False,
                               order_channels=[str(c) for c in codes] if isinstance(codes, list) else (),
                               limit=int(_setting(channel, "query_limit", QUERY_LIMIT)))
    version = session["version"] if session["version"].startswith("2.") else None
    encoding = "windows-1251" if str(channel.settings.get("encoding") or "").lower() in ("windows-1251", "cp1251") \
        else "utf-8"
    data = await orders_document(channel, ids, encoding=encoding,
                                 version=version or str(channel.settings.get("sale_version") or SALE_VERSION))
    await mark_sent(channel.code, ids)
    if session["run"]:
        await add_to_run(session["run"], sent={"orders": len(ids)})
    return Answer(data, f"application/xml; charset={encoding}")


async def _success(channel: Channel, session: dict) -> Answer:
    count = await ack_sent(channel.code)
    return _text(channel, "success", f"Заказов подтверждено: {count}")


async def _sale_file(channel: Channel, session: dict, params: dict[str, str], body: bytes) -> Answer:
    name = site_files.safe_name(params.get("filename")) or "orders.xml"
    limit = int(_setting(channel, "max_file", MAX_FILE))
    try:
        files = site_files.unpack(body, limit=limit) if name.lower().endswith(".zip") else {name: body}
        docs = [parse_document(data) for data in files.values()]
    except (CommerceMLError, ValidationFailed) as exc:
        if session["run"]:
            await add_to_run(session["run"], error=f"{name}: {explain(exc)}")
        raise _Refused(exc) from None
    taken, notes, errors = 0, [], []
    for order in (o for doc in docs for o in doc.orders):
        label = order.number or order.id
        try:
            result = await take_remote_order(channel, order, actor=f"exchange:{channel.code}")
        except DomainError as exc:
            errors.append(f"Заказ {label}: {explain(exc)}")
            continue
        if result is None:
            notes.append(f"Заказ {label}: неизвестный заказ без товаров пропущен")
            continue
        taken += 1
        notes += [f"Заказ {label}: {n}" for n in result.notes]
    if session["run"]:
        await add_to_run(session["run"], received={"orders": taken}, notes=notes + errors,
                         error=errors[0] if errors else "")
    return _text(channel, "success", f"Заказов принято: {taken}" + (f", с ошибками: {len(errors)}" if errors else ""))


async def handle_exchange(channel_code: str, params: dict[str, str], body: bytes, *, authorization: str | None,
                          cookies: dict[str, str], blocked: bool = False) -> Answer:
    """One request of 1C's exchange; never raises for what 1C sent (a "failure" answer instead).
    blocked: this address failed to log in too often (checkauth is refused even with the right password)."""
    channel = None
    kind, mode = (params.get("type") or "").strip().lower(), (params.get("mode") or "").strip().lower()
    try:
        channel = await _channel(channel_code)
        if mode == "checkauth":
            return await _checkauth(channel, authorization, blocked)
        session = await _session(channel, params, cookies)
        token = cookies.get(COOKIE) or params.get("sessid") or ""
        if mode == "init":
            return await _init(channel, session, params, token)
        if kind == "catalog" and mode == "file":
            return await _file(channel, session, params, body)
        if kind == "catalog" and mode == "import":
            return await _import(channel, session, params)
        if mode in ("deactivate", "complete"):
            return _text(channel, "success")
        if kind == "sale" and mode == "query":
            return await _query(channel, session)
        if kind == "sale" and mode == "success":
            return await _success(channel, session)
        if kind == "sale" and mode == "file":
            return await _sale_file(channel, session, params, body)
        raise _Refused(ValidationFailed("Unknown exchange step type=%(type)s mode=%(mode)s", type=kind[:20],
                                        mode=mode[:20]))
    except _Refused as refused:
        return _failure(channel, refused.problem, login_failed=refused.login_failed)
