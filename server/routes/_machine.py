"""Answers for machines outside /api (shop webhooks, feeds): every error as RFC 9457 problem JSON in
the request's language, never a login redirect or an HTML page. Controllers set
`exception_handlers = MACHINE_ERROR_HANDLERS`."""

from __future__ import annotations

from litestar import Request, Response
from litestar.exceptions import HTTPException

from server.errors import DomainError
from server.web.i18n import gettext as _
from server.web.i18n import translate_error
from server.web.problems import api_language, problem

_TITLES = {
    400: "Invalid request",
    401: "Not authenticated",
    403: "Access denied",
    404: "Not found",
    405: "This method is not allowed here",
    409: "Conflict",
    422: "The data did not pass the checks",
}


def _answer(request: Request, status: int, detail: str, code: str, errors: list[dict]) -> Response:
    lang = api_language(request)
    title = _(_TITLES.get(status, "Request failed"), lang)
    return problem(status, title, detail or title, code, request=request, errors=errors)


def domain_problem(request: Request, exc: DomainError) -> Response:
    lang = api_language(request)
    errors = [{"detail": translate_error(p.message, p.params, lang), "field": p.field, "code": p.code}
              for p in (exc.problems or [exc])]
    return _answer(request, exc.status_code, translate_error(exc.message, exc.params, lang), exc.code, errors)


def http_problem(request: Request, exc: HTTPException) -> Response:
    lang = api_language(request)
    detail = _(_TITLES.get(exc.status_code, "Request failed"), lang)
    return _answer(request, exc.status_code, detail, f"http_{exc.status_code}", [{"field": None, "detail": detail}])


MACHINE_ERROR_HANDLERS = {DomainError: domain_problem, HTTPException: http_problem}
