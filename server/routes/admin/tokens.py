"""Owner screens for API tokens: the list with a form for a new one, the new token shown once, revoke."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.domain.users.tokens import create_token, list_tokens, revoke_token
from server.errors import DomainError
from server.routes.admin._common import OWNER_ONLY, admin_page, form_roles, form_text, role_choices
from server.routes.manager._common import actor_of, flash, redirect
from server.web.i18n import gettext as _

BASE = "/manager/admin/tokens"
# The secret must not stay in any cache: not the browser's, not a proxy's, not htmx's history.
NO_STORE = {"Cache-Control": "no-store"}


async def _list(request: Request, values: dict, error: DomainError | None = None) -> Template:
    return admin_page(request, "manager/admin_tokens.html",
                      {"tokens": await list_tokens(), "form": values, "roles": role_choices()}, error=error)


class AdminTokensController(Controller):
    path = BASE
    opt = {"roles": OWNER_ONLY}

    @get("/", name="admin-tokens")
    async def tokens(self, request: Request) -> Template:
        return await _list(request, {"name": "", "roles": ["manager"]})

    @post("/")
    async def create(self, request: Request) -> Template:
        form = await request.form()
        values = {"name": form_text(form, "name", 200), "roles": form_roles(form)}
        try:
            issued = await create_token(values["name"], values["roles"], actor=actor_of(request))
        except DomainError as exc:
            return await _list(request, values, exc)
        return admin_page(request, "manager/admin_token_created.html", {"issued": issued}, status_code=201,
                          headers=NO_STORE)

    @post("/{token_id:int}/revoke")
    async def revoke(self, request: Request, token_id: int) -> Template | Redirect | ClientRedirect:
        await revoke_token(token_id, actor=actor_of(request))
        flash(request, _("The token is revoked; requests with it are refused from now on"))
        return redirect(request, BASE)
