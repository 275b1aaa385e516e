"""Owner screens: users, API tokens, audit log."""

from __future__ import annotations


def admin_controllers() -> list:
    return []
