"""The app as browser tests serve it, planning with the morning clock of tests/planning_clock.py."""

from server.asgi import app
from tests.planning_clock import install

install()

__all__ = ["app"]
