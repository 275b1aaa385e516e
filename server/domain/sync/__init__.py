"""Outgoing sync: the change log every export reads, per-channel cursors, and the offers it builds."""
