"""Scoring one archived dispute: the per-record function every runner shares.

``Scorer.score`` takes one raw archive record and returns one result (a JSON-ready dict). It
never raises: a malformed record, a missing media file or a failed analysis becomes a result with
``status: "error"`` naming the field and the reason, so a run reports it and goes on.

Media are read from a path (absolute, or relative to the archive's folder), a ``file://`` or
``http(s)://`` URL, or a sha256 already in a proofbox blob store (``--blobs DATA/blobs``). Every
worker must be able to reach them: on a Ray cluster that means a shared filesystem or URLs.
Assessments are cached by (media hashes, analyser version, case facts): re-scoring after a policy
change does not decode any video again unless asked to.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import disputes
import evidence
from disputes import DisputeCase, EvidenceSummary, PolicyPack
from evidence.config import AnalysisConfig
from evidence.errors import InvalidInput, ProofboxError, ResourceExhausted
from evidence.model import Assessment, CaseFacts, Fingerprint

from .archive import OUTCOMES, RawRecord

__all__ = ["Scorer", "ScoringOptions", "case_facts_fingerprint"]

MAX_DOWNLOAD_BYTES = 8 * 1024**3
HASH_CHUNK = 4 * 1024 * 1024
TOO_DEEP = "not valid JSON for a record: nested too deeply (a dispute case is a few levels deep)"


@dataclass(frozen=True)
class ScoringOptions:
    """Where media and caches live, and which policy packs to score with."""

    archive_dir: Path = Path(".")
    cache_dir: Path | None = None  # assessment, hash and download cache (None: no caching)
    blobs_dir: Path | None = None  # a proofbox server's ``<data>/blobs`` for sha256 references
    force: bool = False  # re-assess media even when a cached assessment exists
    pack_files: Mapping[str, Path] = field(default_factory=dict)  # platform -> pack YAML (e.g. calibrated)
    pack_versions: Mapping[str, str] = field(default_factory=dict)  # platform -> built-in pack version
    at: datetime | None = None  # judge as of this time (default: each case's as_of, else now)
    decoder_threads: int = 0
    url_timeout_s: float = 60.0
    find_reuse: bool = False  # add each file's fingerprint to its result (batch.reuse)


def case_facts_fingerprint(facts: CaseFacts) -> str:
    parts = {}
    for f in fields(facts):
        value = getattr(facts, f.name)
        parts[f.name] = value.isoformat() if isinstance(value, datetime) else value
    return json.dumps(parts, sort_keys=True, default=str)


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _prints(assessment: Assessment) -> list[str | None]:
    """Each file's fingerprint (``evidence.reuse.pack``, base64) in media order: video first."""
    from evidence.reuse import pack

    def b64(fp: Fingerprint | None) -> str | None:
        return base64.b64encode(pack(fp)).decode("ascii") if fp is not None else None

    out = [b64(assessment.fingerprint)] if assessment.video is not None else []
    return out + [b64(p.fingerprint) for p in assessment.photos]


def _add_prints(media: list[dict[str, str]], prints: list[str | None] | None, wanted: bool) -> None:
    if not wanted or not prints:
        return
    # media are listed as given; the assessment has the video first, then the photos in order
    order = [i for i, m in enumerate(media) if m["kind"] == "video"] + [
        i for i, m in enumerate(media) if m["kind"] == "photo"
    ]
    for i, packed in zip(order, prints, strict=False):
        if packed:
            media[i]["print"] = packed


class Scorer:
    """Scores records; one per worker process (packs are loaded once, lazily)."""

    def __init__(self, options: ScoringOptions) -> None:
        self.options = options
        self.cfg = AnalysisConfig(decoder_threads=options.decoder_threads)
        self._packs: dict[str, PolicyPack] = {}

    # --- packs -------------------------------------------------------------------------------

    def pack(self, platform: str) -> PolicyPack:
        if platform not in self._packs:
            path = self.options.pack_files.get(platform)
            if path is not None:
                self._packs[platform] = disputes.load_pack_file(path)
            else:
                self._packs[platform] = disputes.load_pack(platform, self.options.pack_versions.get(platform))
        return self._packs[platform]

    # --- one record -------------------------------------------------------------------------

    def score(self, raw: RawRecord) -> dict[str, Any]:
        result: dict[str, Any] = {"line": raw.line, "record_id": None, "status": "ok"}
        try:
            try:
                data = json.loads(raw.text)
            except json.JSONDecodeError as exc:
                raise InvalidInput(
                    f"not valid JSON ({exc.msg} at column {exc.colno})", field="record", code="INVALID_JSON"
                ) from None
            except RecursionError:
                raise InvalidInput(TOO_DEEP, field="record", code="INVALID_JSON") from None
            if not isinstance(data, dict):
                raise InvalidInput("a record must be a JSON object", field="record")
            record_id = data.get("record_id")
            if not isinstance(record_id, str) or not record_id.strip():
                raise InvalidInput("missing or empty (a unique string is required)", field="record_id")
            result["record_id"] = record_id
            try:
                self._score_into(data, result)
            except RecursionError:  # valid JSON, but nested deeper than any case can be
                raise InvalidInput(TOO_DEEP, field="record", code="INVALID_JSON") from None
        except ProofboxError as exc:
            result["status"] = "error"
            result["error"] = {"code": exc.code, "message": str(exc), "field": getattr(exc, "field", "")}
        except Exception as exc:  # a bug must not stop a batch: report it with the record
            result["status"] = "error"
            result["error"] = {"code": "INTERNAL", "message": f"{type(exc).__name__}: {exc}", "field": ""}
        return result

    def _score_into(self, data: Mapping[str, Any], result: dict[str, Any]) -> None:
        case_data = data.get("case")
        if not isinstance(case_data, Mapping):
            raise InvalidInput("missing (the dispute case object is required)", field="case")
        if "__invalid_json__" in case_data:
            raise InvalidInput(str(case_data["__invalid_json__"]), field="case", code="INVALID_JSON")
        try:
            case = disputes.from_dict(case_data)
        except InvalidInput as exc:
            raise InvalidInput(
                str(exc).split(": ", 1)[-1], field=f"case.{exc.field}" if exc.field else "case"
            ) from None
        actual = data.get("actual_outcome")
        if actual is not None and actual not in OUTCOMES:
            raise InvalidInput(f"must be one of {', '.join(OUTCOMES)}", field="actual_outcome")
        previous = data.get("previous") or {}
        if not isinstance(previous, Mapping):
            raise InvalidInput("must be an object", field="previous")
        entries = data.get("evidence") or []
        if not isinstance(entries, list):
            raise InvalidInput("must be a list of media references", field="evidence")

        platform = case.platform.value
        pack = self.pack(platform)
        if entries:
            summary, info = self._evidence(case, entries)
            case = replace(case, evidence=summary)
            result["evidence"] = info
            result["analyser_version"] = summary.analyser_version
        prediction = disputes.predict(case, pack, at=self.options.at)
        new_rules = sorted(prediction.rule_ids)
        result.update(
            platform=platform,
            pack_version=pack.version,
            outcome=prediction.outcome.value,
            merchant_probability=round(float(prediction.merchant_probability), 6),
            rule_ids=new_rules,
            actual_outcome=actual,
            missing_facts=list(prediction.missing_facts),
            review_reasons=list(prediction.review_reasons),
            freight=None
            if prediction.freight is None
            else {"payer": prediction.freight.payer, "rule_id": prediction.freight.rule_id},
        )
        buyer = disputes.buyer_application(case.order, platform, at=self.options.at or case.as_of, pack=pack)
        if case.order.entry_reopens or buyer.status is not disputes.EligibilityStatus.UNKNOWN:
            # a re-opened entry, or a pack that caps applications within the period (seed 004)
            result["buyer_may_apply"] = buyer.status.value
            result["buyer_may_apply_rules"] = [r.id for r in buyer.rules]
            result["buyer_may_apply_reasons"] = list(buyer.reasons)
        old = previous.get("outcome")
        result["previous_outcome"] = old
        result["changed"] = None if old is None else old != prediction.outcome.value
        old_rules = previous.get("rule_ids")
        if isinstance(old_rules, list):
            result["rules_added"] = sorted(set(new_rules) - set(old_rules))
            result["rules_removed"] = sorted(set(old_rules) - set(new_rules))

    # --- evidence -----------------------------------------------------------------------------

    def _evidence(self, case: DisputeCase, entries: Sequence[Any]) -> tuple[EvidenceSummary, dict[str, Any]]:
        video: Path | None = None
        photos: list[Path] = []
        media: list[dict[str, str]] = []
        for i, entry in enumerate(entries):
            where = f"evidence[{i}]"
            if not isinstance(entry, Mapping):
                raise InvalidInput("must be an object with kind and path, url or sha256", field=where)
            kind = entry.get("kind")
            if kind not in ("video", "photo"):
                raise InvalidInput("must be 'video' or 'photo'", field=f"{where}.kind")
            path = self._resolve(entry, where)
            digest = self._sha256(path)
            media.append({"kind": str(kind), "sha256": digest})
            if kind == "video":
                if video is not None:
                    raise InvalidInput("one unboxing video per record", field=where)
                video = path
            else:
                photos.append(path)
        facts = disputes.evidence_facts(case)
        key = hashlib.sha256(
            json.dumps([media, evidence.__version__, case_facts_fingerprint(facts)], sort_keys=True).encode()
        ).hexdigest()
        cached_path = (
            self.options.cache_dir / "assessments" / f"{key}.json" if self.options.cache_dir else None
        )
        if cached_path is not None and cached_path.is_file() and not self.options.force:
            stored = json.loads(cached_path.read_text(encoding="utf-8"))
            if not self.options.find_reuse or "prints" in stored:
                summary = EvidenceSummary.from_dict(stored["summary"])
                _add_prints(media, stored.get("prints"), self.options.find_reuse)
                return summary, {"key": key, "cached": True, "media": media, "verdicts": stored["verdicts"]}
        from evidence.assess import assess  # the media stack is only needed when media are assessed

        assessment = assess(video, facts, photos, self.cfg)
        summary = EvidenceSummary.from_assessment(assessment)
        verdicts = {r.element.value: r.verdict.value for r in assessment.elements}
        prints = _prints(assessment)
        if cached_path is not None:
            _atomic_write(
                cached_path,
                json.dumps({"summary": summary.to_dict(), "verdicts": verdicts, "prints": prints}),
            )
        _add_prints(media, prints, self.options.find_reuse)
        return summary, {"key": key, "cached": False, "media": media, "verdicts": verdicts}

    def _resolve(self, entry: Mapping[str, Any], where: str) -> Path:
        refs = [k for k in ("path", "url", "sha256") if entry.get(k)]
        if len(refs) != 1:
            raise InvalidInput("give exactly one of path, url or sha256", field=where)
        ref = str(entry[refs[0]])
        if refs[0] == "sha256":
            if self.options.blobs_dir is None:
                raise InvalidInput(
                    "a sha256 reference needs the server's blob store (--blobs DATA/blobs)",
                    field=f"{where}.sha256",
                )
            digest = ref.lower().removeprefix("sha256:")
            path = self.options.blobs_dir / "sha256" / digest[:2] / digest[2:]
        elif refs[0] == "url":
            path = self._fetch(ref, f"{where}.url")
        else:
            path = Path(ref) if Path(ref).is_absolute() else self.options.archive_dir / ref
        if not path.is_file():
            raise InvalidInput(f"no media file at {path}", field=f"{where}.{refs[0]}", code="MEDIA_NOT_FOUND")
        return path

    def _fetch(self, url: str, where: str) -> Path:
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme == "file":
            return Path(urllib.parse.unquote(parsed.path))
        if parsed.scheme not in ("http", "https"):
            raise InvalidInput("only file://, http:// and https:// URLs are supported", field=where)
        root = (
            self.options.cache_dir / "downloads"
            if self.options.cache_dir
            else Path(tempfile.gettempdir()) / "proofbox-downloads"
        )
        target = root / hashlib.sha256(url.encode()).hexdigest() / (Path(parsed.path).name or "media")
        if target.is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        try:
            with (
                urllib.request.urlopen(url, timeout=self.options.url_timeout_s) as resp,
                tmp.open("wb") as out,
            ):
                copied = 0
                while chunk := resp.read(HASH_CHUNK):
                    copied += len(chunk)
                    if copied > MAX_DOWNLOAD_BYTES:
                        raise ResourceExhausted(f"{url} is larger than {MAX_DOWNLOAD_BYTES} bytes")
                    out.write(chunk)
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise InvalidInput(
                f"could not download {url}: {exc}", field=where, code="MEDIA_NOT_FOUND"
            ) from None
        return target

    def _sha256(self, path: Path) -> str:
        """The file's sha256, remembered per (path, size, mtime) so re-runs do not re-read it."""
        stat = path.stat()
        memo = None
        if self.options.cache_dir is not None:
            name = hashlib.sha1(str(path.resolve()).encode()).hexdigest()
            memo = self.options.cache_dir / "hashes" / f"{name}.json"
            if memo.is_file():
                stored = json.loads(memo.read_text(encoding="utf-8"))
                if stored.get("size") == stat.st_size and stored.get("mtime_ns") == stat.st_mtime_ns:
                    return str(stored["sha256"])
        h = hashlib.sha256()
        with path.open("rb") as fh:
            while chunk := fh.read(HASH_CHUNK):
                h.update(chunk)
        digest = h.hexdigest()
        if memo is not None:
            _atomic_write(
                memo, json.dumps({"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest})
            )
        return digest
