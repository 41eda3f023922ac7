"""A flow's name for readers: country and group codes in a subject or title put in words.

Notebook 02 names its flow from the parameters (``EU27_2020 exports to RU, HS 27``); the
counterfactual's sentences, report and chart titles pass that name through :func:`in_words`, so
a reader sees ``EU27 exports to Russia, HS 27`` and ``Germany exports to Russia``.
"""

from __future__ import annotations

import re

from sanctions_model.reporting.labels import place

__all__ = ["in_words"]

_CODE = re.compile(r"\bEU27(?:_\d{4})?\b|\b[A-Z]{2}\b")
_KEEP = {"HS", "EU"}
"""Two-letter tokens that are words or product codes in a subject, not country codes to expand
(``HS 27``, ``EU``)."""


def in_words(text: str | None) -> str | None:
    """``text`` with ``EU27_2020`` as ``EU27`` and each two-letter country code as its name
    (``RU`` -> ``Russia``, ``DE`` -> ``Germany``); unknown codes and :data:`_KEEP` stay."""
    if not text:
        return text

    def name(m: re.Match[str]) -> str:
        code = m.group(0)
        return code if code in _KEEP else place(code)

    return _CODE.sub(name, text)
