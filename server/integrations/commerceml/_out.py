"""A small incremental XML writer: escapes, indents with tabs, encodes in chunks into a binary stream.
Internal (writer.py uses it). Characters the target encoding cannot hold become character references
(&#8364;), characters XML forbids (control codes) are dropped, so the output is always well-formed."""

from __future__ import annotations

import re
from typing import BinaryIO

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CHUNK = 1 << 16


def escape(text: str, quote: bool = False) -> str:
    if _FORBIDDEN.search(text):
        text = _FORBIDDEN.sub("", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


class XmlOut:
    def __init__(self, out: BinaryIO, encoding: str) -> None:
        self._out = out
        self._encoding = encoding
        self._parts: list[str] = []
        self._size = 0
        self._depth = 0
        self._write(f'<?xml version="1.0" encoding="{encoding}"?>')

    def _write(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text)
        if self._size > _CHUNK:
            self.flush()

    def flush(self) -> None:
        if self._parts:
            self._out.write("".join(self._parts).encode(self._encoding, "xmlcharrefreplace"))
            self._parts.clear()
            self._size = 0

    @staticmethod
    def _attrs(attrs: dict[str, str] | None) -> str:
        if not attrs:
            return ""
        return "".join(f' {k}="{escape(str(v), quote=True)}"' for k, v in attrs.items())

    def open(self, tag: str, attrs: dict[str, str] | None = None) -> None:
        self._write(f"\n{chr(9) * self._depth}<{tag}{self._attrs(attrs)}>")
        self._depth += 1

    def close(self, tag: str) -> None:
        self._depth -= 1
        self._write(f"\n{chr(9) * self._depth}</{tag}>")

    def leaf(self, tag: str, text: str | None = "", attrs: dict[str, str] | None = None) -> None:
        """<tag attrs>text</tag>; an empty text gives <tag/>."""
        indent = "\t" * self._depth
        if text:
            self._write(f"\n{indent}<{tag}{self._attrs(attrs)}>{escape(text)}</{tag}>")
        else:
            self._write(f"\n{indent}<{tag}{self._attrs(attrs)}/>")

    def opt(self, tag: str, text: str | None) -> None:
        """A leaf only when there is a text."""
        if text:
            self.leaf(tag, text)

    def end(self) -> None:
        self._write("\n")
        self.flush()
