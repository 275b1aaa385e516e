"""POST /hooks/<channel code>: signed order webhooks from shop platforms (WooCommerce, Shopify).

Public (the signature is the credential) and exempt from CSRF; errors as problem JSON."""

from __future__ import annotations

from litestar import Controller, Request, Response, post

from server.domain.outbox.worker import wake
from server.integrations.webhooks.receive import receive_webhook
from server.routes._machine import MACHINE_ERROR_HANDLERS


class WebhookController(Controller):
    path = "/hooks"
    opt = {"public": True, "exclude_from_csrf": True}
    exception_handlers = MACHINE_ERROR_HANDLERS  # type: ignore[assignment]
    include_in_schema = False

    @post("/{channel_code:str}", status_code=200)
    async def receive(self, request: Request, channel_code: str) -> Response:
        outcome = await receive_webhook(channel_code, await request.body(), dict(request.headers),
                                        remote=request.client.host if request.client else "")
        if outcome.status == "created":
            wake()  # this process's outbox worker tells the boards and the customer at once
        return Response(outcome.as_dict(), status_code=200)
