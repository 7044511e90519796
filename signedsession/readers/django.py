"""Reads session cookies issued by Django's ``signed_cookies`` backend.

Django's ``django.contrib.sessions.backends.signed_cookies`` stores a
session as ``payload:timestamp:signature``:

- ``payload`` is the JSON of the data in unpadded URL-safe base64, prefixed
  with ``.`` when it is zlib-compressed (with its zlib header);
- ``timestamp`` is the Unix time it was signed, in base 62 (digits, then
  upper case, then lower case letters);
- ``signature`` is the unpadded URL-safe base64 of an HMAC-SHA256 of
  ``payload:timestamp``, keyed by ``SHA256(salt + "signer" + secret)``
  with the salt ``"django.contrib.sessions.backends.signed_cookies"``.

:class:`DjangoCookieReader` plugs into ``SessionSettings.migrate_from``
(the Django engine lists it by default), so that such a cookie, signed with
``SECRET_KEY`` or one of ``SECRET_KEY_FALLBACKS``, is accepted once and
re-issued in signedsession's format: switching engines logs nobody out.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import zlib
from base64 import urlsafe_b64decode, urlsafe_b64encode
from typing import Any

from .. import _clock
from .._codec import Decoded, inflate, new_session_id, parse_data
from ..exceptions import InvalidCookie
from ..serializers import JSONSerializer
from ..settings import SessionSettings

__all__ = ["DJANGO_SALT", "DjangoCookieReader"]

#: The salt of Django's ``signed_cookies`` session backend.
DJANGO_SALT = "django.contrib.sessions.backends.signed_cookies"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BASE62_VALUES = {c: i for i, c in enumerate(_BASE62)}
# A timestamp longer than this (62**12 is past the year 10**13) is no time.
_MAX_TIMESTAMP_DIGITS = 12


def _unb64(text: str) -> bytes:
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _base62(text: str) -> int:
    if not text or len(text) > _MAX_TIMESTAMP_DIGITS:
        raise ValueError("not a timestamp")
    number = 0
    for char in text:
        digit = _BASE62_VALUES.get(char)
        if digit is None:
            raise ValueError("not a timestamp")
        number = number * 62 + digit
    return number


class DjangoCookieReader:
    """Verifies and decodes a Django ``signed_cookies`` session cookie.

    Tries ``secret_key`` and then each of ``fallback_keys`` (Django's
    ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS`` under the Django engine);
    checks the signed timestamp against ``max_age`` and ``clock_skew``. The
    result has a fresh session id and ``key_index`` -1, so the store
    re-issues it in signedsession's format.

    :param settings: the settings whose keys and limits apply.

    .. versionadded:: 0.1
    """

    def __init__(self, settings: SessionSettings) -> None:
        self._macs = tuple(
            hmac.new(self._derive(key), digestmod=hashlib.sha256)
            for key in (settings.secret_key, *settings.fallback_keys)
        )
        self._serializer = JSONSerializer()
        self._max_age = settings.max_age
        self._skew = settings.clock_skew
        self._max_raw = settings.max_decompressed_size
        self._max_depth = settings.max_json_depth

    @staticmethod
    def _derive(secret: str | bytes) -> bytes:
        if isinstance(secret, str):
            secret = secret.encode("utf-8")
        return hashlib.sha256(DJANGO_SALT.encode() + b"signer" + secret).digest()

    def loads(self, value: str) -> Decoded:
        """Verify and decode ``value``; ``key_index`` -1 marks it as Django's.

        :raises InvalidCookie: with the reason, never the value.
        """
        if not value.isascii():
            raise InvalidCookie("bad signature")  # nothing Django signs
        signed, _, signature = value.rpartition(":")
        payload, _, stamp = signed.partition(":")
        if not payload or not stamp or ":" in stamp:
            raise InvalidCookie("bad signature")  # not Django's shape
        message = signed.encode("ascii")
        expected = signature.encode("ascii")
        for mac in self._macs:
            mac = mac.copy()
            mac.update(message)
            if hmac.compare_digest(
                urlsafe_b64encode(mac.digest()).rstrip(b"="), expected
            ):
                break
        else:
            raise InvalidCookie("bad signature")

        try:
            issued = _base62(stamp)
        except ValueError:
            raise InvalidCookie("malformed") from None
        now = _clock.time()
        if issued > now + self._skew:
            raise InvalidCookie("timestamp in the future")
        if self._max_age is not None and now - issued > self._max_age:
            raise InvalidCookie("expired")
        data = self._decode_payload(payload)
        return Decoded(data, new_session_id(), issued, issued, -1)

    def _decode_payload(self, payload: str) -> dict[str, Any]:
        compressed = payload[:1] == "."
        try:
            raw = _unb64(payload[1:] if compressed else payload)
        except (binascii.Error, ValueError):
            raise InvalidCookie("malformed") from None
        if compressed:
            raw = inflate(raw, self._max_raw, wbits=zlib.MAX_WBITS)
        elif len(raw) > self._max_raw:
            raise InvalidCookie("too large")
        return parse_data(raw, self._serializer, self._max_depth)
