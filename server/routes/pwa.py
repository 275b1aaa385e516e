"""What makes each PWA installable and usable offline: /<app>/manifest.webmanifest, /<app>/sw.js and
/<app>/offline. One set of handlers per app in PWA_APPS; a new app adds an entry (plus its icons under
pwa/<app>/static/icons/, its pwa/<app>/static/app.js and its service-worker/src/<app>.js)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from litestar import Response, get
from litestar.response import Template

from server.web.i18n import current_language
from server.web.i18n import gettext as _
from server.web.templating import PWA_DIR

SW_DIR = Path(__file__).resolve().parent.parent.parent / "service-worker" / "src"
PUBLIC = {"public": True}


@dataclass(frozen=True)
class PwaApp:
    code: str  # URL prefix and scope: /<code>/
    name: str  # English msgid; the manifest carries its translation
    short_name: str
    description: str
    cache_version: int = 1  # kladovka-<code>-v<N>: bump to drop every cache of older versions
    theme_color: str = "#1f4e79"
    background_color: str = "#f6f7f9"
    shortcuts: tuple[tuple[str, str], ...] = ()  # (msgid, url)
    extra_precache: tuple[str, ...] = field(default_factory=tuple)

    @property
    def scope(self) -> str:
        return f"/{self.code}/"

    @property
    def icons(self) -> list[dict]:
        base = f"/static/{self.code}/icons"
        return [
            {"src": f"{base}/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": f"{base}/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": f"{base}/icon-maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ]

    @property
    def precache(self) -> list[str]:
        """The versioned app shell: what the worker stores on install."""
        return [
            f"/{self.code}/offline",
            f"/{self.code}/manifest.webmanifest",
            "/static/common/app.css",
            "/static/common/vendor/htmx.min.js",
            "/static/common/pwa.js",
            f"/static/{self.code}/app.js",
            *(icon["src"] for icon in self.icons),
            *self.extra_precache,
        ]


PWA_APPS: dict[str, PwaApp] = {
    "manager": PwaApp(
        code="manager", name="Kladovka — manager", short_name="Kladovka",
        description="Catalog, stock and documents of the shop",
        shortcuts=(("Catalog", "/manager/catalog"), ("Documents", "/manager/documents")),
    ),
    "warehouse": PwaApp(
        code="warehouse", name="Kladovka — warehouse", short_name="Warehouse",
        description="Picking, packing, receiving and counting with a scanner",
        theme_color="#0e5c4a",
        shortcuts=(("Orders to pick", "/warehouse/"), ("Receiving", "/warehouse/receiving"),
                   ("Inventory count", "/warehouse/counts")),
        extra_precache=("/static/warehouse/scanner.js", "/static/warehouse/app.css", "/static/common/live-orders.js",
                        "/static/warehouse/offline-queue.js", "/static/warehouse/gs1.js", "/static/warehouse/pick-check.js",
                        "/static/warehouse/pick-view.js", "/static/warehouse/pick.js", "/static/warehouse/camera.js",
                        "/static/warehouse/receiving.js", "/static/warehouse/count.js"),
    ),
    "courier": PwaApp(
        code="courier", name="Kladovka — courier", short_name="Courier",
        description="Today's route, deliveries and payments at the door",
        theme_color="#7a3e00",
        shortcuts=(("Today's route", "/courier/"),),
        extra_precache=("/static/courier/app.css", "/static/warehouse/offline-queue.js"),
    ),
}


def manifest_of(app: PwaApp) -> dict:
    return {
        "id": app.scope,
        "name": _(app.name),
        "short_name": _(app.short_name),
        "description": _(app.description),
        "lang": current_language.get(),  # the language name and short_name are in
        "dir": "ltr",
        "start_url": f"{app.scope}?source=pwa",
        "scope": app.scope,
        "display": "standalone",
        "orientation": "any",
        "theme_color": app.theme_color,
        "background_color": app.background_color,
        "categories": ["business", "productivity"],
        "icons": app.icons,
        "shortcuts": [{"name": _(label), "url": url} for label, url in app.shortcuts],
    }


def _static_file(url: str) -> Path | None:
    """/static/<app>/<path> → the file on disk (None for routes such as the offline page)."""
    parts = url.split("/", 3)
    if len(parts) == 4 and parts[1] == "static":
        return PWA_DIR / parts[2] / "static" / parts[3]
    return None


def service_worker_source(app: PwaApp) -> str:
    core = (SW_DIR / "core.js").read_text(encoding="utf-8")
    recipes = (SW_DIR / f"{app.code}.js").read_text(encoding="utf-8")
    digest = hashlib.sha256(core.encode() + recipes.encode())
    digest.update(json.dumps(manifest_of(app), sort_keys=True).encode())
    for path in [_static_file(u) for u in app.precache] + [PWA_DIR / "common" / "templates" / "offline.html"]:
        if path is not None and path.is_file():
            digest.update(path.read_bytes())
    config = {"app": app.code, "version": app.cache_version, "build": digest.hexdigest()[:16],
              "scope": app.scope, "offline": f"/{app.code}/offline", "precache": app.precache}
    return f"self.KLADOVKA_SW = {json.dumps(config, ensure_ascii=False)};\n\n{core}\n{recipes}"


def _handlers_for(app: PwaApp) -> list:
    @get(f"/{app.code}/manifest.webmanifest", name=f"{app.code}-manifest", opt=PUBLIC, include_in_schema=False)
    async def manifest() -> Response:
        body = json.dumps(manifest_of(app), ensure_ascii=False, indent=1)
        return Response(body.encode("utf-8"), media_type="application/manifest+json",
                        headers={"Cache-Control": "no-cache"})

    @get(f"/{app.code}/sw.js", name=f"{app.code}-sw", opt=PUBLIC, include_in_schema=False)
    async def service_worker() -> Response:
        return Response(service_worker_source(app).encode("utf-8"), media_type="text/javascript",
                        headers={"Service-Worker-Allowed": app.scope, "Cache-Control": "no-cache"})

    @get(f"/{app.code}/offline", name=f"{app.code}-offline", opt=PUBLIC, include_in_schema=False)
    async def offline() -> Template:
        return Template("common/offline.html", context={"app": app, "home": app.scope})

    return [manifest, service_worker, offline]


def pwa_handlers() -> list:
    return [handler for app in PWA_APPS.values() for handler in _handlers_for(app)]
