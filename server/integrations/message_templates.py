"""The owner's message templates rendered by Jinja2 in its sandbox: `{{ number }}`, `{% if … %}`,
filters; no attribute tricks, no access to Python internals, ranges capped, no HTML escaping (the
messages are plain text)."""

from __future__ import annotations

from typing import Any

from jinja2 import TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

MAX_SOURCE = 20_000


class SandboxedTextRenderer:
    """TextRenderer for the notification domain. `render` raises ValueError for any failure."""

    def __init__(self) -> None:
        self.env = ImmutableSandboxedEnvironment(autoescape=False, keep_trailing_newline=False,
                                                 trim_blocks=True, lstrip_blocks=True)

    def check(self, source: str) -> str | None:
        if len(source) > MAX_SOURCE:
            return f"longer than {MAX_SOURCE} characters"
        try:
            self.env.parse(source)
        except TemplateSyntaxError as exc:
            return f"line {exc.lineno}: {exc.message}"
        return None

    def render(self, source: str, variables: dict[str, Any]) -> str:
        """The text; ValueError when the template cannot be rendered (a forbidden attribute, a call
        that fails, a syntax error)."""
        try:
            return self.env.from_string(source[:MAX_SOURCE]).render(**variables)
        except SecurityError as exc:
            raise ValueError(f"not allowed: {exc}") from exc
        except Exception as exc:  # whatever the owner's template did wrong at run time
            raise ValueError(f"{type(exc).__name__}: {exc}") from exc
