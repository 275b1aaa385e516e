"""The delivery tests use the helpers of tests/domain (stock_helpers, order_helpers)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import os  # noqa: E402

os.environ.setdefault("KLADOVKA_ROUTING_WORKERS", "1")  # the solver in one process: 2 cores are shared
