"""Web push for the customer's tracking page (public, no session): the VAPID key a browser subscribes
with, and the subscription itself (JSON from PushSubscription.toJSON(), no CSRF token: the page is
public and the tracking token in the path is the only credential)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Response

from server.domain.notify.push import public_key, subscribe
from server.errors import DomainError
from server.routes.manager._common import error_messages


class TrackingPushController(Controller):
    path = "/t"
    opt = {"public": True}
    include_in_schema = False

    @get("/push/key", name="tracking-push-key")
    async def key(self) -> Response[dict[str, str]]:
        return Response({"public_key": public_key()}, headers={"Cache-Control": "public, max-age=3600"})

    @post("/{token:str}/push", name="tracking-push-subscribe", opt={"exclude_from_csrf": True}, status_code=201)
    async def subscribe(self, request: Request, token: str) -> Response[dict[str, Any]]:
        body = await request.body()
        try:
            await subscribe(token, body[:8192])
        except DomainError as exc:  # the page's script shows the sentence
            return Response({"subscribed": False, "errors": error_messages(exc)}, status_code=exc.status_code)
        return Response({"subscribed": True}, status_code=201)
