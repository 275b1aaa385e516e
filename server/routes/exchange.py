"""/exchange/1c/<channel code>: the exchange script the shop's 1C calls (Kladovka as the site).

Public in the access guard's sense and exempt from CSRF: 1C authenticates with HTTP Basic against the
channel (server/integrations/commerceml/site_protocol.py) and answers are 1C's plain-text protocol,
"failure\\n<reason>" with HTTP 200 included. GET and POST both reach every step (1C uses POST for files).
Failed logins are counted per channel and address like sign-ins (server/web/ratelimit.py).
"""

from __future__ import annotations

from litestar import Controller, HttpMethod, Request, Response, route

from server.integrations.commerceml.site_protocol import handle_exchange
from server.web.ratelimit import login_attempts, login_key


class ExchangeController(Controller):
    path = "/exchange/1c"
    opt = {"public": True, "exclude_from_csrf": True}
    include_in_schema = False

    @route("/{channel_code:str}", http_method=[HttpMethod.GET, HttpMethod.POST])
    async def exchange(self, request: Request, channel_code: str) -> Response:
        attempts = login_attempts(request.app)
        key = login_key(f"exchange:{channel_code}", request.client.host if request.client else "")
        body = await request.body() if request.method == HttpMethod.POST else b""
        answer = await handle_exchange(channel_code, dict(request.query_params), body,
                                       authorization=request.headers.get("authorization"),
                                       cookies=dict(request.cookies), blocked=await attempts.blocked(key))
        if answer.login_failed:
            await attempts.hit(key)
        return Response(answer.body, media_type=answer.media_type, status_code=answer.status,
                        headers={"Cache-Control": "no-store"})
