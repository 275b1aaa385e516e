"""Domain errors. Messages are English gettext msgids with %(name)s placeholders; the web layer
translates them (Russian by default) and renders a form error or an RFC 9457 problem document."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the shop was broken; nothing was changed."""

    status_code = 400
    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None, problems: list[DomainError] | None = None,
                 **params: Any) -> None:
        self.message = message
        self.field = field
        self.params = params
        self.problems = problems or []
        super().__init__(message % params if params else message)


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class ValidationFailed(DomainError):
    status_code = 422
    code = "validation_failed"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class InsufficientStock(Conflict):
    code = "insufficient_stock"


class PermissionDenied(DomainError):
    status_code = 403
    code = "forbidden"
