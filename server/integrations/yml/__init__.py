"""Yandex Market Language (YML) feeds: the catalog with prices and availability for one channel."""
