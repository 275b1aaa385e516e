"""A second Kladovka for the loopback test of the exchange: its own SQLite database, served by uvicorn
in a subprocess, playing the site towards which the test's Kladovka plays 1C.

`python -m tests.integrations.exchange_peer setup` (with DATABASE_URL pointing at the peer's file)
migrates the peer, opens its warehouse MAIN and its channel "acc" (kind commerceml_1c) and prints an
API token (the last line) for placing orders there through the REST API."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from tests.harness import free_port, healthy

ROOT = Path(__file__).resolve().parents[2]
LOGIN, SECRET = "kladovka", "peer-secret"


async def _setup() -> str:
    from server.domain.channels.channels import create_channel
    from server.domain.stock.warehouses import create_warehouse
    from server.domain.users.tokens import create_token
    from server.migrations import migrate

    await migrate()
    await create_warehouse("MAIN", "Склад сайта")
    await create_channel("acc", "Учёт (Кладовка)", "commerceml_1c", secret=SECRET,
                         settings={"login": LOGIN, "order_channels": ["api"], "import_wait": 5})
    created = await create_token("site-orders", roles=["manager"])
    return created.token


@contextmanager
def peer(tmp: Path):
    """(url, database file, API token) of a fresh peer Kladovka, stopped afterwards."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    database = tmp / "peer.sqlite"
    env.update(DATABASE_URL=f"sqlite:///{database}", KLADOVKA_VAR_DIR=str(tmp), KLADOVKA_WORKER="off",
               KLADOVKA_DB_POOL="0")
    setup = subprocess.run([sys.executable, "-m", "tests.integrations.exchange_peer", "setup"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    if setup.returncode != 0:
        raise RuntimeError(f"the peer could not be set up:\n{setup.stderr[-3000:]}")
    token = setup.stdout.strip().splitlines()[-1]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(tmp / "peer.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen([sys.executable, "-m", "uvicorn", "server.asgi:app", "--host", "127.0.0.1", "--port",
                                str(port), "--log-level", "warning"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the peer did not start: {(tmp / 'peer.log').read_text(errors='replace')[-3000:]}")
            time.sleep(0.1)
        yield url, database, token
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


if __name__ == "__main__":
    if sys.argv[1:] == ["setup"]:
        print(asyncio.run(_setup()))
