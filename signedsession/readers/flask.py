"""Reads session cookies issued by Flask's default session interface.

Flask's ``SecureCookieSessionInterface`` signs with itsdangerous'
``URLSafeTimedSerializer``: salt ``"cookie-session"``, HMAC-SHA1, ``hmac``
key derivation and Flask's tagged JSON. Its value is
``payload.timestamp.signature``, the payload prefixed with ``.`` when it is
zlib-compressed. Listed in ``SessionSettings(migrate_from=...)``, this reader
lets users carry such a cookie over: it loads once, with no session id, and
the store re-issues it in signedsession's format.
"""

from __future__ import annotations

import hashlib
import zlib
from typing import Any

from itsdangerous import BadData, Signer
from itsdangerous.encoding import base64_decode, bytes_to_int

from .. import _clock
from .._codec import Decoded, inflate, new_session_id, parse_data
from ..exceptions import InvalidCookie
from ..serializers import TaggedJSONSerializer
from ..settings import SessionSettings

__all__ = ["FlaskCookieReader"]

#: The salt of Flask's ``SecureCookieSessionInterface``.
FLASK_SALT = "cookie-session"


class FlaskCookieReader:
    """Verifies and decodes a Flask session cookie for ``settings``.

    Keys are tried in the order ``secret_key``, then each of
    ``fallback_keys``; they are derived once, here. ``max_age`` and
    ``clock_skew`` are enforced against the cookie's signed timestamp.

    .. versionadded:: 0.1
    """

    def __init__(self, settings: SessionSettings) -> None:
        derived = [
            Signer(
                key, salt=FLASK_SALT, key_derivation="hmac", digest_method=hashlib.sha1
            ).derive_key()
            for key in (*reversed(settings.fallback_keys), settings.secret_key)
        ]
        # itsdangerous tries the last key first; the keys are derived already.
        self._signer = Signer(
            derived, key_derivation="none", digest_method=hashlib.sha1
        )
        self._serializer = TaggedJSONSerializer()
        self._max_age = settings.max_age
        self._skew = settings.clock_skew
        self._max_raw = settings.max_decompressed_size
        self._max_depth = settings.max_json_depth

    def loads(self, value: str) -> Decoded:
        """Verify and decode ``value``; ``key_index`` -1 marks it as Flask's.

        :raises InvalidCookie: with the reason, never the value.
        """
        try:
            payload, _, stamp = self._signer.unsign(value).rpartition(b".")
            issued = bytes_to_int(base64_decode(stamp))
        except BadData:
            raise InvalidCookie("bad signature") from None
        now = _clock.time()
        if issued > now + self._skew:
            raise InvalidCookie("timestamp in the future")
        if self._max_age is not None and now - issued > self._max_age:
            raise InvalidCookie("expired")
        data = self._decode_payload(payload)
        return Decoded(data, new_session_id(), issued, issued, -1)

    def _decode_payload(self, payload: bytes) -> dict[str, Any]:
        compressed = payload[:1] == b"."
        try:
            raw = base64_decode(payload[1:] if compressed else payload)
        except BadData:
            raise InvalidCookie("malformed") from None
        if compressed:
            raw = inflate(raw, self._max_raw, wbits=zlib.MAX_WBITS)
        elif len(raw) > self._max_raw:
            raise InvalidCookie("too large")
        return parse_data(raw, self._serializer, self._max_depth)
