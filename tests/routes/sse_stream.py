"""One open Server-Sent Events request to the app over raw ASGI, read as it arrives: the test decides when
the client goes (httpx's ASGI transport would wait for the whole body of a stream that never ends). Used by
the live stream tests of the planning map and of the courier app."""

from __future__ import annotations

import asyncio
import json


class Stream:
    def __init__(self, app, path: str, cookie: str, *, event: str) -> None:
        self.app, self.path, self.cookie, self.event = app, path, cookie, event
        self.chunks: list[bytes] = []
        self.got, self.gone = asyncio.Event(), asyncio.Event()
        self.started: dict = {}

    async def _receive(self) -> dict:
        if "request" not in self.started:
            self.started["request"] = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: dict) -> None:
        if message["type"] == "http.response.start":
            self.started["status"] = message["status"]
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))
            self.got.set()

    def open(self) -> None:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": self.path, "raw_path": self.path.encode(), "root_path": "",
                 "query_string": b"", "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80),
                 "headers": [(b"host", b"127.0.0.1"), (b"accept", b"text/event-stream"),
                             (b"cookie", self.cookie.encode())]}
        self.task = asyncio.create_task(self.app(scope, self._receive, self._send))

    def text(self) -> str:
        return b"".join(self.chunks).decode()

    async def until(self, predicate) -> None:
        while not predicate(self.text()):
            self.got.clear()
            await asyncio.wait_for(self.got.wait(), timeout=10)

    def events(self) -> list[dict]:
        """The JSON of every event named `event` so far."""
        out, name = [], None
        for line in self.text().splitlines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: {\"") and name == self.event:
                out.append(json.loads(line[6:]))
        return out

    async def close(self) -> None:
        self.gone.set()
        await asyncio.wait_for(self.task, timeout=10)
