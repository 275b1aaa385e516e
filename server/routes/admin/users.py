"""Owner screens for accounts: the list, a new user, and one user's roles / full name / active and a
new password. Errors re-render the form with the message and a 4xx status; nothing is changed."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.domain.users.accounts import MIN_PASSWORD_LENGTH, create_user
from server.domain.users.manage import get_user, list_users, set_password, update_user
from server.errors import DomainError
from server.routes.admin._common import OWNER_ONLY, admin_page, form_flag, form_roles, form_text, role_choices
from server.routes.manager._common import actor_of, flash, redirect
from server.web.i18n import gettext as _

Answer = Template | Redirect | ClientRedirect
BASE = "/manager/admin/users"


def _new_form(request: Request, values: dict, error: DomainError | None = None) -> Template:
    return admin_page(request, "manager/admin_user_new.html",
                      {"form": values, "roles": role_choices(), "min_password": MIN_PASSWORD_LENGTH},
                      error=error)


async def _edit_form(request: Request, user_id: int, values: dict | None = None,
                     error: DomainError | None = None) -> Template:
    account = await get_user(user_id)
    if values is None:
        values = {"full_name": account.full_name, "roles": list(account.roles), "active": account.active}
    return admin_page(request, "manager/admin_user_edit.html",
                      {"account": account, "form": values, "roles": role_choices(),
                       "min_password": MIN_PASSWORD_LENGTH}, error=error)


class AdminUsersController(Controller):
    path = BASE
    opt = {"roles": OWNER_ONLY}

    @get("/", name="admin-users")
    async def users(self, request: Request) -> Template:
        return admin_page(request, "manager/admin_users.html", {"users": await list_users()})

    @get("/new", name="admin-user-new")
    async def new(self, request: Request) -> Template:
        return _new_form(request, {"username": "", "full_name": "", "roles": []})

    @post("/new")
    async def create(self, request: Request) -> Answer:
        form = await request.form()
        values = {"username": form_text(form, "username", 100), "full_name": form_text(form, "full_name"),
                  "roles": form_roles(form)}
        try:
            account = await create_user(values["username"], form_text(form, "password", 1000),
                                        values["roles"], full_name=values["full_name"], actor=actor_of(request))
        except DomainError as exc:
            return _new_form(request, values, exc)
        flash(request, _("User %(username)s is created") % {"username": account.username})
        return redirect(request, BASE)

    @get("/{user_id:int}", name="admin-user")
    async def edit(self, request: Request, user_id: int) -> Template:
        return await _edit_form(request, user_id)

    @post("/{user_id:int}")
    async def update(self, request: Request, user_id: int) -> Answer:
        form = await request.form()
        values = {"full_name": form_text(form, "full_name"), "roles": form_roles(form),
                  "active": form_flag(form, "active")}
        try:
            account = await update_user(user_id, full_name=values["full_name"], roles=values["roles"],
                                        active=values["active"], actor=actor_of(request))
        except DomainError as exc:
            return await _edit_form(request, user_id, values, exc)
        flash(request, _("Changes to %(username)s are saved") % {"username": account.username})
        return redirect(request, BASE)

    @post("/{user_id:int}/password")
    async def password(self, request: Request, user_id: int) -> Answer:
        form = await request.form()
        try:
            account = await set_password(user_id, form_text(form, "password", 1000), actor=actor_of(request))
        except DomainError as exc:
            return await _edit_form(request, user_id, None, exc)
        flash(request, _("The password of %(username)s is changed") % {"username": account.username})
        return redirect(request, f"{BASE}/{user_id}")
