"""Customer notifications: templates per order status and channel (e-mail, SMS, web push), the
handler of "order.status_changed" outbox events, the delivery log and the push subscriptions.

The domain talks to the outside world only through the providers registered in providers.py
(server/outbox_runner.py wires the adapters of server/integrations at start-up)."""
