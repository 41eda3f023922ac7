"""Markdown that cannot run anything: for notebook ``Markdown(...)`` outputs and the README block.

A notebook's Markdown output often carries values from data (a product code, a partner name). The
HTML report renders Markdown with raw HTML passed through, so a product code
``<img src=x onerror=alert(1)>`` would become a live element, and ``[x](javascript:alert(3))`` a
live link. :func:`safe_markdown` makes such text inert: raw HTML is shown as text (``<`` written
``&lt;``) and a link or image whose destination is not ``http``, ``https``, ``mailto``, a
fragment or a relative path points nowhere (``#``). :func:`escape_markdown` is for a plain value
placed inside generated Markdown (the README block): it cannot open a tag or a link at all.
"""

from __future__ import annotations

import html
import re

__all__ = ["escape_markdown", "safe_markdown", "safe_url"]

_SAFE_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
# [text](dest "title") and ![alt](dest): the destination, possibly in <...>
_INLINE = re.compile(r"(\]\(\s*)(<[^>\n]*>|(?:[^()\s]|\([^()\s]*\))*)")
# [label]: dest
_REFERENCE = re.compile(r"^( {0,3}\[[^\]\n]+\]:\s*)(<[^>\n]*>|\S+)", re.MULTILINE)


def safe_url(url: str) -> bool:
    """Whether a link destination is harmless: http(s), mailto, a fragment or a relative path."""
    text = _INVISIBLE.sub("", html.unescape(url.strip().strip("<>")))
    match = _SCHEME.match(text)
    return match is None or match.group(1).lower() in _SAFE_SCHEMES


def safe_markdown(text: str) -> str:
    """``text`` with raw HTML shown as text and unsafe link destinations replaced by ``#``."""
    text = text.replace("<", "&lt;")  # no tag, no comment, no autolink can open

    def inline(m: re.Match[str]) -> str:
        return m.group(1) + (m.group(2) if safe_url(m.group(2).replace("&lt;", "<")) else "#")

    text = _INLINE.sub(inline, text)
    return _REFERENCE.sub(
        lambda m: m.group(1) + (m.group(2) if safe_url(m.group(2).replace("&lt;", "<")) else "#"),
        text,
    )


_SPECIAL = re.compile(r"([\\`*_\[\]<>!|])")


def escape_markdown(text: object) -> str:
    """A plain value for generated Markdown: no tag, link, image, emphasis or table cell opens."""
    escaped = _SPECIAL.sub(lambda m: "&lt;" if m.group(1) == "<" else "\\" + m.group(1), str(text))
    return re.sub(r"(?i)javascript:", "javascript\\:", escaped)
