"""Helpers shared by the owner's screens: the audience, role names, form fields, error messages."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template

from server.errors import DomainError
from server.routes.manager._common import error_messages, page
from server.web.i18n import gettext as _
from server.web.i18n import translate_error

OWNER_ONLY = {"owner"}  # owner passes every guard anyway; nobody else sees these screens

# (code, English msgid) in the order the forms show them.
ROLE_LABELS = (
    ("owner", "Owner: everything, incl. users and tokens"),
    ("manager", "Manager: catalog, documents, stock"),
    ("picker", "Picker: warehouse app"),
    ("courier", "Courier: courier app"),
    ("cashier", "Cashier: catalog lookup"),
)
ROLE_NAMES = {"owner": "Owner", "manager": "Manager", "picker": "Picker", "courier": "Courier",
              "cashier": "Cashier"}


def role_choices() -> list[tuple[str, str]]:
    return [(code, _(label)) for code, label in ROLE_LABELS]


def role_names() -> dict[str, str]:
    return {code: _(name) for code, name in ROLE_NAMES.items()}


def form_text(form: Any, name: str, limit: int = 300) -> str:
    value = form.get(name)
    return str(value)[:limit] if value is not None else ""


def form_roles(form: Any) -> list[str]:
    """Checked role boxes (the field repeats: roles=manager&roles=picker)."""
    values = form.getall("roles") if hasattr(form, "getall") and "roles" in form else []
    return [str(v) for v in values]


def form_flag(form: Any, name: str) -> bool:
    return str(form.get(name) or "").lower() in ("on", "1", "true", "yes")


def field_errors(exc: DomainError) -> dict[str, str]:
    """Field name → message, for the inline hints next to the inputs."""
    found: dict[str, str] = {}
    for problem in exc.problems or [exc]:
        if problem.field and problem.field not in found:
            found[problem.field] = translate_error(problem.message, problem.params)
    return found


def admin_page(request: Request, template: str, context: dict[str, Any], *, error: DomainError | None = None,
               status_code: int = 200, headers: dict[str, str] | None = None) -> Template:
    """A page of the owner's screens; with `error` the form comes back with the messages and the
    error's 4xx status."""
    full = {"nav": "admin", "role_names": role_names(), **context}
    if error is not None:
        full["flash"] = {"level": "error", "messages": error_messages(error)}
        full["errors"] = field_errors(error)
        status_code = error.status_code
    full.setdefault("errors", {})
    return page(request, template, full, status_code=status_code, headers=headers)
