"""The demo coffee-and-tea shop (`kladovka demo`)."""

from server.demo.loader import DemoRefused, load_demo

__all__ = ["DemoRefused", "load_demo"]
