"""zxing-cpp's blackbox thresholds on the public barcode corpus, through ``read_barcodes``.

Modes as in ``manifest.json -> barcodes.reader_modes``: "fast" is ``read_barcodes`` as called
per video frame (no rotation, no inverted search), "slow" is ``try_harder=True``, "pure" is
``pure=True``; the image is turned clockwise by the row's ``rotation`` first. A pass is the
expected text (``N.txt``, compared after zxing's EscapeNonGraphical) among the reads, with the
folder's format; a misread is a read that is not the expected one. Upstream counts are for the
full folder; the public subset must reach ``ceil(min_pass * public / upstream)`` except where
``BELOW_SCALED`` documents why the public share of upstream's expected failures is larger than
proportional; every row must reach the worst-case floor ``public - (upstream - min_pass)``.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from evidence.barcodes import read_barcodes
from evidence.model import BarcodeRead

from ..conftest import CORPUS, corpus_available
from ._media_helpers import escape_non_graphical

pytestmark = pytest.mark.corpus

PUBLIC = CORPUS / "barcodes" / "public"
IMAGE_SUFFIXES = {".png", ".webp", ".jpg", ".jpeg", ".gif", ".pgm"}
CLOCKWISE = {
    0: None,
    90: Image.Transpose.ROTATE_270,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}

# (folder, mode) -> (passes required on the public subset, why this is below the proportional share)
BELOW_SCALED: dict[tuple[str, str], tuple[int, str]] = {
    ("qrcode-2", "slow"): (
        32,
        "12.webp and 13.webp (artistic QR codes over an aerial photo) are unreadable in every mode; "
        "upstream allows 3 failures in 56 images and both of these fell into the public 34",
    ),
    ("ean13-1", "slow"): (
        8,
        "34.webp and 36.webp (blurred photos of book covers) are unreadable in every mode; upstream "
        "allows exactly 2 failures in 16 and both fell into the public 10",
    ),
    ("rmqrcode-1", "fast"): (
        1,
        "R7x43-H_inverted.png is light-on-dark; fast mode does not search inverted codes, which is "
        "upstream's one allowed failure in 3 (the public subset holds it and 1 of the 2 normal ones)",
    ),
    ("rmqrcode-1", "pure"): (1, "the same inverted rMQR image; pure mode does not invert either"),
    ("qrcode-5", "pure"): (
        2,
        "pure mode (fixed threshold, single aligned symbol) suits generated images; upstream reads only "
        "4 of these 16 photos that way, and 2 of the public 10 pass here (02/03/05/09/11/13/14/15 fail)",
    ),
    ("microqrcode-1", "pure"): (
        5,
        "upstream reads 9 of 16 in pure mode; here 1.png, 9.webp, 11.webp, 12.webp and "
        "MQR-needs-br-update.jpg fail, 5 of 10 pass",
    ),
}


def folders() -> list[str]:
    """Folders with per-image thresholds (qrcode-7, a structured-append group, has its own test)."""
    if not corpus_available():
        return []
    import json

    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    included = manifest["barcodes"]["thresholds_included_folders"]
    return sorted(name for name, info in included.items() if not info.get("structured_append"))


@cache
def grey_image(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("L")


def images(folder: str) -> list[Path]:
    return sorted(p for p in (PUBLIC / folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def expected_text(path: Path) -> str | None:
    txt = path.with_suffix(".txt")
    return escape_non_graphical(txt.read_bytes().decode("utf-8")) if txt.exists() else None


def read_as(path: Path, mode: str, rotation: int) -> list[BarcodeRead]:
    image = grey_image(path)
    turn = CLOCKWISE[rotation]
    if turn is not None:
        image = image.transpose(turn)
    return read_barcodes(np.asarray(image), try_harder=mode == "slow", pure=mode == "pure")


def rows(info: dict[str, Any]) -> list[tuple[str, int, int, int]]:
    """(mode, rotation, min_pass, max_misreads) for each threshold row."""
    out = []
    for test in info["tests"]:
        if test.get("mode") == "pure":
            out.append(("pure", 0, test["min_pass"], test["max_misreads"]))
        else:
            for mode in ("fast", "slow"):
                out.append((mode, test["rotation"], test[f"{mode}_min_pass"], test[f"{mode}_max_misreads"]))
    return out


@pytest.mark.parametrize("folder", folders())
def test_blackbox_thresholds(folder: str, manifest: dict[str, Any]) -> None:
    info = manifest["barcodes"]["thresholds_included_folders"][folder]
    paths = images(folder)
    total = info["expected_image_count"]
    public = len(paths)
    assert public == manifest["barcodes"]["per_folder_counts"][folder]["public_groups"]
    report = []
    for mode, rotation, min_pass, max_misreads in rows(info):
        passes, misreads = 0, []
        for path in paths:
            reads = read_as(path, mode, rotation)
            if info["format"] == "None":
                misreads += [f"{path.name}: {r.format} {r.text!r}" for r in reads]
                continue
            expected = expected_text(path)
            assert expected is not None, f"{path} has no expected text"
            if any(r.text == expected and r.format == info["format"] for r in reads):
                passes += 1
            elif reads:
                misreads.append(f"{path.name}: {[(r.format, r.text[:40]) for r in reads]}")
        scaled = math.ceil(min_pass * public / total)
        floor = max(0, public - (total - min_pass))
        required, why = BELOW_SCALED.get((folder, mode), (scaled, ""))
        assert floor <= required <= scaled, (
            f"{folder}/{mode}: documented requirement outside [{floor}, {scaled}]"
        )
        report.append(f"{mode}@{rotation}: {passes}/{public} (scaled {scaled}, floor {floor})")
        assert passes >= required, f"{folder} {mode}@{rotation}: {passes} < {required} ({why or 'scaled'})"
        assert len(misreads) <= max_misreads, f"{folder} {mode}@{rotation} misreads: {misreads}"
    print(folder, "; ".join(report))


def test_documented_shortfalls_are_still_needed(manifest: dict[str, Any]) -> None:
    """Each BELOW_SCALED entry must describe a real shortfall: if the reader improves, tighten it."""
    thresholds = manifest["barcodes"]["thresholds_included_folders"]
    for (folder, mode), (required, _why) in BELOW_SCALED.items():
        info = thresholds[folder]
        paths = images(folder)
        best = 0
        for row_mode, rotation, _min_pass, _max in rows(info):
            if row_mode != mode:
                continue
            passes = sum(
                any(
                    r.text == expected_text(p) and r.format == info["format"]
                    for r in read_as(p, mode, rotation)
                )
                for p in paths
            )
            best = max(best, passes)
        scaled = max(
            math.ceil(m * len(paths) / info["expected_image_count"]) for r, _, m, _ in rows(info) if r == mode
        )
        assert required <= best < scaled, f"{folder}/{mode}: now {best} passes, update BELOW_SCALED"


def test_structured_append_group(manifest: dict[str, Any]) -> None:
    """qrcode-7: the four symbols 01-01..01-04 read together give 01.txt.

    zxing-cpp's Python binding (3.1.1) exposes neither sequenceIndex/sequenceSize/sequenceId nor
    MergeStructuredAppendSequence, so the parts are joined in file-name order, which is their
    sequence order in this corpus. Every part must be read in both modes.
    """
    info = manifest["barcodes"]["thresholds_included_folders"]["qrcode-7"]
    assert info["structured_append"]
    groups: dict[str, list[Path]] = {}
    for path in images("qrcode-7"):
        groups.setdefault(path.stem.rsplit("-", 1)[0], []).append(path)
    assert len(groups) == 1
    for mode in ("fast", "slow"):
        passes = 0
        for stem, parts in groups.items():
            reads = [read_as(p, mode, 0) for p in sorted(parts)]
            assert all(len(r) == 1 and r[0].format == "QRCode" for r in reads), (mode, stem)
            merged = "".join(r[0].text for r in reads)
            passes += merged == expected_text(PUBLIC / "qrcode-7" / f"{stem}.png")
        assert passes >= info["tests"][0][f"{mode}_min_pass"]
