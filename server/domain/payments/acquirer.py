"""Where SBP payment links come from: an acquiring bank's API behind a small interface.

`TestAcquirer` — the default and a TEST DOUBLE: it takes no money. It issues an NSPK-like link
(`https://qr.nspk.ru/<32 chars>?type=02&bank=…&sum=<kopecks>&cur=RUB&crc=<4 hex>`, formats.md §9 — a real
QR id is issued by the bank) and reports a payment paid when someone marks it so (`mark_paid`, the
manager's test button on the receipts screen) or, with KLADOVKA_SBP_TEST_AUTOPAY=N (N ≥ 1), on its N-th status
check. Its memory is the server process's: a restart forgets the marks (payments stay pending; check again
after marking). A real bank's adapter implements `Acquirer` and is installed with `set_acquirer()`.
"""

from __future__ import annotations

import binascii
import os
import uuid
from dataclasses import dataclass
from typing import Protocol

SBP_STATUSES = ("pending", "paid", "expired")


@dataclass(frozen=True)
class SbpLink:
    ref: str  # the acquirer's payment id
    url: str  # what the QR code encodes


class Acquirer(Protocol):
    name: str

    async def create(self, *, amount: int, order_number: str, idempotency_key: str) -> SbpLink: ...

    async def status(self, ref: str) -> str: ...  # SBP_STATUSES


class TestAcquirer:
    """A test double of an acquiring bank (see the module's doc)."""

    __test__ = False  # not a pytest test class
    name = "test"
    is_test_double = True
    bank = "100000000000"

    def __init__(self, autopay_after: int | None = None) -> None:
        if autopay_after is None:
            raw = (os.environ.get("KLADOVKA_SBP_TEST_AUTOPAY") or "").strip()
            autopay_after = int(raw) if raw.isdigit() else 0
        self.autopay_after = autopay_after
        self._paid: set[str] = set()
        self._checks: dict[str, int] = {}
        self._by_key: dict[str, SbpLink] = {}

    async def create(self, *, amount: int, order_number: str, idempotency_key: str) -> SbpLink:
        if idempotency_key in self._by_key:
            return self._by_key[idempotency_key]
        ref = uuid.uuid5(uuid.NAMESPACE_URL, f"kladovka-sbp:{idempotency_key}").hex.upper()  # 32 chars
        head = f"https://qr.nspk.ru/{ref}?type=02&bank={self.bank}&sum={amount}&cur=RUB"
        crc = binascii.crc_hqx(head.encode("ascii"), 0xFFFF)
        link = SbpLink(ref=ref, url=f"{head}&crc={crc:04X}")
        self._by_key[idempotency_key] = link
        return link

    async def status(self, ref: str) -> str:
        self._checks[ref] = self._checks.get(ref, 0) + 1
        if ref in self._paid or (self.autopay_after and self._checks[ref] >= self.autopay_after):
            return "paid"
        return "pending"

    def mark_paid(self, ref: str) -> None:
        self._paid.add(ref)

    async def cancel(self, ref: str) -> None:
        """Voids a QR (a real bank's dynamic QR can be deactivated); the double just forgets its mark."""
        self._paid.discard(ref)


_current: Acquirer | None = None


def acquirer() -> Acquirer:
    global _current
    if _current is None:
        _current = TestAcquirer()
    return _current


def set_acquirer(value: Acquirer | None) -> None:
    """Installs a bank's adapter (None: back to a fresh TestAcquirer on next use)."""
    global _current
    _current = value
