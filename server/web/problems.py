"""One place that turns errors into answers a person understands.

Under /api: RFC 9457 problem details (`application/problem+json`: type, title, status, detail, and
`errors` when several things are wrong), in the request's language — ?lang=, the `lang` cookie, the
user's own setting, Accept-Language, else Russian. The page scripts of the warehouse app talk JSON too
(a request under /warehouse/ that accepts or sends application/json): they get the same problem
details, a 401 included (a script cannot follow a redirect to the login form). Elsewhere: a 401
becomes a redirect to the login page, other errors an HTML page (or an HTMX fragment) in the user's
language. Never a bare 500.
"""

from __future__ import annotations

import logging
import re
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import (
    ClientException,
    HTTPException,
    NotAuthorizedException,
    ValidationException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from server.config import get_settings
from server.errors import DomainError
from server.web.i18n import LANGUAGES, pick_language, translate_error
from server.web.i18n import gettext as _

log = logging.getLogger("kladovka")

PROBLEM_TYPE = "https://kladovka.dev/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"
_INDEXED_FIELD = re.compile(r"^[A-Za-z_]+\[(\d+)\]")
CSRF_FAILED = "CSRF token verification failed"  # litestar.middleware.csrf's message


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


JSON_APPS = ("/warehouse/", "/courier/")  # PWAs whose page scripts send and read JSON (scans, the courier's queue)


def wants_problem_json(request: Request) -> bool:
    """An /api request, or a JSON request of a page script (Accept or Content-Type application/json)."""
    if is_api(request):
        return True
    if not request.url.path.startswith(JSON_APPS):
        return False
    accept = request.headers.get("accept", "")
    content_type = request.headers.get("content-type", "")
    return "application/json" in accept or "application/problem+json" in accept or content_type.startswith(
        "application/json")


# --- language of an API answer ------------------------------------------------------------------

def _accept_language(header: str) -> str | None:
    """The best supported language of an Accept-Language header (q-values honoured)."""
    choices: list[tuple[float, int, str]] = []
    for n, part in enumerate(header.split(",")):
        tag, _sep, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and q > 0:
            choices.append((-q, n, primary))
    return min(choices)[2] if choices else None


def api_language(request: Request) -> str:
    """Worked out from the request itself: 404/405 answers never pass the locale middleware."""
    query_lang = request.query_params.get("lang")
    cookie_lang = None
    raw_cookie = request.headers.get("cookie")
    if raw_cookie:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(raw_cookie)
            cookie_lang = jar["lang"].value if "lang" in jar else None
        except Exception:  # a malformed cookie header must not break the answer
            cookie_lang = None
    principal = request.scope.get("principal")
    user_lang = getattr(principal, "locale", None) or None
    header_lang = _accept_language(request.headers.get("accept-language", ""))
    for candidate in (query_lang, cookie_lang, user_lang, header_lang):
        if candidate in LANGUAGES:
            return candidate
    return pick_language(None, None, None, get_settings().default_locale)


def problem(status: int, title: str, detail: str, code: str, *, request: Request | None = None,
            headers: dict[str, str] | None = None, **extra: Any) -> Response:
    body: dict[str, Any] = {"type": PROBLEM_TYPE + code, "title": title, "status": status, "detail": detail}
    if request is not None:
        body["instance"] = request.url.path
    body.update(extra)
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


# --- domain errors ------------------------------------------------------------------------------

_TITLES = {
    "validation_failed": "The data did not pass the checks",
    "not_found": "Not found",
    "conflict": "Conflict",
    "insufficient_stock": "Not enough stock",
    "forbidden": "Your role does not allow this",
}


def _problem_item(p: DomainError, lang: str | None) -> dict[str, Any]:
    item: dict[str, Any] = {"detail": translate_error(p.message, p.params, lang), "field": p.field,
                            "code": p.code}
    match = _INDEXED_FIELD.match(p.field or "")
    if match:
        item["index"] = int(match.group(1))
    for key, value in p.params.items():
        item.setdefault(key, value if isinstance(value, (str, int, float, bool)) or value is None else str(value))
    return item


def domain_error_handler(request: Request, exc: DomainError) -> Response:
    if not wants_problem_json(request):
        return error_page(request, exc.status_code, translate_error(exc.message, exc.params))
    lang = api_language(request)
    extra: dict[str, Any] = {}
    if exc.field:
        extra["field"] = exc.field
    extra["errors"] = [_problem_item(p, lang) for p in (exc.problems or [exc])]
    title = _(_TITLES.get(exc.code, "The request could not be completed"), lang)
    return problem(exc.status_code, title, translate_error(exc.message, exc.params, lang), exc.code,
                   request=request, **extra)


# --- request validation (Litestar/msgspec) ------------------------------------------------------

_TYPE_NAMES = {
    "int": "a whole number", "float": "a number", "decimal": "a number", "str": "a string",
    "bool": "true or false", "object": "an object", "array": "a list", "null": "null",
}
_VALIDATION_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Object missing required field `(?P<name>[^`]+)`"), "This field is required"),
    (re.compile(r"^Object contains unknown field `(?P<name>[^`]+)`"), "Unknown field"),
    (re.compile(r"^Expected `(?P<expected>[^`]+)`, got `(?P<got>[^`]+)`"), "Expected %(expected)s, got %(got)s"),
    (re.compile(r"^Expected `[^`]+` of length >= (?P<n>\d+)"), "Too short: at least %(n)s"),
    (re.compile(r"^Expected `[^`]+` of length <= (?P<n>\d+)"), "Too long: at most %(n)s"),
    (re.compile(r"^Expected `[^`]+` >= (?P<n>\S+)"), "Must be at least %(n)s"),
    (re.compile(r"^Expected `[^`]+` > (?P<n>\S+)"), "Must be greater than %(n)s"),
    (re.compile(r"^Expected `[^`]+` <= (?P<n>\S+)"), "Must be at most %(n)s"),
    (re.compile(r"^Expected `[^`]+` < (?P<n>\S+)"), "Must be less than %(n)s"),
    (re.compile(r"^Expected `[^`]+` matching regex"), "Has the wrong format"),
    (re.compile(r"^Invalid decimal string"), "Expected a number, e.g. 123.45"),
    (re.compile(r"^Invalid enum value"), "Not one of the allowed values"),
    (re.compile(r"^Invalid money amount"), "Use roubles with at most two decimals, e.g. 123.45"),
    (re.compile(r"^Empty request body"), "The request body is empty; send a JSON object"),
    (re.compile(r"^Contains a NUL character"), "Text cannot contain the NUL character (\\u0000)"),
]


def _type_names(spec: str, lang: str) -> str:
    """"int | null" → "a whole number or null" in the user's language."""
    names = [_(_TYPE_NAMES.get(part.strip(), part.strip()), lang) for part in spec.split("|")]
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} {_('or', lang)} {names[-1]}"


def _field_error(key: str | None, message: str, lang: str) -> dict[str, Any]:
    field = "" if key in (None, "data") else str(key)
    if key == "data" and message.strip("'") == "data":  # no body at all
        return {"field": None, "detail": _("The request body is empty; send a JSON object", lang)}
    for pattern, msgid in _VALIDATION_PATTERNS:
        match = pattern.match(message)
        if not match:
            continue
        groups = match.groupdict()
        if "name" in groups:
            field = f"{field}.{groups['name']}" if field else groups["name"]
        params = {k: _type_names(v, lang) if k in ("expected", "got") else v
                  for k, v in groups.items() if k != "name"}
        return {"field": field or None, "detail": translate_error(msgid, params, lang)}
    return {"field": field or None, "detail": _("Invalid value", lang), "reason": message}


def validation_handler(request: Request, exc: ValidationException) -> Response:
    if not wants_problem_json(request):
        return error_page(request, 400, _("The request body is not valid JSON or misses required fields"))
    lang = api_language(request)
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors = [_field_error(e.get("key"), str(e.get("message", "")), lang) for e in extra if isinstance(e, dict)]
    if len(errors) == 1 and errors[0]["field"]:
        detail = translate_error("Field %(field)s: %(detail)s", errors[0], lang)
    elif len(errors) == 1:
        detail = errors[0]["detail"]
    else:
        detail = _("The request misses required fields or has values of the wrong type", lang)
    return problem(400, _("Invalid request", lang), detail, "invalid_request", request=request, errors=errors)


# --- HTTP errors --------------------------------------------------------------------------------

_HTTP_MESSAGES = {
    401: "Sign in to continue",
    403: "Your role does not allow this",
    404: "Not found",
    405: "This method is not allowed here",
    429: "Too many attempts, try again later",
}


def _api_http_problem(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    lang = api_language(request)
    reason = str(exc.detail) if exc.detail else ""
    if status == 401 and not is_api(request):  # a page script whose session ended
        detail = _("Sign in to continue", lang)
        return problem(401, _("Not authenticated", lang), detail, "unauthorized", request=request,
                       errors=[{"field": None, "detail": detail}])
    if status == 403 and exc.detail == CSRF_FAILED:
        detail = _("The form is out of date or was sent from another site. Reload the page and try again.", lang)
        return problem(403, detail, detail, "csrf", request=request, errors=[{"field": None, "detail": detail}])
    if status == 401:
        detail = _("Send a valid API token: Authorization: Bearer <token>", lang)
        return problem(401, _("Not authenticated", lang), detail, "unauthorized", request=request,
                       headers={"WWW-Authenticate": 'Bearer realm="kladovka"'},
                       errors=[{"field": "Authorization", "detail": detail}])
    if status == 400 and type(exc) is ClientException:  # the body could not be decoded
        detail = _("The request body is not valid JSON", lang)
        return problem(400, _("Invalid request", lang), detail, "malformed_json", request=request, reason=reason,
                       errors=[{"field": None, "detail": detail, "reason": reason}])
    if status in _HTTP_MESSAGES:
        text = _(_HTTP_MESSAGES[status], lang)
        return problem(status, text, text, f"http_{status}", request=request,
                       errors=[{"field": None, "detail": text}])
    title = _("Request failed", lang)
    return problem(status, title, title, f"http_{status}", request=request, reason=reason,
                   errors=[{"field": None, "detail": title}])


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    if wants_problem_json(request):
        return _api_http_problem(request, exc)
    status = exc.status_code
    if isinstance(exc, NotAuthorizedException):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.headers.get("hx-request"):
            return Response("", status_code=401, headers={"HX-Redirect": f"/login?next={quote(target)}"})
        return Redirect(f"/login?next={quote(target)}", status_code=303)
    detail = _(_HTTP_MESSAGES[status]) if status in _HTTP_MESSAGES else (
        str(exc.detail) if exc.detail else _("Request failed"))
    if status == 403 and exc.detail == CSRF_FAILED:  # not a role problem: say what really happened
        detail = _("The form is out of date or was sent from another site. Reload the page and try again.")
    return error_page(request, status, detail)


def internal_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if wants_problem_json(request):
        lang = api_language(request)
        detail = _("Something went wrong on our side; nothing was changed. Try again.", lang)
        return problem(HTTP_500_INTERNAL_SERVER_ERROR, _("Internal error", lang), detail, "internal",
                       request=request, errors=[{"field": None, "detail": detail}])
    detail = _("Something went wrong on our side; nothing was changed. Try again.")
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
