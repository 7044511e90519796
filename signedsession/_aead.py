"""The encrypted envelope: AES-256-GCM under keys derived per purpose.

An encrypted cookie value is a marker character followed by the unpadded
URL-safe base64 of ``nonce (12 bytes) || ciphertext || tag (16 bytes)``;
every marker but the first format's ``"!"`` is authenticated as the
associated data. Each secret
gives its own 256-bit key through HKDF-SHA256 with an info label that no
other use of the secret shares (docs/format.rst specifies both).

Only this module imports ``cryptography`` (the ``encrypt`` extra); without
it, :func:`available` is False and nothing here can be built.
"""

from __future__ import annotations

import os
from binascii import Error as BinasciiError
from typing import Any

from . import _base64

__all__ = [
    "INFO_LABEL",
    "MARKER",
    "NONCE_BYTES",
    "OVERHEAD",
    "TAG_BYTES",
    "Envelope",
    "available",
    "derive_key",
]

#: The first character of every encrypted value; never the first of a signed
#: one (URL-safe base64 or ``~``) nor of Flask's or Pyramid's.
MARKER = "!"
#: HKDF's info is this label, a zero byte and the salt (UTF-8).
INFO_LABEL = b"signedsession aead v1"
NONCE_BYTES = 12
TAG_BYTES = 16
#: Bytes an envelope adds to its plaintext before base64.
OVERHEAD = NONCE_BYTES + TAG_BYTES

try:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
except ImportError:  # the encrypt extra is not installed
    _AESGCM: Any = None
    _InvalidTag: Any = None
else:
    _AESGCM = AESGCM
    _InvalidTag = InvalidTag


def available() -> bool:
    """Whether ``cryptography`` is installed, so values can be encrypted."""
    return _AESGCM is not None


def _new_nonce() -> bytes:
    # The seam known-answer tests replace; nothing else may fix a nonce.
    return os.urandom(NONCE_BYTES)


def derive_key(secret: bytes, salt: str) -> bytes:
    """The AES-256 key of ``secret`` for ``salt``: HKDF-SHA256, 32 bytes."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=INFO_LABEL + b"\x00" + salt.encode("utf-8"),
    ).derive(secret)


class Envelope:
    """Seals plaintext with the first key, opens it with any of them.

    Built once per settings object (the codec holds it): the key derivation
    and AES key schedules are paid once, not per request.
    """

    def __init__(self, secrets: tuple[bytes, ...], salt: str) -> None:
        if _AESGCM is None:
            raise ModuleNotFoundError(
                "encrypted sessions need the cryptography package:"
                " pip install 'signedsession[encrypt]'"
            )
        self._ciphers = tuple(_AESGCM(derive_key(key, salt)) for key in secrets)

    def seal(self, plaintext: bytes, marker: str = MARKER) -> str:
        """Encrypt ``plaintext`` with the current key under a fresh nonce.

        ``marker`` opens the value: :data:`MARKER` for the first format, in
        which nothing else is authenticated; any other marker is the
        associated data, so that it cannot be changed either.
        """
        nonce = _new_nonce()
        associated = None if marker == MARKER else marker.encode("ascii")
        sealed = nonce + self._ciphers[0].encrypt(nonce, plaintext, associated)
        return marker + _base64.encode(sealed).decode("ascii")

    def open(self, value: str) -> tuple[bytes, int] | None:
        """The plaintext of ``value`` and the index of the key that opened it.

        None when no key authenticates it: tampered, truncated, sealed with
        another key or salt or marker, or not an envelope at all. Nothing of
        the plaintext is looked at before the tag verified.
        """
        marker = value[:1]
        associated = None if marker == MARKER else marker.encode("ascii")
        text = value[1:].encode("ascii")
        try:
            sealed = _base64.decode(text)
        except BinasciiError:
            return None
        if len(sealed) < OVERHEAD:
            return None
        nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
        for index, cipher in enumerate(self._ciphers):
            try:
                plaintext = cipher.decrypt(nonce, body, associated)
            except _InvalidTag:
                continue
            # After the tag, which refuses a forged value sooner: the same
            # bytes spelled otherwise are refused too.
            return (plaintext, index) if _base64.is_canonical(text) else None
        return None
