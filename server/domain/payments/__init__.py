"""Payments at the door (cash, card terminal, SBP), the 54-FZ receipt queued for each one, and the
cashier's end-of-shift cash handover."""
