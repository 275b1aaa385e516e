"""Loopback peers for the CommerceML exchange tests: any ASGI app served by uvicorn on a free port of
127.0.0.1 inside the test's event loop, and a small stand-in for a 1C-Bitrix site's exchange script
(/bitrix/admin/1c_exchange.php) that answers like Bitrix and records what it was sent."""

from __future__ import annotations

import asyncio
import base64
import io
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import uvicorn


@asynccontextmanager
async def serve(app) -> AsyncIterator[str]:
    """The app on http://127.0.0.1:<free port> until the block ends."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on",
                                           access_log=False, timeout_graceful_shutdown=2))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("uvicorn stopped before it started")
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class FakeSite:
    """A Bitrix-like exchange script. `progress` answers before each import's success; `fail_import`
    names files whose import fails; `hang` names (type, mode) steps that never answer (until released);
    `query_answer` is the sale query's body (windows-1251 like Bitrix)."""

    login: str = "exchange"
    password: str = "site-secret"
    zip: bool = False
    file_limit: int = 4096
    progress: int = 2
    fail_import: set[str] = field(default_factory=set)
    hang: set[tuple[str, str]] = field(default_factory=set)
    query_answer: bytes = b""
    files: dict[str, bytes] = field(default_factory=dict)
    parts: dict[str, int] = field(default_factory=dict)
    imported: list[str] = field(default_factory=list)
    steps: dict[str, int] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    successes: int = 0
    sale_files: list[bytes] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    cookie: str = "PHPSESSID=fake-session-1"

    def uploads(self) -> dict[str, bytes]:
        """What was uploaded, zip archives unpacked."""
        out = {}
        for name, data in self.files.items():
            if name.endswith(".zip"):
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    out.update({n: archive.read(n) for n in archive.namelist()})
            else:
                out[name] = data
        return out

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        params = dict(parse_qsl(scope["query_string"].decode("latin-1")))
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        answer, media = await self.answer(params, headers, body)
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", media.encode("latin-1"))]})
        await send({"type": "http.response.body", "body": answer})

    def _text(self, *lines: str) -> tuple[bytes, str]:
        return "\n".join(lines).encode("cp1251"), "text/plain; charset=windows-1251"

    async def answer(self, params: dict, headers: dict, body: bytes) -> tuple[bytes, str]:
        kind, mode = params.get("type", ""), params.get("mode", "")
        self.calls.append((kind, mode))
        if (kind, mode) in self.hang:
            await self.release.wait()
            return self._text("failure", "поздно")
        if mode == "checkauth":
            expected = "Basic " + base64.b64encode(f"{self.login}:{self.password}".encode()).decode()
            if headers.get("authorization") != expected:
                return self._text("failure", "Ошибка авторизации")
            name, value = self.cookie.split("=")
            return self._text("success", name, value, "sessid=abc123", "timestamp=1700000000")
        if headers.get("cookie") != self.cookie or params.get("sessid") != "abc123":
            return self._text("failure", "Сессия не найдена")
        if mode == "init":
            return self._text(f"zip={'yes' if self.zip else 'no'}", f"file_limit={self.file_limit}",
                              "sessid=abc123", "version=2.09")
        if mode == "file" and kind == "catalog":
            name = params["filename"]
            self.files[name] = self.files.get(name, b"") + body
            self.parts[name] = self.parts.get(name, 0) + 1
            return self._text("success")
        if mode == "import":
            name = params["filename"]
            if name in self.fail_import:
                return self._text("failure", f"Ошибка импорта {name}")
            self.steps[name] = self.steps.get(name, 0) + 1
            if self.steps[name] <= self.progress:
                return self._text("progress", f"Обработано {self.steps[name]} шагов")
            self.imported.append(name)
            return self._text("success", "Импорт завершен")
        if mode == "query":
            return self.query_answer, "text/xml; charset=windows-1251"
        if mode == "success":
            self.successes += 1
            return self._text("success")
        if mode == "file" and kind == "sale":
            self.sale_files.append(body)
            return self._text("success")
        return self._text("failure", "unknown mode")
