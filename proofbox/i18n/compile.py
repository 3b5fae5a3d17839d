"""``make i18n-compile``: every ``.po`` catalog under ``proofbox/locale`` to its ``.mo``, with Babel.

Babel's own ``pybabel compile`` also runs its %-format checker, which reads the packs' "30%
compensation" as a ``% c`` placeholder and refuses the Chinese text. proofbox's texts use brace
placeholders only; ``tests/proofbox/test_i18n.py`` checks those (same names in both languages).
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from . import LOCALE_DIR


def compile_catalogs(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Write each catalog's ``.mo`` beside its ``.po``; returns the files written."""
    written = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parent.parent.name)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as f:
            write_mo(f, catalog)
        written.append(mo)
    return written


if __name__ == "__main__":
    for path in compile_catalogs():
        print(f"compiled {path}")
    sys.exit(0)
