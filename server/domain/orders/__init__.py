"""Orders from every channel: intake (idempotent), the status machine, reservations and shortages."""
