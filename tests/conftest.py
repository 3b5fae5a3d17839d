"""Fixtures shared by every test package: the public corpus in ../shared/corpus."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("PROOFBOX_CORPUS", REPO.parent / "shared" / "corpus")).resolve()


def corpus_available() -> bool:
    return (CORPUS / "manifest.json").is_file()


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The shared test corpus; tests using it skip with a clear reason on a fresh clone without it."""
    if not corpus_available():
        pytest.skip(
            f"public test corpus not found at {CORPUS} (set PROOFBOX_CORPUS or place shared/ beside the repo)"
        )
    return CORPUS


@pytest.fixture(scope="session")
def manifest(corpus_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((corpus_dir / "manifest.json").read_text(encoding="utf-8"))
    return data


def corpus_entries(kind: str | None = None) -> list[dict[str, Any]]:
    """Manifest entries for parametrisation at collection time (empty when the corpus is absent)."""
    if not corpus_available():
        return []
    entries: list[dict[str, Any]] = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))[
        "entries"
    ]
    return [e for e in entries if kind is None or e["kind"] == kind]


# --- synthetic unboxing videos (generated once per session, shared by every test package) ---------

import threading  # noqa: E402
from collections.abc import Mapping  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from dataclasses import dataclass  # noqa: E402

from evidence.media.synthetic import Script, UnboxingSpec, write_unboxing_video  # noqa: E402


@dataclass(frozen=True)
class SyntheticVideo:
    path: Path
    script: Script
    spec: UnboxingSpec


class VideoFactory:
    """Renders each named variant once per session into a temporary directory (thread-safe)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._done: dict[str, SyntheticVideo] = {}
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="render")

    def prefetch(self, specs: Mapping[str, UnboxingSpec]) -> None:
        """Start rendering these variants in the background, two at a time (one per core)."""
        for name, spec in specs.items():
            self._pool.submit(self, name, spec)

    def __call__(self, name: str, spec: UnboxingSpec | None = None) -> SyntheticVideo:
        with self._lock:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:
            if name not in self._done:
                spec = spec or UnboxingSpec()
                path = self.root / f"{name}.mp4"
                self._done[name] = SyntheticVideo(path, write_unboxing_video(path, spec), spec)
            return self._done[name]


@pytest.fixture(scope="session")
def unboxing_videos(tmp_path_factory: pytest.TempPathFactory) -> VideoFactory:
    """``unboxing_videos(name, spec)`` -> a generated video (and its ground truth), cached by name."""
    factory = VideoFactory(tmp_path_factory.mktemp("unboxing"))
    yield factory  # type: ignore[misc]
    factory._pool.shutdown(wait=True, cancel_futures=True)
