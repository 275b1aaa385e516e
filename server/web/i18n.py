"""gettext for the UI: Russian first, English available.

Source strings (msgids) are English. Every `server/locale/<lang>/LC_MESSAGES/*.po` file is read at
start-up and merged (one file per area keeps edits apart); there is no compile step. The current
request's language lives in a context variable set by `LocaleMiddleware`.
"""

from __future__ import annotations

import gettext as _gettext
from contextvars import ContextVar
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = {"ru": "Русский", "en": "English"}
DEFAULT_LANGUAGE = "ru"

current_language: ContextVar[str] = ContextVar("current_language", default=DEFAULT_LANGUAGE)


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    merged: Translations | None = None
    for po_file in sorted(folder.glob("*.po")) if folder.exists() else []:
        with po_file.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        buffer = BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        part = Translations(buffer)
        if merged is None:
            merged = part
        else:
            merged.merge(part)
    return merged or _gettext.NullTranslations()


def gettext(message: str, lang: str | None = None) -> str:
    return translations(lang or current_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int, lang: str | None = None) -> str:
    return translations(lang or current_language.get()).ngettext(singular, plural, n)


_ = gettext


def translate_error(message: str, params: dict | None = None, lang: str | None = None) -> str:
    """Translate a DomainError message and fill in its %(name)s parameters."""
    text = gettext(message, lang)
    if params:
        try:
            return text % params
        except (KeyError, ValueError, TypeError):
            return text
    return text


def pick_language(query_lang: str | None, cookie_lang: str | None, user_lang: str | None,
                  default: str = DEFAULT_LANGUAGE) -> str:
    for candidate in (query_lang, cookie_lang, user_lang, default):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE
