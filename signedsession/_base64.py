"""Unpadded URL-safe base64 (RFC 4648 section 5), as every format here spells it.

binascii does the work; these skip the two Python frames per call of
``base64.urlsafe_b64encode``/``urlsafe_b64decode``. Decoding is not strict,
as ``b64decode``: :func:`is_canonical` says whether a text is the one
spelling of its bytes, for the formats that accept no other.
"""

from __future__ import annotations

from binascii import a2b_base64, b2a_base64

__all__ = ["ALPHABET", "decode", "encode", "encoded_length", "is_canonical"]

ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")
# The low bits of the last character that encode nothing, by the length of
# the text modulo 4 (1 is never a length of unpadded base64).
_SPARE_BITS = {0: 0, 2: 0b1111, 3: 0b11}


def encode(data: bytes) -> bytes:
    """``data`` in unpadded URL-safe base64."""
    return b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=")


def decode(text: bytes) -> bytes:
    """The bytes of unpadded URL-safe base64 ``text``.

    :raises binascii.Error: (a ``ValueError``) the text cannot be decoded.
    """
    return a2b_base64(text.translate(_FROM_URLSAFE) + b"=" * (-len(text) % 4))


def encoded_length(size: int) -> int:
    """``len(encode(data))`` for ``len(data) == size``."""
    return (4 * size + 2) // 3


def is_canonical(text: bytes) -> bool:
    """Whether ``text`` is the one unpadded URL-safe base64 spelling of its bytes.

    :func:`decode` skips characters outside the alphabet and ignores unused
    trailing bits, so several texts decode to the same bytes; only the one
    :func:`encode` writes passes.
    """
    if text.translate(None, ALPHABET):
        return False
    spare = _SPARE_BITS.get(len(text) % 4)
    if spare is None:
        return False
    return not spare or not ALPHABET.index(text[-1]) & spare
