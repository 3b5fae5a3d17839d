"""The records the server keeps and the one interface both databases implement.

Everything is scoped by ``tenant_id``: no method returns another tenant's rows, so isolation does
not depend on each servicer remembering to check. Times are microseconds since the epoch (UTC)
in the database and aware datetimes here. Payloads are serialized proofbox.v1 messages, so a record
read back years later decodes with the same (backwards-compatible) schema the API uses.
"""

from __future__ import annotations

import abc
import secrets
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from evidence.errors import FailedPrecondition

from ..errors import StoreUnavailable

__all__ = [
    "ApiKeyRecord",
    "CaseRecord",
    "EvidenceRecord",
    "PrintRecord",
    "ResultRecord",
    "SqlStore",
    "Store",
    "StoreUnavailable",
    "from_micros",
    "micros",
]


def micros(at: datetime) -> int:
    return int(at.timestamp() * 1_000_000)


def from_micros(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1_000_000, UTC)


@dataclass(frozen=True)
class ApiKeyRecord:
    key_id: str
    tenant_id: str
    role: str  # "read_only", "read_write", "admin" (own tenant's keys) or "operator" (every tenant's)
    key_hash: str  # hex SHA-256 of "<key_id>:<secret>"; the secret itself is never stored
    description: str
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class EvidenceRecord:
    tenant_id: str
    sha256: str
    kind: str  # "video" or "photo"
    filename: str
    size_bytes: int
    detected_type: str
    facts: bytes  # serialized proofbox.v1.VideoFacts or PhotoFacts
    created_at: datetime
    case_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class PrintRecord:
    """An evidence file's perceptual fingerprint and the hashes it is indexed by (issue 15)."""

    tenant_id: str
    sha256: str
    kind: str  # "video" or "photo"
    data: bytes  # evidence.reuse.pack of the Fingerprint
    created_at: datetime
    index: tuple[tuple[int, int], ...] = ()  # (time in ms, unsigned 64-bit hash) rows of the index
    file_id: int = 0  # the index's number for the file (given when stored; 0 before)


def _signed(h: int) -> int:
    return h - (1 << 64) if h >= 1 << 63 else h


def _unsigned(h: int) -> int:
    return h + (1 << 64) if h < 0 else h


# (shift, width) of the index's bands of a 64-bit hash, most significant first (migration 0005)
BANDS = ((43, 21), (22, 21), (0, 22))


def bands(h: int) -> tuple[int, ...]:
    """The three bands (21, 21 and 22 bits) of a 64-bit hash, most significant first."""
    return tuple((h >> shift) & ((1 << width) - 1) for shift, width in BANDS)


def band_probes(hashes: Sequence[int], radius: int = 0) -> list[list[int]]:
    """Per band, the values a lookup reads: each hash's band, and with ``radius`` 1 also every value
    one bit away (a hash whose band differs from a probe's by one bit is then found too)."""
    out: list[set[int]] = [set() for _ in BANDS]
    for h in hashes:
        for i, (value, (_, width)) in enumerate(zip(bands(h), BANDS, strict=True)):
            out[i].add(value)
            if radius >= 1:
                out[i].update(value ^ (1 << bit) for bit in range(width))
    return [sorted(values) for values in out]


@dataclass(frozen=True)
class CaseRecord:
    tenant_id: str
    case_id: str
    version: int
    content_sha256: str
    content: str  # canonical JSON of DisputeCase.to_dict()
    created_at: datetime


@dataclass(frozen=True)
class ResultRecord:
    tenant_id: str
    result_id: str
    case_id: str
    kind: str
    created_at: datetime
    payload: bytes  # serialized proofbox.v1.Result without key-frame JPEG bytes
    keyframes: bytes = b""  # serialized proofbox.v1.Assessment holding only the key frames
    operation_id: str | None = None


class Store(abc.ABC):
    """Tenants and keys, evidence records, case versions and results."""

    url: str
    inline_calls: bool = False
    """True when every call is sub-millisecond local work that may run on the event loop itself."""

    @abc.abstractmethod
    def close(self) -> None: ...

    @abc.abstractmethod
    def ping(self) -> None:
        """Reach the database afresh (raise :class:`StoreUnavailable` when it cannot be reached)."""

    # --- tenants and keys ---
    @abc.abstractmethod
    def add_api_key(self, record: ApiKeyRecord) -> None:
        """Store a key (creating its tenant if new)."""

    @abc.abstractmethod
    def get_api_key(self, key_id: str) -> ApiKeyRecord | None: ...

    @abc.abstractmethod
    def list_api_keys(self, tenant_id: str) -> list[ApiKeyRecord]: ...

    @abc.abstractmethod
    def revoke_api_key(self, key_id: str, at: datetime) -> ApiKeyRecord | None: ...

    @abc.abstractmethod
    def count_api_keys(self) -> int: ...

    @abc.abstractmethod
    def server_secret(self, name: str) -> bytes:
        """The random secret ``name`` every server on this database shares (made on first use)."""

    # --- evidence ---
    @abc.abstractmethod
    def put_evidence(self, record: EvidenceRecord, case_id: str) -> tuple[EvidenceRecord, bool]:
        """Insert the record unless the tenant has these bytes already; link it to ``case_id``.

        Returns the stored record (the earlier one if it existed) and whether it was created.
        """

    @abc.abstractmethod
    def get_evidence(self, tenant_id: str, sha256: str) -> EvidenceRecord | None: ...

    @abc.abstractmethod
    def list_evidence(
        self, tenant_id: str, case_id: str, limit: int, after: tuple[int, str] | None = None
    ) -> tuple[list[EvidenceRecord], tuple[int, str] | None]:
        """The case's evidence, oldest link first, after the (link micros, sha256) keyset position;
        also the position of the last record returned (None when there is none)."""

    # --- fingerprints (reused evidence) ---
    @abc.abstractmethod
    def put_print(self, record: PrintRecord) -> bool:
        """Store a file's fingerprint and index rows unless the tenant has them; True when stored."""

    @abc.abstractmethod
    def evidence_without_prints(
        self, tenant_id: str | None, limit: int, after: tuple[str, str] | None = None
    ) -> list[EvidenceRecord]:
        """Stored evidence that has no fingerprint yet (uploaded before issue 15, or never assessed),
        of one tenant or of all (None), ordered by (tenant, sha256) after that keyset position."""

    @abc.abstractmethod
    def get_prints(self, tenant_id: str, sha256s: Sequence[str]) -> dict[str, PrintRecord]:
        """The stored fingerprints of these files (without their index rows)."""

    @abc.abstractmethod
    def get_prints_by_id(self, tenant_id: str, file_ids: Sequence[int]) -> dict[int, PrintRecord]:
        """The stored fingerprints with these index file ids (without their index rows)."""

    @abc.abstractmethod
    def find_hashes(
        self, tenant_id: str, probes: Sequence[int], limit: int, radius: int = 0
    ) -> list[tuple[int, int]]:
        """Index rows (file id, unsigned hash) sharing a band (:data:`BANDS`) with any probe hash, or
        within ``radius`` bits of one (:func:`band_probes`), at most ``limit``; the caller verifies
        the Hamming distance."""

    # --- cases ---
    @abc.abstractmethod
    def put_case(
        self,
        tenant_id: str,
        case_id: str,
        content: str,
        content_sha256: str,
        expected_version: int,
        at: datetime,
    ) -> tuple[CaseRecord, bool]:
        """Store ``content`` as the next version unless it equals the latest (then return that).

        ``expected_version`` > 0 must equal the latest version (FailedPrecondition otherwise).
        """

    @abc.abstractmethod
    def get_case(self, tenant_id: str, case_id: str, version: int = 0) -> CaseRecord | None:
        """The given version, or the latest for 0."""

    # --- results ---
    @abc.abstractmethod
    def put_result(self, record: ResultRecord) -> tuple[ResultRecord, bool]:
        """Insert; when the tenant already has a result with this operation id, return that instead."""

    @abc.abstractmethod
    def get_result(self, tenant_id: str, result_id: str) -> ResultRecord | None: ...

    @abc.abstractmethod
    def find_result_by_operation(self, tenant_id: str, operation_id: str) -> ResultRecord | None: ...

    @abc.abstractmethod
    def list_results(
        self,
        tenant_id: str,
        case_id: str | None,
        limit: int,
        before: str | None = None,
        kinds: tuple[str, ...] = (),
    ) -> list[ResultRecord]:
        """Newest first (result ids sort by time), strictly before the ``before`` id when given,
        only of the given ``kinds`` when any are given."""


_KEY_COLUMNS = "key_id, tenant_id, role, key_hash, description, created_at, revoked_at"
_EVIDENCE_COLUMNS = "tenant_id, sha256, kind, filename, size_bytes, detected_type, facts, created_at"
_CASE_COLUMNS = "tenant_id, case_id, version, content_sha256, content, created_at"
_RESULT_COLUMNS = "tenant_id, result_id, case_id, kind, created_at, payload, keyframes, operation_id"


def _key(row: Sequence[Any]) -> ApiKeyRecord:
    return ApiKeyRecord(
        row[0], row[1], row[2], row[3], row[4], from_micros(row[5]), from_micros(row[6]) if row[6] else None
    )


def _evidence(row: Sequence[Any], case_ids: tuple[str, ...]) -> EvidenceRecord:
    return EvidenceRecord(
        row[0], row[1], row[2], row[3], int(row[4]), row[5], bytes(row[6]), from_micros(row[7]), case_ids
    )


def _case(row: Sequence[Any]) -> CaseRecord:
    return CaseRecord(row[0], row[1], int(row[2]), row[3], row[4], from_micros(row[5]))


def _result(row: Sequence[Any]) -> ResultRecord:
    return ResultRecord(
        row[0], row[1], row[2], row[3], from_micros(row[4]), bytes(row[5]), bytes(row[6] or b""), row[7]
    )


class SqlStore(Store):
    """The SQL both databases share; subclasses supply connections and the dialect's few differences.

    Statements are written with ``?`` placeholders; :meth:`_sql` rewrites them for the driver.
    """

    placeholder = "?"
    blob_type = "BLOB"

    def _sql(self, statement: str) -> str:
        return statement if self.placeholder == "?" else statement.replace("?", self.placeholder)

    @abc.abstractmethod
    def _transaction(self, write: bool) -> AbstractContextManager[Any]:
        """A DB-API cursor inside a transaction, committed on success, rolled back on error."""

    def _lock_case(self, cur: Any, tenant_id: str, case_id: str) -> None:
        """Serialise writers of one case id (SQLite's write transaction already does)."""
        del cur, tenant_id, case_id

    def migrate(self) -> None:
        """Bring the schema to this server's newest revision (Alembic, ``server/store/migrations``);
        refuse a database written by a newer server."""
        from .schema import upgrade

        upgrade(self.url)

    # --- tenants and keys ---

    def add_api_key(self, record: ApiKeyRecord) -> None:
        with self._transaction(write=True) as cur:
            cur.execute(
                self._sql("INSERT INTO tenants (tenant_id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING"),
                (record.tenant_id, micros(record.created_at)),
            )
            cur.execute(
                self._sql(f"INSERT INTO api_keys ({_KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"),
                (
                    record.key_id,
                    record.tenant_id,
                    record.role,
                    record.key_hash,
                    record.description,
                    micros(record.created_at),
                    micros(record.revoked_at) if record.revoked_at else None,
                ),
            )

    def get_api_key(self, key_id: str) -> ApiKeyRecord | None:
        with self._transaction(write=False) as cur:
            cur.execute(self._sql(f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE key_id = ?"), (key_id,))
            row = cur.fetchone()
        return _key(row) if row else None

    def list_api_keys(self, tenant_id: str) -> list[ApiKeyRecord]:
        with self._transaction(write=False) as cur:
            cur.execute(
                self._sql(
                    f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE tenant_id = ? ORDER BY created_at, key_id"
                ),
                (tenant_id,),
            )
            return [_key(r) for r in cur.fetchall()]

    def revoke_api_key(self, key_id: str, at: datetime) -> ApiKeyRecord | None:
        with self._transaction(write=True) as cur:
            cur.execute(
                self._sql("UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL"),
                (micros(at), key_id),
            )
            cur.execute(self._sql(f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE key_id = ?"), (key_id,))
            row = cur.fetchone()
        return _key(row) if row else None

    def count_api_keys(self) -> int:
        with self._transaction(write=False) as cur:
            cur.execute("SELECT COUNT(*) FROM api_keys")
            row = cur.fetchone()
        return int(row[0]) if row else 0

    def server_secret(self, name: str) -> bytes:
        with self._transaction(write=True) as cur:
            cur.execute(
                self._sql(
                    "INSERT INTO server_secrets (name, secret, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
                ),
                (name, secrets.token_hex(32), micros(datetime.now(UTC))),
            )
            cur.execute(self._sql("SELECT secret FROM server_secrets WHERE name = ?"), (name,))
            row = cur.fetchone()
        return bytes.fromhex(row[0])

    # --- evidence ---

    def _case_ids(self, cur: Any, tenant_id: str, sha256: str) -> tuple[str, ...]:
        cur.execute(
            self._sql(
                "SELECT case_id FROM evidence_cases WHERE tenant_id = ? AND sha256 = ? ORDER BY linked_at, case_id"
            ),
            (tenant_id, sha256),
        )
        return tuple(r[0] for r in cur.fetchall())

    def put_evidence(self, record: EvidenceRecord, case_id: str) -> tuple[EvidenceRecord, bool]:
        with self._transaction(write=True) as cur:
            cur.execute(
                self._sql(
                    f"INSERT INTO evidence ({_EVIDENCE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
                ),
                (
                    record.tenant_id,
                    record.sha256,
                    record.kind,
                    record.filename,
                    record.size_bytes,
                    record.detected_type,
                    record.facts,
                    micros(record.created_at),
                ),
            )
            created = cur.rowcount == 1
            cur.execute(
                self._sql(
                    "INSERT INTO evidence_cases (tenant_id, case_id, sha256, linked_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT DO NOTHING"
                ),
                (record.tenant_id, case_id, record.sha256, micros(record.created_at)),
            )
            cur.execute(
                self._sql(f"SELECT {_EVIDENCE_COLUMNS} FROM evidence WHERE tenant_id = ? AND sha256 = ?"),
                (record.tenant_id, record.sha256),
            )
            row = cur.fetchone()
            stored = _evidence(row, self._case_ids(cur, record.tenant_id, record.sha256))
        return stored, created

    def get_evidence(self, tenant_id: str, sha256: str) -> EvidenceRecord | None:
        with self._transaction(write=False) as cur:
            cur.execute(
                self._sql(f"SELECT {_EVIDENCE_COLUMNS} FROM evidence WHERE tenant_id = ? AND sha256 = ?"),
                (tenant_id, sha256),
            )
            row = cur.fetchone()
            return _evidence(row, self._case_ids(cur, tenant_id, sha256)) if row else None

    def list_evidence(
        self, tenant_id: str, case_id: str, limit: int, after: tuple[int, str] | None = None
    ) -> tuple[list[EvidenceRecord], tuple[int, str] | None]:
        columns = ", ".join(f"e.{c.strip()}" for c in _EVIDENCE_COLUMNS.split(","))
        query = (
            f"SELECT {columns}, l.linked_at FROM evidence_cases l JOIN evidence e "
            "ON e.tenant_id = l.tenant_id AND e.sha256 = l.sha256 WHERE l.tenant_id = ? AND l.case_id = ?"
        )
        params: list[Any] = [tenant_id, case_id]
        if after is not None:
            query += " AND (l.linked_at > ? OR (l.linked_at = ? AND l.sha256 > ?))"
            params += [after[0], after[0], after[1]]
        query += " ORDER BY l.linked_at, l.sha256 LIMIT ?"
        params.append(limit)
        with self._transaction(write=False) as cur:
            cur.execute(self._sql(query), params)
            found = cur.fetchall()
            records = [_evidence(r, self._case_ids(cur, tenant_id, r[1])) for r in found]
        position = (int(found[-1][8]), str(found[-1][1])) if found else None
        return records, position

    # --- fingerprints ---

    def put_print(self, record: PrintRecord) -> bool:
        with self._transaction(write=True) as cur:
            cur.execute(
                self._sql(
                    "INSERT INTO evidence_prints (tenant_id, sha256, kind, print, created_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING file_id"
                ),
                (record.tenant_id, record.sha256, record.kind, record.data, micros(record.created_at)),
            )
            row = cur.fetchone()
            if row is None:
                return False
            rows = [(record.tenant_id, int(row[0]), t_ms, _signed(h), *bands(h)) for t_ms, h in record.index]
            if rows:
                cur.executemany(
                    self._sql(
                        "INSERT INTO evidence_hashes (tenant_id, file_id, t_ms, hash, b0, b1, b2) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)"
                    ),
                    rows,
                )
        return True

    def evidence_without_prints(
        self, tenant_id: str | None, limit: int, after: tuple[str, str] | None = None
    ) -> list[EvidenceRecord]:
        columns = ", ".join(f"e.{c.strip()}" for c in _EVIDENCE_COLUMNS.split(","))
        query = (
            f"SELECT {columns} FROM evidence e WHERE NOT EXISTS (SELECT 1 FROM evidence_prints p "
            "WHERE p.tenant_id = e.tenant_id AND p.sha256 = e.sha256)"
        )
        params: list[Any] = []
        if tenant_id is not None:
            query += " AND e.tenant_id = ?"
            params.append(tenant_id)
        if after is not None:
            query += " AND (e.tenant_id > ? OR (e.tenant_id = ? AND e.sha256 > ?))"
            params += [after[0], after[0], after[1]]
        query += " ORDER BY e.tenant_id, e.sha256 LIMIT ?"
        params.append(limit)
        with self._transaction(write=False) as cur:
            cur.execute(self._sql(query), params)
            return [_evidence(r, self._case_ids(cur, r[0], r[1])) for r in cur.fetchall()]

    def get_prints(self, tenant_id: str, sha256s: Sequence[str]) -> dict[str, PrintRecord]:
        found = self._prints(tenant_id, "sha256", sha256s)
        return {r.sha256: r for r in found}

    def get_prints_by_id(self, tenant_id: str, file_ids: Sequence[int]) -> dict[int, PrintRecord]:
        found = self._prints(tenant_id, "file_id", file_ids)
        return {r.file_id: r for r in found}

    def _prints(self, tenant_id: str, key: str, values: Sequence[Any]) -> list[PrintRecord]:
        if not values:
            return []
        marks = ", ".join("?" for _ in values)
        with self._transaction(write=False) as cur:
            cur.execute(
                self._sql(
                    "SELECT tenant_id, sha256, kind, print, created_at, file_id FROM evidence_prints "
                    f"WHERE tenant_id = ? AND {key} IN ({marks})"
                ),
                (tenant_id, *values),
            )
            return [
                PrintRecord(r[0], r[1], r[2], bytes(r[3]), from_micros(r[4]), file_id=int(r[5]))
                for r in cur.fetchall()
            ]

    def find_hashes(
        self, tenant_id: str, probes: Sequence[int], limit: int, radius: int = 0
    ) -> list[tuple[int, int]]:
        if not probes:
            return []
        parts: list[str] = []
        params: list[Any] = []
        for i, values in enumerate(band_probes(probes, radius)):
            parts.append(
                f"SELECT file_id, hash FROM evidence_hashes WHERE tenant_id = ? AND b{i} IN "
                f"({', '.join('?' for _ in values)})"
            )
            params += [tenant_id, *values]
        query = " UNION ".join(parts) + " LIMIT ?"
        params.append(limit)
        with self._transaction(write=False) as cur:
            cur.execute(self._sql(query), params)
            return [(int(r[0]), _unsigned(int(r[1]))) for r in cur.fetchall()]

    # --- cases ---

    def _latest(self, cur: Any, tenant_id: str, case_id: str) -> CaseRecord | None:
        cur.execute(
            self._sql(
                f"SELECT {_CASE_COLUMNS} FROM cases WHERE tenant_id = ? AND case_id = ? ORDER BY version DESC LIMIT 1"
            ),
            (tenant_id, case_id),
        )
        row = cur.fetchone()
        return _case(row) if row else None

    def put_case(
        self,
        tenant_id: str,
        case_id: str,
        content: str,
        content_sha256: str,
        expected_version: int,
        at: datetime,
    ) -> tuple[CaseRecord, bool]:
        with self._transaction(write=True) as cur:
            self._lock_case(cur, tenant_id, case_id)
            latest = self._latest(cur, tenant_id, case_id)
            current = latest.version if latest else 0
            if expected_version and expected_version != current:
                raise FailedPrecondition(
                    f"case {case_id!r} is at version {current}, not {expected_version}; read it again "
                    "(GetCase), re-apply your change and retry with expected_version = the version you read"
                )
            if latest is not None and latest.content_sha256 == content_sha256:
                return latest, False
            record = CaseRecord(tenant_id, case_id, current + 1, content_sha256, content, at)
            cur.execute(
                self._sql(f"INSERT INTO cases ({_CASE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"),
                (tenant_id, case_id, record.version, content_sha256, content, micros(at)),
            )
            return record, True

    def get_case(self, tenant_id: str, case_id: str, version: int = 0) -> CaseRecord | None:
        with self._transaction(write=False) as cur:
            if version <= 0:
                return self._latest(cur, tenant_id, case_id)
            cur.execute(
                self._sql(
                    f"SELECT {_CASE_COLUMNS} FROM cases WHERE tenant_id = ? AND case_id = ? AND version = ?"
                ),
                (tenant_id, case_id, version),
            )
            row = cur.fetchone()
        return _case(row) if row else None

    # --- results ---

    def put_result(self, record: ResultRecord) -> tuple[ResultRecord, bool]:
        with self._transaction(write=True) as cur:
            cur.execute(
                self._sql(
                    f"INSERT INTO results ({_RESULT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
                ),
                (
                    record.tenant_id,
                    record.result_id,
                    record.case_id,
                    record.kind,
                    micros(record.created_at),
                    record.payload,
                    record.keyframes,
                    record.operation_id,
                ),
            )
            if cur.rowcount == 1 or record.operation_id is None:
                return record, True
            cur.execute(
                self._sql(f"SELECT {_RESULT_COLUMNS} FROM results WHERE tenant_id = ? AND operation_id = ?"),
                (record.tenant_id, record.operation_id),
            )
            row = cur.fetchone()
        return (_result(row), False) if row else (record, True)

    def get_result(self, tenant_id: str, result_id: str) -> ResultRecord | None:
        with self._transaction(write=False) as cur:
            cur.execute(
                self._sql(f"SELECT {_RESULT_COLUMNS} FROM results WHERE tenant_id = ? AND result_id = ?"),
                (tenant_id, result_id),
            )
            row = cur.fetchone()
        return _result(row) if row else None

    def find_result_by_operation(self, tenant_id: str, operation_id: str) -> ResultRecord | None:
        with self._transaction(write=False) as cur:
            cur.execute(
                self._sql(f"SELECT {_RESULT_COLUMNS} FROM results WHERE tenant_id = ? AND operation_id = ?"),
                (tenant_id, operation_id),
            )
            row = cur.fetchone()
        return _result(row) if row else None

    def list_results(
        self,
        tenant_id: str,
        case_id: str | None,
        limit: int,
        before: str | None = None,
        kinds: tuple[str, ...] = (),
    ) -> list[ResultRecord]:
        columns = _RESULT_COLUMNS.replace("keyframes", "NULL")
        query = f"SELECT {columns} FROM results WHERE tenant_id = ?"
        params: list[Any] = [tenant_id]
        if case_id:
            query += " AND case_id = ?"
            params.append(case_id)
        if kinds:
            query += f" AND kind IN ({', '.join('?' for _ in kinds)})"
            params.extend(kinds)
        if before:
            query += " AND result_id < ?"
            params.append(before)
        query += " ORDER BY result_id DESC LIMIT ?"
        params.append(limit)
        with self._transaction(write=False) as cur:
            cur.execute(self._sql(query), params)
            return [_result(r) for r in cur.fetchall()]
