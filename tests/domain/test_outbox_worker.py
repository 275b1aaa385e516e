"""The outbox worker: delivery, backoff, giving up, a person's retry, leases, concurrent workers, and an
event of a rolled-back transaction (never delivered)."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from server.db import engine, write_tx
from server.domain.audit.log import history
from server.domain.outbox.events import emit
from server.domain.outbox.manage import counts, purge_delivered
from server.domain.outbox.tables import OutboxEvent
from server.domain.outbox.worker import RetryPolicy, Worker, register, retry, unregister, wake
from server.errors import Conflict, NotFound

TOPIC = "test.outbox"


@pytest.fixture
def calls():
    """Registers a handler for TOPIC that records its events; `calls.fail` makes it raise."""

    class Recorder(list):
        fail: Exception | None = None

        async def __call__(self, event):
            self.append(event)
            if self.fail is not None:
                raise self.fail

    recorder = Recorder()
    register(TOPIC, recorder)
    yield recorder
    unregister(TOPIC)


async def _emit(n: int = 1, topic: str = TOPIC) -> list[uuid.UUID]:
    async with write_tx():
        return [await emit(topic, {"n": i, "text": "Заказ № 7"}) for i in range(n)]


async def _row(event_id: uuid.UUID) -> dict:
    return await OutboxEvent.select().where(OutboxEvent.event_id == event_id).first()


async def _make_due(event_id: uuid.UUID) -> None:
    await OutboxEvent.update({OutboxEvent.available_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        OutboxEvent.event_id == event_id)


async def test_an_event_reaches_its_handler_once_and_is_marked_done(calls):
    [eid] = await _emit()
    batch = await Worker().run_once()
    assert (batch.claimed, batch.done) == (1, 1)
    assert [(e.event_id, e.payload, e.attempts) for e in calls] == [(eid, {"n": 0, "text": "Заказ № 7"}, 1)]
    row = await _row(eid)
    assert (row["status"], row["attempts"], row["locked_by"], row["last_error"]) == ("done", 1, "", "")
    assert row["processed_at"] is not None
    assert (await Worker().run_once()).claimed == 0  # nothing is delivered twice
    assert len(calls) == 1


def test_the_backoff_doubles_from_ten_seconds_up_to_the_cap():
    policy = RetryPolicy()
    assert [policy.delay(n).total_seconds() for n in range(1, 9)] == [10, 20, 40, 80, 160, 320, 640, 1280]
    assert policy.delay(20) == timedelta(hours=1)


async def test_a_failing_handler_is_retried_with_backoff_and_fails_for_good_after_max_attempts(calls):
    worker = Worker(RetryPolicy(max_attempts=4, base_delay=10, max_delay=25))
    [eid] = await _emit()
    calls.fail = ConnectionError("SMTP server not reachable")
    for attempt, delay in ((1, 10), (2, 20), (3, 25)):
        before = datetime.now(UTC)
        batch = await worker.run_once()
        after = datetime.now(UTC)
        assert (batch.claimed, batch.retried) == (1, 1)
        row = await _row(eid)
        assert (row["status"], row["attempts"]) == ("pending", attempt)
        assert "ConnectionError: SMTP server not reachable" == row["last_error"]
        assert before + timedelta(seconds=delay) <= row["available_at"] <= after + timedelta(seconds=delay)
        assert (await worker.run_once()).claimed == 0  # not due yet
        await _make_due(eid)
    batch = await worker.run_once()
    assert (batch.claimed, batch.failed) == (1, 1)
    row = await _row(eid)
    assert (row["status"], row["attempts"]) == ("failed", 4)
    assert row["last_error"] == "ConnectionError: SMTP server not reachable"
    await _make_due(eid)
    assert (await worker.run_once()).claimed == 0  # a failed event waits for a person
    assert len(calls) == 4


async def test_a_person_sends_a_failed_event_again(calls):
    worker = Worker(RetryPolicy(max_attempts=1))
    [eid] = await _emit()
    calls.fail = RuntimeError("gateway down")
    await worker.run_once()
    assert (await _row(eid))["status"] == "failed"
    answer = await retry(str(eid), actor="owner")
    assert answer["status"] == "pending"
    row = await _row(eid)
    assert (row["status"], row["attempts"]) == ("pending", 0)
    calls.fail = None
    assert (await worker.run_once()).done == 1
    assert (await _row(eid))["status"] == "done"
    [entry] = await history("outbox_event", str(eid))
    assert (entry["actor"], entry["action"]) == ("owner", "retry")
    with pytest.raises(Conflict):
        await retry(eid, actor="owner")  # delivered already
    with pytest.raises(NotFound):
        await retry(uuid.uuid4(), actor="owner")
    with pytest.raises(NotFound):
        await retry("not-a-uuid", actor="owner")


async def test_an_event_of_a_rolled_back_transaction_is_never_delivered(calls):
    with pytest.raises(LookupError):
        async with write_tx():
            await emit(TOPIC, {"order": 1})
            raise LookupError("the order's change failed after the emit")
    assert await OutboxEvent.count() == 0
    assert (await Worker().run_once()).claimed == 0
    assert calls == []
    with pytest.raises(RuntimeError):
        await emit(TOPIC, {"outside": "a transaction"})


async def test_an_event_without_a_handler_waits_instead_of_being_lost(calls):
    [eid] = await _emit(topic="test.nobody_listens")
    assert (await Worker().run_once()).claimed == 0
    assert (await _row(eid))["status"] == "pending"


async def test_a_lease_that_ran_out_passes_the_event_to_another_worker(calls):
    first, second = Worker(name="first"), Worker(name="second")
    [eid] = await _emit()
    [claimed] = await first._claim(10, "first:token")  # first dies mid-delivery, holding the lease
    assert (await _row(eid))["locked_by"] == "first:token"
    assert (await second.run_once()).claimed == 0  # the lease still holds
    await _make_due(eid)  # ... until it runs out
    assert (await second.run_once()).done == 1
    await first._settle(claimed, "first:token", {OutboxEvent.status: "failed"})  # too late: changes nothing
    row = await _row(eid)
    assert (row["status"], row["attempts"]) == ("done", 2)


async def test_concurrent_workers_never_deliver_one_event_twice(calls):
    ids = await _emit(40)

    async def handler(event):
        calls.append(event)
        await asyncio.sleep(0.002)  # let the other workers claim in between

    unregister(TOPIC)
    register(TOPIC, handler)
    workers = [Worker(name=f"w{n}") for n in range(4)]

    async def drain(worker: Worker) -> None:
        while (await worker.run_once(limit=3)).claimed:
            pass

    await asyncio.gather(*(drain(w) for w in workers))
    delivered = Counter(e.event_id for e in calls)
    assert set(delivered) == set(ids)
    assert max(delivered.values()) == 1
    assert await OutboxEvent.count().where(OutboxEvent.status == "done") == 40


@pytest.mark.postgres_only
async def test_postgres_a_worker_skips_rows_another_transaction_holds(calls):
    ids = await _emit(6)
    held = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with engine().transaction():
            await OutboxEvent.raw("SELECT id FROM outbox_event ORDER BY id LIMIT 3 FOR UPDATE")
            held.set()
            await release.wait()

    task = asyncio.create_task(holder())
    await held.wait()
    try:
        batch = await asyncio.wait_for(Worker().run_once(limit=10), timeout=30)
    finally:
        release.set()
        await task
    assert batch.claimed == 3  # the three locked rows were skipped, not waited for
    assert sorted(str(e.event_id) for e in calls) == sorted(str(i) for i in ids[3:])


async def test_run_forever_wakes_on_demand_and_stops(calls):
    stop = asyncio.Event()
    delivered = asyncio.Event()

    async def handler(event):
        delivered.set()

    unregister(TOPIC)
    register(TOPIC, handler)
    task = asyncio.create_task(Worker().run_forever(stop, poll_interval=3600))
    await asyncio.sleep(0)
    await _emit()
    wake()
    await asyncio.wait_for(delivered.wait(), timeout=20)
    stop.set()
    await asyncio.wait_for(task, timeout=20)


async def test_counts_and_the_purge_of_old_delivered_events(calls):
    old, recent, waiting = await _emit(3)
    await _emit(topic="test.nobody_listens")
    await Worker().run_once()
    await _make_due(waiting)
    await OutboxEvent.update({OutboxEvent.status: "pending"}).where(OutboxEvent.event_id == waiting)
    await OutboxEvent.update({OutboxEvent.processed_at: datetime.now(UTC) - timedelta(days=31)}).where(
        OutboxEvent.event_id == old)
    assert await counts([TOPIC]) == {"pending": 1, "done": 2, "failed": 0}
    assert await counts() == {"pending": 2, "done": 2, "failed": 0}
    assert await purge_delivered(timedelta(days=30)) == 1
    assert await _row(old) is None and (await _row(recent))["status"] == "done"


async def test_a_slow_batch_renews_its_leases_and_skips_events_it_lost(calls):
    first_id, second_id = await _emit(2)
    worker = Worker(lease_seconds=0.3, name="slow")

    async def slow(event):
        calls.append(event)
        await asyncio.sleep(0.15)  # past a third of the lease: the batch renews before the next event
        await OutboxEvent.update({OutboxEvent.locked_by: "other:token"}).where(  # meanwhile another
            OutboxEvent.event_id == second_id)  # worker took the second event over after its lease ran out

    unregister(TOPIC)
    register(TOPIC, slow)
    batch = await worker.run_once()
    assert (batch.claimed, batch.done) == (2, 1)
    assert [e.event_id for e in calls] == [first_id]  # the second one is left to its new owner
    assert (await _row(first_id))["status"] == "done"
    assert ((await _row(second_id))["status"], (await _row(second_id))["locked_by"]) == ("pending", "other:token")
