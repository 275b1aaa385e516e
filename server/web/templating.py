"""The Jinja2 environment: one prefix per app (`common/`, `manager/`, `warehouse/`, `courier/`),
gettext bound to the request's language, and a few formatting helpers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, PrefixLoader, select_autoescape

from server.config import get_settings
from server.web import i18n

PWA_DIR = Path(__file__).resolve().parent.parent.parent / "pwa"
APPS = ("common", "manager", "warehouse", "courier")


def money(kopecks: int | None) -> str:
    """12345 → "123,45 ₽" (Russian) / "123.45 ₽"."""
    if kopecks is None:
        return "—"
    value = (Decimal(int(kopecks)) / 100).quantize(Decimal("0.01"))
    text = f"{value:,.2f}".replace(",", "\u202f")
    if i18n.current_language.get() == "ru":
        text = text.replace(".", ",")
    return f"{text}\u00a0₽"


def local_time(value: datetime | None, fmt: str = "%d.%m.%Y %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(get_settings().timezone)).strftime(fmt)


def make_environment() -> Environment:
    loader = PrefixLoader({app: FileSystemLoader(str(PWA_DIR / app / "templates")) for app in APPS})
    env = Environment(loader=loader, autoescape=select_autoescape(["html", "xml", "svg"]),
                      extensions=["jinja2.ext.i18n"], enable_async=False)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda s: i18n.gettext(s), lambda s, p, n: i18n.ngettext(s, p, n), newstyle=True
    )
    env.filters["money"] = money
    env.filters["local_time"] = local_time
    env.globals["LANGUAGES"] = i18n.LANGUAGES
    env.globals["current_language"] = lambda: i18n.current_language.get()
    return env
