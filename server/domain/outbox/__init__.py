"""The durable outbox: events written in the same transaction as the change that caused them,
delivered later by the worker (at least once, retried with backoff, de-duplicated by event id)."""
