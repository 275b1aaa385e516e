"""Settings from the environment. Read once per process; see README's configuration table."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlparse

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """A setting that a person must fix; the message says how."""


@dataclass(frozen=True)
class DatabaseSettings:
    kind: str  # "sqlite" | "postgres"
    path: str = ""  # sqlite file
    host: str = ""
    port: int = 5432
    user: str = ""
    password: str = ""
    database: str = ""

    @property
    def is_sqlite(self) -> bool:
        return self.kind == "sqlite"


@dataclass(frozen=True)
class Settings:
    var_dir: Path
    database_url: str
    database: DatabaseSettings
    redis_url: str | None
    secret_key: str
    timezone: str
    default_locale: str
    ci: bool
    db_pool_size: int = 10


def var_dir() -> Path:
    path = Path(os.environ.get("KLADOVKA_VAR_DIR") or PROJECT_ROOT / "var")
    path.mkdir(parents=True, exist_ok=True)
    return path


def parse_database_url(url: str) -> DatabaseSettings:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # sqlite:///absolute/path.sqlite → path "/absolute/path.sqlite"
        path = unquote(parsed.path)
        if parsed.netloc:
            raise ConfigError(f"DATABASE_URL: use sqlite:///absolute/path.sqlite, not {url!r}")
        if not path:
            raise ConfigError("DATABASE_URL: the SQLite URL has no file path")
        return DatabaseSettings(kind="sqlite", path=path)
    if parsed.scheme in ("postgres", "postgresql", "postgresql+asyncpg"):
        return DatabaseSettings(
            kind="postgres",
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 5432,
            user=unquote(parsed.username or "postgres"),
            password=unquote(parsed.password or ""),
            database=(parsed.path or "/").lstrip("/") or "postgres",
        )
    raise ConfigError(
        f"DATABASE_URL must start with sqlite:/// or postgresql://, got {parsed.scheme or url!r}"
    )


def _secret_key(directory: Path) -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = directory / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    directory = var_dir()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{directory / 'kladovka.sqlite'}"
    return Settings(
        var_dir=directory,
        database_url=url,
        database=parse_database_url(url),
        redis_url=os.environ.get("REDIS_URL") or None,
        secret_key=_secret_key(directory),
        timezone=os.environ.get("KLADOVKA_TIMEZONE", "Europe/Moscow"),
        default_locale=os.environ.get("KLADOVKA_LOCALE", "ru"),
        ci=os.environ.get("CI", "").lower() in ("1", "true", "yes"),
        db_pool_size=_whole_number("KLADOVKA_DB_POOL", 10),
    )


def _whole_number(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ConfigError(f"{name} must be a whole number (0 or more), got {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class FiscalSettings:
    """The online-cash provider (ATOL Online v5) and the seller on the 54-FZ receipts (server/domain/payments).
    An empty `atol_url` means not configured: receipts wait in the queue (visible to the manager)."""

    atol_url: str  # e.g. https://testonline.atol.ru/possystem/v5/
    atol_login: str
    atol_password: str
    atol_group: str
    company_inn: str
    company_sno: str  # osn | usn_income | usn_income_outcome | esn | patent
    company_email: str
    payment_address: str  # the site's URL (settlement place)
    delivery_vat: str  # VAT of the delivery line: 22 | 20 | 10 | 7 | 5 | 0 | none
    callback_url: str  # where ATOL posts reports; empty: polling only
    # who makes the 54-FZ receipts of money paid online on the site: "kladovka" (the offset receipt at delivery)
    # or "site" (the site's payment provider issues the advance and the offset receipts itself: we make none)
    online_receipts: str = "kladovka"


@lru_cache(maxsize=1)
def fiscal_settings() -> FiscalSettings:
    env = os.environ.get
    base = (env("BASE_URL") or "").strip().rstrip("/")
    return FiscalSettings(
        atol_url=(env("KLADOVKA_ATOL_URL") or "").strip(),
        atol_login=(env("KLADOVKA_ATOL_LOGIN") or "").strip(),
        atol_password=env("KLADOVKA_ATOL_PASSWORD") or "",
        atol_group=(env("KLADOVKA_ATOL_GROUP") or "").strip(),
        company_inn=(env("KLADOVKA_COMPANY_INN") or "7704000000").strip(),  # fictitious, valid check digit
        company_sno=(env("KLADOVKA_COMPANY_SNO") or "usn_income").strip(),
        company_email=(env("KLADOVKA_COMPANY_EMAIL") or "shop@example.org").strip(),
        payment_address=(env("KLADOVKA_PAYMENT_ADDRESS") or base or "https://shop.example.org").strip(),
        delivery_vat=(env("KLADOVKA_DELIVERY_VAT") or "none").strip(),
        callback_url=(env("KLADOVKA_ATOL_CALLBACK_URL") or (f"{base}/fiscal/atol/callback" if base else "")).strip(),
        online_receipts=_online_receipts(env("KLADOVKA_ONLINE_RECEIPTS")),
    )


ONLINE_RECEIPTS = ("kladovka", "site")


def _online_receipts(raw: str | None) -> str:
    value = (raw or "kladovka").strip().lower()
    if value not in ONLINE_RECEIPTS:
        raise ConfigError(f"KLADOVKA_ONLINE_RECEIPTS must be one of {', '.join(ONLINE_RECEIPTS)}, got {raw!r}")
    return value
