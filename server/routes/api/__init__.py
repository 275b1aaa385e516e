"""JSON API v1 (/api/v1): Bearer tokens, problem details, OpenAPI at /schema."""

from __future__ import annotations


def api_controllers() -> list:
    return []
