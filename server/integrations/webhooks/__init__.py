"""Signed order webhooks from shop platforms (WooCommerce, Shopify): signature checks on the raw
body, the platforms' order JSON mapped to an OrderIntake, and the whole reception (receive.py)."""
