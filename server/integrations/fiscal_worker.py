"""The outbox handler that takes 54-FZ receipts to ATOL Online and follows them to the end.

Topic "fiscal.receipt", payload {"receipt_id", "poll_at"?}. One step per event, by the receipt's state:
- queued → check the body, send it (sell / sell_refund); accepted → wait, next look scheduled;
  unavailable (timeout, 5xx, no connection, getToken refused, not configured) → stays queued with
  last_error, the next try scheduled with back-off (10 s · 2^n up to an hour, for ever: never lost);
  refused → fail (the manager sees it and may send it again under a new external_id).
- wait → ask for the report: done (fiscal numbers written) | fail | still wait → next poll scheduled
  (5 s · 2^n up to 10 minutes). A callback from the provider schedules a poll at once.
- done / fail / error → nothing (a replayed or late event changes nothing).

Scheduling is durable: the next step is a new outbox row with a later `available_at`, written in the
transaction that records this step's outcome (a worker that dies loses nothing). Each receipt's
`next_poll_at` names the one scheduled step that is current; an older chain's event finds it changed
and stops (a manual retry or a callback does not double the polling).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from server.config import fiscal_settings
from server.db import write_tx
from server.domain.outbox.tables import OutboxEvent
from server.domain.payments import fiscal
from server.domain.payments.receipts import TOPIC, apply_report
from server.domain.payments.tables import Receipt
from server.integrations.fiscal_atol import AtolClient, AtolConfig, AtolError, AtolRefused

log = logging.getLogger("kladovka.fiscal")
FINAL = ("done", "fail", "error")
NOT_CONFIGURED = "the online cash register is not configured (KLADOVKA_ATOL_URL, _LOGIN, _PASSWORD, _GROUP)"

_client: AtolClient | None = None
_configured = False


def set_client(client: AtolClient | None) -> None:
    """Installs the client (tests: one pointed at the loopback server); None: back to the settings."""
    global _client, _configured
    _client, _configured = client, client is not None


def client() -> AtolClient | None:
    global _client, _configured
    if not _configured:
        s = fiscal_settings()
        _client = AtolClient(AtolConfig(s.atol_url, s.atol_login, s.atol_password, s.atol_group)) if (
            s.atol_url and s.atol_group) else None
        _configured = True
    return _client


def send_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(10 * 2 ** max(attempts - 1, 0), 3600))


def poll_delay(polls: int) -> timedelta:
    return timedelta(seconds=min(5 * 2 ** max(polls, 0), 600))


def _now() -> datetime:
    return datetime.now(UTC)


async def schedule(receipt_id: int, delay: timedelta) -> datetime:
    """Inside a transaction: the receipt's next step as a later outbox event (the only current one)."""
    at = _now() + delay
    await Receipt.update({Receipt.next_poll_at: at}).where(Receipt.id == receipt_id)
    await OutboxEvent.insert(OutboxEvent(event_id=uuid.uuid4(), topic=TOPIC, available_at=at,
                                         payload={"receipt_id": receipt_id, "poll_at": at.isoformat()}))
    return at


def _stale(row: dict, payload: dict) -> bool:
    """A scheduled step that a later schedule replaced."""
    poll_at = payload.get("poll_at")
    if not poll_at or row["next_poll_at"] is None:
        return False
    current = row["next_poll_at"]
    current = current if current.tzinfo else current.replace(tzinfo=UTC)
    return abs((datetime.fromisoformat(poll_at) - current).total_seconds()) > 0.001


async def _note(receipt_id: int, values: dict, delay: timedelta | None) -> None:
    async with write_tx():
        await Receipt.update({**values, Receipt.updated_at: _now()}).where(Receipt.id == receipt_id)
        if delay is not None:
            await schedule(receipt_id, delay)


async def process_receipt(receipt_id: int, payload: dict[str, Any] | None = None) -> str:
    """One step for the receipt (see the module's doc); returns its state afterwards."""
    row = await Receipt.select().where(Receipt.id == receipt_id).first().output(load_json=True)
    if row is None or row["status"] in FINAL or _stale(row, payload or {}):
        return row["status"] if row else "missing"
    atol = client()
    attempts = row["attempts"] + 1
    if atol is None:
        await _note(receipt_id, {Receipt.last_error: NOT_CONFIGURED}, timedelta(hours=1))
        return row["status"]
    if row["status"] == "queued":
        problems = fiscal.check_body(row["request"])
        if problems:
            await _note(receipt_id, {Receipt.status: "error", Receipt.last_error: "; ".join(problems)[:2000]}, None)
            return "error"
        try:
            answer = await atol.register(row["operation"], row["request"])
        except AtolRefused as exc:
            await _note(receipt_id, {Receipt.status: "fail", Receipt.attempts: attempts, Receipt.report: exc.report,
                                     Receipt.last_error: f"refused: {exc}"[:2000]}, None)
            return "fail"
        except AtolError as exc:
            log.warning("receipt %s: not sent (%s), trying again later", row["external_id"], exc)
            await _note(receipt_id, {Receipt.attempts: attempts, Receipt.last_error: str(exc)[:2000]},
                        send_delay(attempts))
            return "queued"
        await _note(receipt_id, {Receipt.status: "wait", Receipt.provider_uuid: answer["uuid"],
                                 Receipt.attempts: attempts, Receipt.last_error: ""}, poll_delay(0))
        return "wait"
    try:
        report = await atol.report(row["provider_uuid"])
    except AtolError as exc:
        await _note(receipt_id, {Receipt.attempts: attempts, Receipt.last_error: f"report: {exc}"[:2000]},
                    poll_delay(attempts))
        return "wait"
    status = await apply_report(receipt_id, report, source="report")
    await _note(receipt_id, {Receipt.attempts: attempts}, poll_delay(attempts) if status == "wait" else None)
    return status


async def handle_receipt_event(event) -> None:
    await process_receipt(int(event.payload["receipt_id"]), event.payload)


async def accept_callback(report: dict[str, Any]) -> bool:
    """ATOL posted a report: when its uuid and external_id name one of our receipts, a poll is scheduled
    at once (the report is then read from the provider's API, not taken from the POST on trust).
    False when it names none. Idempotent: a done receipt ignores it."""
    provider_uuid, external_id = str(report.get("uuid") or ""), str(report.get("external_id") or "")
    if not provider_uuid or not external_id:
        return False
    async with write_tx():
        row = await Receipt.select(Receipt.id, Receipt.status).where(
            (Receipt.provider_uuid == provider_uuid) & (Receipt.external_id == external_id)).first()
        if row is None:
            return False
        if row["status"] == "wait":
            await schedule(row["id"], timedelta(0))
    return True


async def handle_order_returned(event) -> None:
    """An order that came back after it was paid gets its sell_refund receipts (order.status_changed with
    to = returned; refund_order_payments is idempotent, so a re-run of the topic's handlers adds nothing)."""
    from server.domain.payments.receipts import refund_order_payments

    if event.payload.get("to") == "returned" and event.payload.get("order_id"):
        await refund_order_payments(int(event.payload["order_id"]), actor="system:returned")


def register_handlers() -> None:
    from server.domain.outbox.worker import register

    register(TOPIC, handle_receipt_event)
    register("order.status_changed", handle_order_returned)
