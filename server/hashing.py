"""Small helpers shared by the domain and the web layer that import nothing of either."""

from __future__ import annotations

import hashlib


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
