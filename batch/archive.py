"""The archive format ticketing systems export for re-scoring: JSON Lines or Parquet.

One record per dispute::

    {"record_id": "TM-2024-118842",                 # unique within the archive (required)
     "case": {...},                                 # a dispute case: proto JSON of proofbox.v1.DisputeCase (required)
     "evidence": [                                  # optional: the merchant's unboxing media
        {"kind": "video", "path": "media/118842.mp4"},        # relative to the archive's folder
        {"kind": "photo", "url": "https://files.example/p.jpg"},
        {"kind": "video", "sha256": "9f2c..."}],              # bytes already in a proofbox blob store
     "actual_outcome": "BUYER_FAVORED",             # optional: what the platform decided
     "previous": {"outcome": "MERCHANT_FAVORED",    # optional: the prediction made at the time
                  "merchant_probability": 0.81, "rule_ids": ["unboxing.valid"],
                  "pack_version": "tmall-2026.11.0", "analyser_version": "0.1.0"}}

Parquet archives have one row per record and the columns ``record_id`` (string), ``case``,
``evidence`` and ``previous`` (JSON text) and ``actual_outcome`` (string). Both formats are read
lazily, so memory does not grow with the archive.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidence.errors import InvalidInput

__all__ = ["OUTCOMES", "RawRecord", "count_records", "read_archive", "write_archive"]

OUTCOMES = ("BUYER_FAVORED", "MERCHANT_FAVORED", "NEEDS_REVIEW")
PARQUET_COLUMNS = ("record_id", "case", "evidence", "actual_outcome", "previous")
_JSON_COLUMNS = ("case", "evidence", "previous")


@dataclass(frozen=True)
class RawRecord:
    """One archive line before validation: its position, and its text or parsed fields."""

    line: int  # 1-based line (JSON Lines) or row (Parquet)
    text: str  # the JSON object as text; parsed and validated where it is scored


def _is_parquet(path: Path) -> bool:
    if path.suffix.lower() in {".parquet", ".pq"}:
        return True
    with path.open("rb") as fh:
        return fh.read(4) == b"PAR1"


def read_archive(path: Path, batch_rows: int = 2048) -> Iterator[RawRecord]:
    """Every record of ``path`` in order, lazily (blank lines are skipped)."""
    if not path.is_file():
        raise InvalidInput(f"no archive at {path}", field="archive")
    if _is_parquet(path):
        yield from _read_parquet(path, batch_rows)
        return
    # records end at "\n" only (a "\r\n" ending is stripped with the other white space): a bare
    # "\r" inside a record is part of it, not a line break (Python's universal newlines would split
    # the record in two, and number the following lines differently from count_records)
    with path.open("r", encoding="utf-8", errors="replace", newline="\n") as fh:
        for number, line in enumerate(fh, start=1):
            text = line.strip()
            if text:
                yield RawRecord(number, text)


def _read_parquet(path: Path, batch_rows: int) -> Iterator[RawRecord]:
    import pyarrow.parquet as pq

    handle = pq.ParquetFile(str(path))
    missing = [c for c in ("record_id", "case") if c not in handle.schema_arrow.names]
    if missing:
        raise InvalidInput(f"the Parquet archive lacks column(s) {', '.join(missing)}", field="archive")
    row = 0
    for batch in handle.iter_batches(batch_size=batch_rows):
        columns = {
            name: batch.column(name).to_pylist() for name in batch.schema.names if name in PARQUET_COLUMNS
        }
        for i in range(batch.num_rows):
            row += 1
            record: dict[str, Any] = {}
            for name, values in columns.items():
                value = values[i]
                if value is None:
                    continue
                if name in _JSON_COLUMNS and isinstance(value, str):
                    try:
                        value = json.loads(value)
                    except json.JSONDecodeError as exc:
                        record[name] = {"__invalid_json__": f"{name}: {exc}"}
                        continue
                record[name] = value
            yield RawRecord(row, json.dumps(record, ensure_ascii=False))


def count_records(path: Path) -> int:
    """How many records ``path`` holds (cheap: Parquet metadata, or a scan for newlines)."""
    if _is_parquet(path):
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(str(path)).metadata.num_rows)
    count = 0
    with path.open("rb") as fh:
        for line in fh:
            if line.strip():
                count += 1
    return count


def write_archive(path: Path, records: Iterable[Mapping[str, Any]]) -> int:
    """Write records as JSON Lines or Parquet (by suffix); returns how many were written."""
    rows = list(records) if path.suffix.lower() in {".parquet", ".pq"} else records
    if path.suffix.lower() in {".parquet", ".pq"}:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = {name: [] for name in PARQUET_COLUMNS}  # type: dict[str, list[Any]]
        for rec in rows:
            for name in PARQUET_COLUMNS:
                value = rec.get(name)
                if name in _JSON_COLUMNS and value is not None:
                    value = json.dumps(value, ensure_ascii=False)
                table[name].append(value)
        pq.write_table(pa.table({k: pa.array(v, type=pa.string()) for k, v in table.items()}), str(path))
        return len(table["record_id"])
    count = 0
    with path.open("w", encoding="utf-8") as fh:
        for rec in rows:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            count += 1
    return count
