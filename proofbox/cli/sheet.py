"""A reviewer's contact sheet: the key frames behind a result's findings, labelled with time and codes.

Each key frame is drawn with its time in the video and every finding code that points at it (the
finding times nearest to the frame), coloured by the finding's severity. The header names the
result, the case and the four verdicts, in the CLI's language (``--lang``). Text is drawn with a
font that has Chinese glyphs (:mod:`proofbox.cli.fonts`); without one, a sheet that needs Chinese
fails with a message saying what to install rather than drawing empty boxes.
"""

from __future__ import annotations

import io
from collections import defaultdict
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from proofbox.i18n import current, format_time, gettext, translate
from proofbox.jsonform import enum_prefix
from proofbox.v1 import assessment_pb2, records_pb2

from .fonts import NoCjkFont, cjk_font, needs_cjk

__all__ = ["contact_sheet", "frame_labels", "sheet_fonts"]

THUMB_WIDTH = 360
COLUMNS = 3
PAD = 12
LINE = 18
HEADER = 64
COLOURS = {"FAILURE": (200, 30, 30), "WARNING": (190, 120, 0), "INFO": (20, 120, 40)}
BACKGROUND = (248, 248, 248)


def _short(enum: Any, number: int) -> str:
    descriptor = enum.DESCRIPTOR
    return str(descriptor.values_by_number[number].name).removeprefix(enum_prefix(descriptor))


def frame_labels(assessment: assessment_pb2.Assessment) -> dict[int, list[tuple[str, str]]]:
    """For each key frame (by index), the (code, severity) of the video findings nearest to it."""
    frames = list(assessment.keyframes)
    labels: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if not frames:
        return labels
    for element in assessment.elements:
        for finding in element.findings:
            if finding.media not in ("", "video"):
                continue
            times = [
                t
                for t, has in (
                    (finding.t_start, finding.HasField("t_start")),
                    (finding.t_end, finding.HasField("t_end")),
                )
                if has
            ]
            for t in times:
                nearest = min(range(len(frames)), key=lambda i: abs(frames[i].t - t))
                entry = (finding.code, _short(assessment_pb2.Severity, finding.severity))
                if entry not in labels[nearest]:
                    labels[nearest].append(entry)
    return labels


Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def sheet_fonts(*texts: str) -> tuple[Font, Font]:
    """(label font, title font): a CJK font when one is installed; Pillow's default only when no
    text needs more than Latin; otherwise :class:`NoCjkFont`."""
    found = cjk_font()
    if found is not None:
        path, index = found
        return ImageFont.truetype(path, 14, index=index), ImageFont.truetype(path, 18, index=index)
    if needs_cjk(*texts):
        raise NoCjkFont()
    return ImageFont.load_default(size=14), ImageFont.load_default(size=18)


def contact_sheet(result: records_pb2.Result, out: Path) -> int:
    """Write the sheet to ``out`` (format from its suffix, PNG by default); returns the frames drawn."""
    assessment = result.assessment
    frames = [(i, f) for i, f in enumerate(assessment.keyframes) if f.jpeg]
    if not frames:
        raise ValueError(
            translate(
                "result {result} has no key frames (a prediction only, or no finding points at a moment of the video)",
                {"result": result.result_id},
            )
        )
    labels = frame_labels(assessment)
    lang = current()
    verdicts = "  ".join(
        f"{gettext(_short(assessment_pb2.Element, e.element).lower())}: "
        f"{gettext(_short(assessment_pb2.Verdict, e.verdict))}"
        for e in assessment.elements
    )
    title = translate("{result}  case {case}", {"result": result.result_id, "case": result.case_id})
    font, title_font = sheet_fonts(title, verdicts)
    thumbs = []
    for _, frame in frames:
        with Image.open(io.BytesIO(frame.jpeg)) as opened:
            rgb = opened.convert("RGB")
        scale = THUMB_WIDTH / rgb.width
        thumbs.append(rgb.resize((THUMB_WIDTH, max(1, round(rgb.height * scale)))))
    lines_per_cell = max(1 + len(labels.get(i, [])) for i, _ in frames)
    cell_h = max(t.height for t in thumbs) + PAD + LINE * lines_per_cell
    rows = (len(frames) + COLUMNS - 1) // COLUMNS
    width = PAD + COLUMNS * (THUMB_WIDTH + PAD)
    sheet = Image.new("RGB", (width, HEADER + rows * (cell_h + PAD)), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    draw.text((PAD, PAD), title, fill=(0, 0, 0), font=title_font)
    draw.text((PAD, PAD + 26), verdicts, fill=(60, 60, 60), font=font)
    for n, ((index, frame), thumb) in enumerate(zip(frames, thumbs, strict=True)):
        x = PAD + (n % COLUMNS) * (THUMB_WIDTH + PAD)
        y = HEADER + (n // COLUMNS) * (cell_h + PAD)
        sheet.paste(thumb, (x, y))
        ty = y + thumb.height + 4
        draw.text((x, ty), f"t = {format_time(frame.t, lang)}", fill=(0, 0, 0), font=font)
        for code, severity in labels.get(index, []):
            ty += LINE
            draw.text((x, ty), code, fill=COLOURS.get(severity, (0, 0, 0)), font=font)
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out)
    return len(frames)
