"""Babel extraction of the policy packs' texts for people (``babel.cfg``: ``disputes/packs``).

A pack's descriptions, actions, deadline consequences and notes are English; they reach readers
unchanged in stored results (``RuleHit.description``, ``RecommendedAction.text``, ...), and the
edge looks each one up in the catalog by its English wording (:mod:`proofbox.i18n.results`).
This extractor puts them in the template, so a pack text added without a translation fails
``tests/proofbox/test_i18n.py`` like any other message.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import yaml

__all__ = ["TEXT_KEYS", "extract_pack", "pack_texts"]

TEXT_KEYS = frozenset({"description", "text", "consequence", "note", "entry_open_note", "applications_note"})
"""Keys whose string values are texts for people (``quote`` stays the seed's own words)."""


def pack_texts(node: Any) -> Iterator[str]:
    """Every text for people in a loaded pack, in document order."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key in TEXT_KEYS and isinstance(value, str) and value.strip():
                yield value.strip()  # as the loader keeps it
            elif key in ("reason", "unknown") and isinstance(value, str) and " " in value:
                yield value.strip()  # a review's reason, why an amount or a re-open is unknown
            elif key == "funding" and isinstance(value, list):
                yield from (item.strip() for item in value if isinstance(item, str) and item.strip())
            elif key != "examples":
                yield from pack_texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from pack_texts(item)


def extract_pack(
    fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str], options: Mapping[str, Any]
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel extraction method: (line, funcname, message, comments) for each text of a pack."""
    for text in pack_texts(yaml.safe_load(fileobj)):
        yield 0, None, text, []
