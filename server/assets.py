"""`kladovka assets`: front-end libraries from the npm registry (package.json + lock file), copied
into pwa/common/static/vendor/ (ignored by git). Idempotent: does nothing when already in place."""

from __future__ import annotations

import hashlib
import shutil
import subprocess

from server.config import PROJECT_ROOT

VENDOR_DIR = PROJECT_ROOT / "pwa" / "common" / "static" / "vendor"
# source inside node_modules → name under /static/common/vendor/
VENDOR_FILES: dict[str, str] = {
    "htmx.org/dist/htmx.min.js": "htmx.min.js",
    # camera scanning where the browser has no BarcodeDetector (loaded only when the camera is opened)
    "zxing-wasm/dist/iife/reader/index.js": "zxing-reader.js",
    "zxing-wasm/dist/reader/zxing_reader.wasm": "zxing_reader.wasm",
    # maps of the manager's delivery screens (zones, routes) and the courier's route
    "leaflet/dist/leaflet.js": "leaflet.js",
    "leaflet/dist/leaflet.css": "leaflet.css",
    # drawing and editing zone polygons on the map
    "@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js": "leaflet-geoman.min.js",
    "@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css": "leaflet-geoman.css",
}


class AssetsError(Exception):
    pass


def _lock_digest() -> str:
    lock = PROJECT_ROOT / "package-lock.json"
    if not lock.exists():
        raise AssetsError("package-lock.json is missing; run from the project folder")
    return hashlib.sha256(lock.read_bytes()).hexdigest()


def install_assets(force: bool = False) -> int:
    digest = _lock_digest()
    marker = VENDOR_DIR / ".lock-sha256"
    targets = [VENDOR_DIR / name for name in VENDOR_FILES.values()]
    if not force and marker.exists() and marker.read_text() == digest and all(t.exists() for t in targets):
        return len(targets)
    node_modules = PROJECT_ROOT / "node_modules"
    installed_marker = node_modules / ".package-lock.json"
    if force or not installed_marker.exists() or any(not (node_modules / s).exists() for s in VENDOR_FILES):
        npm = shutil.which("npm")
        if npm is None:
            raise AssetsError("npm is not installed; install Node.js (Debian: apt-get install nodejs npm)")
        result = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PROJECT_ROOT,
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise AssetsError(f"npm ci failed:\n{result.stderr.strip() or result.stdout.strip()}")
    VENDOR_DIR.mkdir(parents=True, exist_ok=True)
    for source, name in VENDOR_FILES.items():
        path = node_modules / source
        if not path.exists():
            raise AssetsError(f"{source} is not in node_modules; check package.json")
        shutil.copyfile(path, VENDOR_DIR / name)
    marker.write_text(digest)
    return len(targets)
