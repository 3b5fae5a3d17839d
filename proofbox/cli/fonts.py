"""A font with Chinese glyphs for images (contact sheets, plots), found at run time.

Pillow's and matplotlib's default fonts have no CJK glyphs: a Chinese case id or label would be
drawn as empty boxes. ``make`` installs Debian's ``fonts-noto-cjk`` (the way it installs ffmpeg);
this module finds it, or any font fontconfig knows for Chinese, and says what to do when there is
none instead of drawing boxes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

from proofbox.i18n import translate

from .client import CliError

__all__ = ["CJK_CANDIDATES", "NoCjkFont", "cjk_font", "needs_cjk"]

# Noto Sans CJK's collection holds JP, KR, SC, TC, HK faces in that order: index 2 is Simplified.
CJK_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
)


class NoCjkFont(CliError):
    """No installed font can draw Chinese."""

    def __init__(self) -> None:
        super().__init__(
            translate(
                "no font with Chinese glyphs is installed, so Chinese text would be drawn as empty boxes: "
                "install Debian's fonts-noto-cjk (`make fonts`, or `apt-get install fonts-noto-cjk`) or set "
                "PROOFBOX_CJK_FONT to a .ttf/.otf/.ttc file"
            ),
            code="NO_CJK_FONT",
        )


def needs_cjk(*texts: str) -> bool:
    """Whether any text has characters beyond Latin-1 and common punctuation (Han, kana, ...)."""
    return any(ord(ch) >= 0x2E80 for text in texts for ch in text)


def _fontconfig() -> tuple[str, int] | None:
    if shutil.which("fc-match") is None:
        return None
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}\n%{index}\n%{lang}", ":lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    path, _, rest = out.partition("\n")
    index, _, langs = rest.partition("\n")
    # fc-match always answers; only a font that declares Chinese is one
    if path and Path(path).is_file() and "zh-cn" in langs.split("|"):
        return path, int(index or 0)
    return None


@cache
def cjk_font() -> tuple[str, int] | None:
    """(font file, face index) of a font that draws Simplified Chinese; None when there is none.

    ``$PROOFBOX_CJK_FONT`` first, then the usual Debian locations, then fontconfig."""
    explicit = os.environ.get("PROOFBOX_CJK_FONT", "")
    if explicit:
        if not Path(explicit).is_file():
            raise CliError(
                translate("PROOFBOX_CJK_FONT={path} does not exist", {"path": explicit}), code="NO_CJK_FONT"
            )
        return explicit, 2 if explicit.endswith("CJK-Regular.ttc") else 0
    for path, index in CJK_CANDIDATES:
        if Path(path).is_file():
            return path, index
    return _fontconfig()
