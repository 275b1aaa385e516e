"""The one place for how Chromium is launched and how a browser context looks in the browser tests."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")  # Debian's; never `playwright install`
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage"]
LAUNCH_ARGS = {"executable_path": CHROMIUM, "headless": True, "args": FLAGS}
# A manager's tablet, in Russian; service workers on (the default, said out loud).
CONTEXT_ARGS = {"viewport": {"width": 768, "height": 1024}, "locale": "ru-RU", "service_workers": "allow"}
DEFAULT_TIMEOUT_MS = 10_000
