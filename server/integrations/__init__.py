"""Adapters at the edge: they speak to the outside world (SMTP servers, SMS gateways, web push
services, sites and 1C, webhooks, feeds). The domain never imports them; they are wired in at start-up
(for notifications: server/outbox_runner.py registers them with server.domain.notify.providers)."""
