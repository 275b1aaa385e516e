"""What the warehouse app makes a TSD download: the JS and CSS of its screens, raw and gzipped, against the
manager app's order board measured the same way in the same run.

    .venv/bin/python bench/page_weight.py

The real app (create_app) on a fresh SQLite file in a temporary directory, with a picker and a manager,
a few goods, a pick list, an expected receipt and an inventory count (through the domain). Each screen is rendered as the signed-in user gets it;
every <script src> and <link rel=stylesheet> in it is fetched from the app and gzipped (level 6, as a
reverse proxy would send it). Scripts loaded only on demand are listed apart: camera.js when the camera
is first opened, and zxing-wasm (reader and its .wasm) when the browser has no BarcodeDetector. A service worker keeps all of
it after the first visit. Prints figures only.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSET = re.compile(r'<script[^>]+src="([^"]+)"|<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"')
ON_DEMAND = ("/static/warehouse/camera.js", "/static/common/vendor/zxing-reader.js",
             "/static/common/vendor/zxing_reader.wasm")


def gzipped(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=6))


async def _sign_in(client, username: str, password: str) -> None:
    await client.get("/login")
    answer = await client.post("/login", data={"username": username, "password": password,
                                               "_csrf_token": client.cookies.get("csrftoken") or ""},
                               follow_redirects=False)
    if answer.status_code != 303:
        raise RuntimeError(f"sign-in of {username} failed: {answer.status_code}")


async def _weigh(client, url: str, cache: dict[str, bytes]) -> list[tuple[str, int, int]]:
    page = await client.get(url)
    if page.status_code != 200:
        raise RuntimeError(f"{url}: {page.status_code}")
    rows = []
    for script, style in ASSET.findall(page.text):
        src = (script or style).split("?")[0]
        if src not in cache:
            answer = await client.get(src)
            cache[src] = answer.content if answer.status_code == 200 else b""
        rows.append((src, len(cache[src]), gzipped(cache[src])))
    return rows


async def main() -> int:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from litestar.testing import AsyncTestClient
    from scan import _floor

    from server.app import create_app
    from server.domain.catalog.tables import Variant
    from server.domain.counting.counts import start_count
    from server.domain.stock.documents import create_document
    from server.domain.stock.dto import DocumentInput, LineInput
    from server.domain.stock.tables import Warehouse
    from server.domain.users.accounts import create_user
    from server.migrations import migrate

    logging.getLogger("httpx").setLevel(logging.WARNING)
    await migrate()
    (pick_list, _), _ = await _floor(5, 1)
    warehouse = (await Warehouse.select(Warehouse.id).first())["id"]
    variant = (await Variant.select(Variant.id).first())["id"]
    receipt = await create_document(DocumentInput(kind="receipt", warehouse_id=warehouse, supplier="Замер",
                                                  lines=[LineInput(variant_id=variant, qty=5, price=100)]))
    count = await start_count(warehouse, actor="picker")
    await create_user("picker", "bench-pass", ["picker"])
    await create_user("manager", "bench-pass", ["manager"])
    cache: dict[str, bytes] = {}
    screens = []
    async with AsyncTestClient(app=create_app(), base_url="http://127.0.0.1") as client:
        await _sign_in(client, "picker", "bench-pass")
        for title, url in (("warehouse: orders to pick", "/warehouse/"),
                           ("warehouse: pick list screen", f"/warehouse/pick/{pick_list}"),
                           ("warehouse: receiving screen", f"/warehouse/receiving/{receipt}"),
                           ("warehouse: inventory count screen", f"/warehouse/counts/{count}")):
            screens.append((title, await _weigh(client, url, cache)))
        on_demand = []
        for src in ON_DEMAND:
            answer = await client.get(src)
            on_demand.append((src, len(answer.content), gzipped(answer.content)) if answer.status_code == 200
                             else (src + " (not served)", 0, 0))
    async with AsyncTestClient(app=create_app(), base_url="http://127.0.0.1") as client:
        await _sign_in(client, "manager", "bench-pass")
        baseline = await _weigh(client, "/manager/orders", cache)
    total_base = sum(g for _, _, g in baseline)
    for title, rows in screens:
        print(f"\n{title}")
        for src, raw, gz in rows:
            print(f"  {src:<48} {raw:>8,} B  {gz:>7,} B gzip")
        total = sum(g for _, _, g in rows)
        print(f"  {'total':<48} {sum(r for _, r, _ in rows):>8,} B  {total:>7,} B gzip"
              f"   ({total / total_base:.2f} × the manager's order board)")
    print("\nloaded on demand (the camera; zxing-wasm only without BarcodeDetector)")
    for src, raw, gz in on_demand:
        print(f"  {src:<48} {raw:>8,} B  {gz:>7,} B gzip")
    print(f"\nbaseline, manager: order board: {sum(r for _, r, _ in baseline):,} B, {total_base:,} B gzip "
          f"in {len(baseline)} files")
    return 0


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="kladovka-weight-") as tmp:
        os.environ.update({"DATABASE_URL": f"sqlite:///{Path(tmp) / 'weight.sqlite'}", "KLADOVKA_VAR_DIR": tmp,
                           "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret-not-for-production")})
        os.environ.pop("REDIS_URL", None)
        sys.exit(asyncio.run(main()))
