"""``proofbox sample``: a generated unboxing video, a photo of its waybill and a matching case.

The video is rendered by :mod:`evidence.media.synthetic` (an ~20 s phone-like clip: waybill label,
six faces of the sealed parcel, opening, contents, a close-up of a damaged item; recorded
2026-11-20 10:00 Beijing time). The case is a Tmall return the merchant refuses because the goods
came back damaged, signed for one hour before the recording, with the same return waybill number.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from proofbox.jsonform import parse, to_dict
from proofbox.v1 import cases_pb2

__all__ = ["SAMPLE_CASE", "write_sample"]

TRACKING = "SF1234567890123"
SAMPLE_CASE: dict[str, Any] = {
    "case_id": "sample-0001",
    "platform": "tmall",
    "as_of": "2026-11-21T12:00:00+08:00",
    "order": {
        "order_id": "TM-2026-000123",
        "amount": "399.00",
        "created_at": "2026-11-01T10:00:00+08:00",
        "paid_at": "2026-11-01T10:05:00+08:00",
        "category": "small appliances",
    },
    "claim": {"kind": "return_and_refund", "reason": "no_reason_7_day", "amount": "399.00"},
    "ticket": {"type": "return_refund", "status": "return_shipped", "ticket_id": "RF-88001"},
    "timeline": {
        "shipped_at": "2026-11-02T09:00:00+08:00",
        "buyer_signed_at": "2026-11-04T15:00:00+08:00",
        "requested_at": "2026-11-10T10:00:00+08:00",
        "merchant_responded_at": "2026-11-10T12:00:00+08:00",
        "return_agreed_at": "2026-11-10T12:00:00+08:00",
        "return_shipped_at": "2026-11-18T16:00:00+08:00",
        "return_signed_at": "2026-11-20T09:00:00+08:00",
        "evidence_deadline": "2026-11-25T00:00:00+08:00",
        "evidence_submitted_at": "2026-11-21T10:00:00+08:00",
    },
    "merchant": {"refusal_reason": "returned_damaged", "problem_time_s": 19.0},
    "logistics": {"tracking_number": "SF9000000000001", "return_tracking_number": TRACKING},
}


def write_sample(directory: Path) -> dict[str, Path]:
    """Write ``unboxing.mp4``, ``waybill.jpg`` and ``case.json`` into ``directory``; returns their paths."""
    from evidence.media.synthetic import UnboxingSpec, write_unboxing_video

    directory.mkdir(parents=True, exist_ok=True)
    video = directory / "unboxing.mp4"
    script = write_unboxing_video(video, UnboxingSpec(tracking_number=TRACKING))
    label = script.phase_times("label")
    at = (label[0].start + label[0].end) / 2 if label else 1.0
    photo = directory / "waybill.jpg"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-ss",
            f"{at:.2f}",
            "-i",
            str(video),
            "-frames:v",
            "1",
            "-q:v",
            "2",
            str(photo),
        ],
        check=True,
        stdin=subprocess.DEVNULL,
    )
    case = directory / "case.json"
    message = parse(SAMPLE_CASE, cases_pb2.DisputeCase())  # written in the canonical proto JSON mapping
    case.write_text(json.dumps(to_dict(message), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return {"video": video, "photo": photo, "case": case}
