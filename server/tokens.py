"""Page tokens: opaque to clients, tamper-evident, and still valid after a restart.

A token is ``<payload>.<tag>`` in URL-safe base64: the payload is the keyset position the next page
starts after, the tag the first 128 bits of HMAC-SHA256 over what the token is for (the list, the
tenant, the filter) and the payload, under a secret kept in the database (``server_secrets``), so
every server on one database accepts the others' tokens and a restart changes nothing. A token
that was edited, forged, or issued for another tenant, case or list is INVALID_ARGUMENT; so is
anything that is not a token at all.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from evidence.errors import InvalidInput

__all__ = ["PageTokens"]

_TAG_BYTES = 16


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


class PageTokens:
    """Issues and reads the page tokens of one deployment (one secret)."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret if secret is not None else secrets.token_bytes(32)

    def _tag(self, scope: tuple[str, ...], payload: bytes) -> bytes:
        message = b"\x00".join(part.encode() for part in scope) + b"\x00\x00" + payload
        return hmac.new(self._secret, message, hashlib.sha256).digest()[:_TAG_BYTES]

    def issue(self, scope: tuple[str, ...], value: str) -> str:
        """A token carrying ``value``, valid only for ``scope`` (e.g. list name, tenant, filter)."""
        payload = value.encode()
        return f"{_b64(payload)}.{_b64(self._tag(scope, payload))}"

    def read(self, token: str, scope: tuple[str, ...]) -> str:
        """The value inside a token issued for ``scope``; INVALID_ARGUMENT for anything else."""
        head, dot, tail = token.partition(".")
        try:
            payload, tag = _unb64(head), _unb64(tail)
            value = payload.decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            value, tag, payload = "", b"", b""
        canonical = dot and _b64(payload) == head and _b64(tag) == tail  # no slack in padding bits
        if not canonical or not value or not hmac.compare_digest(tag, self._tag(scope, payload)):
            raise InvalidInput(
                "is not a page token this server issued for this list; start again without it",
                field="page_token",
            )
        return value
