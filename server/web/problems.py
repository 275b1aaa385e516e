"""One place that turns errors into answers a person understands.

Under /api: RFC 9457 problem details (`application/problem+json`). Elsewhere: a 401 becomes a
redirect to the login page, other errors an HTML page (or an HTMX fragment) in the user's language.
Never a bare 500.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from server.errors import DomainError
from server.web.i18n import gettext as _
from server.web.i18n import translate_error

log = logging.getLogger("kladovka")

PROBLEM_TYPE = "https://kladovka.dev/problems/"


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def problem(status: int, title: str, detail: str, code: str, **extra: Any) -> Response:
    body = {"type": PROBLEM_TYPE + code, "title": title, "status": status, "detail": detail, **extra}
    return Response(body, status_code=status, media_type="application/problem+json")


def _domain_problems(exc: DomainError) -> list[dict[str, Any]]:
    items = exc.problems or []
    return [
        {"detail": translate_error(p.message, p.params), "field": p.field, "code": p.code, **p.params}
        for p in items
    ]


def domain_error_handler(request: Request, exc: DomainError) -> Response:
    detail = translate_error(exc.message, exc.params)
    if is_api(request):
        extra: dict[str, Any] = {}
        if exc.field:
            extra["field"] = exc.field
        if exc.problems:
            extra["errors"] = _domain_problems(exc)
        return problem(exc.status_code, _("The request could not be completed"), detail, exc.code, **extra)
    return error_page(request, exc.status_code, detail)


def validation_handler(request: Request, exc: ValidationException) -> Response:
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors = [{"field": e.get("key"), "detail": e.get("message")} for e in extra if isinstance(e, dict)]
    detail = _("The request body is not valid JSON or misses required fields")
    if is_api(request):
        return problem(400, _("Invalid request"), detail, "invalid_request", errors=errors)
    return error_page(request, 400, detail)


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    if isinstance(exc, NotAuthorizedException) and not is_api(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.headers.get("hx-request"):
            return Response("", status_code=401, headers={"HX-Redirect": f"/login?next={quote(target)}"})
        return Redirect(f"/login?next={quote(target)}", status_code=303)
    messages = {
        401: _("Sign in to continue"),
        403: _("Your role does not allow this"),
        404: _("Not found"),
        405: _("This method is not allowed here"),
        429: _("Too many attempts, try again later"),
    }
    detail = messages.get(status) or (str(exc.detail) if exc.detail else _("Request failed"))
    if is_api(request):
        return problem(status, detail, detail, f"http_{status}")
    return error_page(request, status, detail)


def internal_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    detail = _("Something went wrong on our side; nothing was changed. Try again.")
    if is_api(request):
        return problem(HTTP_500_INTERNAL_SERVER_ERROR, _("Internal error"), detail, "internal")
    return error_page(request, 500, detail)


def error_page(request: Request, status: int, detail: str) -> Response:
    if request.headers.get("hx-request"):
        return Template(template_name="common/_flash.html", context={"level": "error", "message": detail},
                        status_code=status, headers={"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"})
    return Template(template_name="common/error.html", context={"status": status, "message": detail},
                    status_code=status)


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    ValidationException: validation_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}
