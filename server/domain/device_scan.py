"""What a scanning device sends, checked alike on every screen that scans: picking, receiving, counting.

A scan carries the device's own identifier (a UUID, so that a queue replayed twice counts once), the
code as scanned, and the moment on the device (offline scans keep theirs, but a clock running ahead
is not believed: the server's now is the latest a scan can be).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from server.domain.catalog.barcodes import clean_scan
from server.errors import DomainError, ValidationFailed

UUID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_CODE = 500
MAX_CLOCK_AHEAD = timedelta(minutes=5)


def uuid_problems(client_uuid: object) -> list[DomainError]:
    if not isinstance(client_uuid, str) or not UUID.match(client_uuid):
        return [ValidationFailed("The scan needs an identifier of 8 to 64 Latin letters, digits or dashes",
                                 field="client_uuid")]
    return []


def scan_problems(client_uuid: object, code: object, scanned_at: datetime | None) -> list[DomainError]:
    """Every problem of the identifier, the code and the moment of one scan."""
    problems = uuid_problems(client_uuid)
    text = code if isinstance(code, str) else ""
    if not clean_scan(text):
        problems.append(ValidationFailed("The scan is empty", field="code"))
    if len(text) > MAX_CODE:
        problems.append(ValidationFailed("A scan is at most %(max)s characters long", field="code", max=MAX_CODE))
    if scanned_at is not None and scanned_at.tzinfo is None:
        problems.append(ValidationFailed("The time of a scan must carry its time zone", field="scanned_at"))
    return problems


def raise_problems(problems: list[DomainError]) -> None:
    """Nothing when there are none; the one problem; or all of them in one error."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationFailed("The scan has %(count)s errors", problems=problems, count=len(problems))


def device_moment(at: datetime | None) -> datetime:
    """When the scan happened, in UTC: the device's moment, but never later than now (a clock more than
    MAX_CLOCK_AHEAD ahead is not believed at all)."""
    now = datetime.now(UTC)
    return min(at.astimezone(UTC), now) if at is not None and at - now < MAX_CLOCK_AHEAD else now
