"""API keys: minting, hashing, verifying, and the local admin key written on first start.

A key looks like ``pbx_<key id>_<secret>``. The key id is public (it names the key in logs and
admin calls); the secret is 256 random bits and is stored only as SHA-256 of ``<key id>:<secret>``
(a fast hash is enough for random secrets of that strength: there is nothing to brute-force).
Verification compares digests in constant time and caches a positive answer for a short time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from evidence.errors import InvalidInput, PermissionDenied, Unauthenticated

from .store import ApiKeyRecord, Store

__all__ = [
    "LOCAL_TENANT",
    "OPERATOR",
    "ROLES",
    "Authenticator",
    "Principal",
    "ensure_local_key",
    "hash_secret",
    "mint_key",
    "require_role",
]

ROLES = ("read_only", "read_write", "admin", "operator")
"""Weakest first; each role may do everything the ones before it may. ``admin`` manages its own
tenant's keys; ``operator`` manages every tenant's (see docs/api.md, "Roles")."""
OPERATOR = "operator"
_RANK = {role: i for i, role in enumerate(ROLES)}
LOCAL_TENANT = "local"
_KEY = re.compile(r"^pbx_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
_TENANT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the tenant whose data the call sees, and what the key may do."""

    tenant_id: str
    key_id: str
    role: str


def check_tenant_id(tenant_id: str) -> str:
    if not _TENANT.match(tenant_id):
        raise InvalidInput(
            f"{tenant_id!r} is not a tenant id; use 1-63 lower-case letters, digits, '-' or '_'",
            field="tenant_id",
        )
    return tenant_id


def hash_secret(key_id: str, secret: str) -> str:
    return hashlib.sha256(f"{key_id}:{secret}".encode()).hexdigest()


def mint_key(tenant_id: str, role: str, description: str = "") -> tuple[ApiKeyRecord, str]:
    """A new key record (to store) and the full key (to hand over once)."""
    if role not in _RANK:
        raise InvalidInput(f"must be one of {', '.join(ROLES)}", field="role")
    check_tenant_id(tenant_id)
    key_id = secrets.token_hex(8)
    secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    record = ApiKeyRecord(
        key_id=key_id,
        tenant_id=tenant_id,
        role=role,
        key_hash=hash_secret(key_id, secret),
        description=description,
        created_at=datetime.now(UTC),
    )
    return record, f"pbx_{key_id}_{secret}"


def require_role(principal: Principal, needed: str, what: str) -> None:
    """PERMISSION_DENIED unless the principal's role is at least ``needed``."""
    if _RANK[principal.role] < _RANK[needed]:
        raise PermissionDenied(
            f"this API key ({principal.key_id}) is {principal.role.replace('_', '-')} and cannot {what}; "
            f"use a key with the {needed.replace('_', '-')} role"
        )


def key_from_metadata(metadata: Mapping[str, str]) -> str | None:
    """The key sent as ``authorization: Bearer <key>`` or ``x-api-key: <key>``."""
    auth = metadata.get("authorization", "")
    if auth:
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        raise Unauthenticated("the authorization header must be 'Bearer <API key>'")
    key = metadata.get("x-api-key", "").strip()
    return key or None


class Authenticator:
    """Turns the key in a call's metadata into a :class:`Principal` (or Unauthenticated)."""

    def __init__(self, store: Store, cache_s: float = 30.0, hint: str = "") -> None:
        self.store = store
        self.cache_s = cache_s
        self.hint = hint
        self._cache: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    def cached(self, key: str) -> Principal | None:
        entry = self._cache.get(key)
        if entry is not None and entry[1] > time.monotonic():
            return entry[0]
        return None

    def verify(self, key: str | None) -> Principal:
        """Check ``key`` against the store (blocking: call from a thread when not cached)."""
        if key is None:
            raise Unauthenticated(
                "no API key: send it as 'authorization: Bearer <key>' or 'x-api-key: <key>'" + self.hint
            )
        found = self.cached(key)
        if found is not None:
            return found
        match = _KEY.match(key)
        record = self.store.get_api_key(match.group(1)) if match else None
        if (
            match is None
            or record is None
            or not hmac.compare_digest(record.key_hash, hash_secret(match.group(1), match.group(2)))
        ):
            raise Unauthenticated(
                "the API key is not valid; check it for typos or ask for a new one" + self.hint
            )
        if record.revoked_at is not None:
            raise Unauthenticated(f"the API key {record.key_id} was revoked; ask for a new one")
        principal = Principal(record.tenant_id, record.key_id, record.role)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = (principal, time.monotonic() + self.cache_s)
        return principal

    def forget(self, key_id: str) -> None:
        """Drop cached verifications of a key (after revoking it through this server)."""
        with self._lock:
            for key in [k for k, (p, _) in self._cache.items() if p.key_id == key_id]:
                del self._cache[key]


def ensure_local_key(store: Store, path: Path) -> tuple[Path, bool]:
    """On first start (no key exists at all) create the ``local`` tenant's operator key and write it to
    ``path`` with mode 0600. Returns the path and whether a key was created."""
    if store.count_api_keys() > 0:
        return path, False
    record, key = mint_key(LOCAL_TENANT, OPERATOR, "local key created on first start")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, (key + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    store.add_api_key(record)
    return path, True
