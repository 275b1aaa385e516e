"""What a customer typed, in the one form the de-duplication compares: e-mail in lower case, a
Russian phone as +7XXXXXXXXXX (8…, +7…, 7…, with spaces, brackets, dashes or dots), an INN checked
by its check digits. Pure functions; every problem is reported at once with its field."""

from __future__ import annotations

import re
from dataclasses import dataclass

from server.domain.orders.dto import CustomerInput
from server.errors import DomainError, ValidationFailed

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-]+$")
_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
NAME_LIMIT = 300
EMAIL_LIMIT = 254


@dataclass(frozen=True)
class CleanCustomer:
    name: str
    email: str
    phone: str
    inn: str
    company: str

    @property
    def identified(self) -> bool:
        """A card can be found again only by e-mail, phone or INN."""
        return bool(self.email or self.phone or self.inn)

    @property
    def empty(self) -> bool:
        return not (self.identified or self.name or self.company)


def normalise_email(raw: str) -> str:
    """"" for nothing; else the address in lower case, or ValidationFailed."""
    email = (raw or "").strip().lower()
    if not email:
        return ""
    if len(email) > EMAIL_LIMIT or not _EMAIL.match(email):
        raise ValidationFailed("%(email)s is not an e-mail address", field="customer.email", email=email[:60])
    return email


def normalise_phone(raw: str) -> str:
    """"" for nothing; a Russian number (11 digits starting with 7 or 8, or 10 digits) as +7XXXXXXXXXX;
    an international number written with + as +<8 to 15 digits>; anything else is refused."""
    text = (raw or "").strip()
    if not text:
        return ""
    digits = re.sub(r"\D", "", text)
    if _PHONE_CHARS.match(text):
        if text.startswith("+") and 8 <= len(digits) <= 15:
            return "+" + digits
        if not text.startswith("+") and len(digits) == 11 and digits[0] in "78":
            return "+7" + digits[1:]
        if not text.startswith("+") and len(digits) == 10:
            return "+7" + digits
    raise ValidationFailed("%(phone)s is not a phone number; write it like +7 916 123-45-67", field="customer.phone",
                           phone=text[:40])


def _check_digit(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10)


def inn_is_valid(inn: str) -> bool:
    if not (inn.isascii() and inn.isdigit()):
        return False
    if len(inn) == 10:
        return inn[9] == _check_digit(inn, _INN10)
    if len(inn) == 12:
        return inn[10] == _check_digit(inn, _INN11) and inn[11] == _check_digit(inn, _INN12)
    return False


def normalise_inn(raw: str) -> str:
    inn = re.sub(r"\s", "", raw or "")
    if not inn:
        return ""
    if not inn_is_valid(inn):
        raise ValidationFailed("INN %(inn)s is not valid: 10 or 12 digits with correct check digits",
                               field="customer.inn", inn=inn[:20])
    return inn


def clean_customer(data: CustomerInput) -> tuple[CleanCustomer | None, list[DomainError]]:
    """The normalised customer, or None and every problem found."""
    problems: list[DomainError] = []
    values: dict[str, str] = {}
    for key, func in (("email", normalise_email), ("phone", normalise_phone), ("inn", normalise_inn)):
        try:
            values[key] = func(getattr(data, key) or "")
        except ValidationFailed as exc:
            problems.append(exc)
    name = " ".join((data.name or "").split())
    company = " ".join((data.company or "").split())
    if len(name) > NAME_LIMIT:
        problems.append(ValidationFailed("The customer's name must be at most 300 characters long",
                                         field="customer.name"))
    if len(company) > NAME_LIMIT:
        problems.append(ValidationFailed("The company name must be at most 300 characters long",
                                         field="customer.company"))
    if problems:
        return None, problems
    return CleanCustomer(name=name, company=company, **values), []


def search_text(*parts: str) -> str:
    """What searches match against: casefolded, ё as е (as the catalog's search_text)."""
    return " ".join(p.casefold().replace("ё", "е") for p in parts if p)[:1000]


def like_words(query: str, limit: int = 8) -> list[str]:
    """The words of a search, casefolded, escaped for LIKE … ESCAPE '\\'."""
    words = (query or "").casefold().replace("ё", "е").split()[:limit]
    return [w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for w in words]
