"""GET /feeds/<channel code>.yml?token=…: the channel's YML feed, streamed. Public; the feed token
is the credential; errors as problem JSON."""

from __future__ import annotations

from litestar import Controller, get
from litestar.response import Stream

from server.integrations.yml.feed import open_feed, yml_feed
from server.routes._machine import MACHINE_ERROR_HANDLERS


class FeedController(Controller):
    path = "/feeds"
    opt = {"public": True}
    exception_handlers = MACHINE_ERROR_HANDLERS  # type: ignore[assignment]
    include_in_schema = False

    @get("/{feed_name:str}")
    async def feed(self, feed_name: str, token: str | None = None) -> Stream:
        channel = await open_feed(feed_name, token)
        return Stream(yml_feed(channel), media_type="application/xml; charset=utf-8",
                      headers={"Cache-Control": "no-store"})
