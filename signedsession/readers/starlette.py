"""Reads session cookies issued by Starlette's ``SessionMiddleware``.

Starlette signs the standard-base64 JSON of the session with itsdangerous'
``TimestampSigner`` and the secret as given (``str(secret_key)``; default
salt, ``django-concat`` key derivation, HMAC-SHA1): the value is
``base64(json).timestamp.signature``. Listed in
``SessionSettings(migrate_from=...)`` (the ASGI
:class:`~signedsession.asgi.SessionMiddleware` lists it when built from
Starlette's keywords), this reader lets users carry such a cookie over: it
loads once, with no session id, and the store re-issues it in
signedsession's format.
"""

from __future__ import annotations

import binascii
from base64 import b64decode

from itsdangerous import BadData, TimestampSigner

from .. import _clock
from .._codec import Decoded, new_session_id, parse_data
from ..exceptions import InvalidCookie
from ..serializers import JSONSerializer
from ..settings import SessionSettings

__all__ = ["StarletteCookieReader"]


class StarletteCookieReader:
    """Verifies and decodes a Starlette session cookie for ``settings``.

    Keys are tried in the order ``secret_key``, then each of
    ``fallback_keys``. ``max_age`` (None: no limit, as in Starlette) and
    ``clock_skew`` are enforced against the cookie's signed timestamp.

    .. versionadded:: 0.1
    """

    def __init__(self, settings: SessionSettings) -> None:
        keys = (*reversed(settings.fallback_keys), settings.secret_key)
        # itsdangerous tries the last key first.
        self._signer = TimestampSigner(
            [key.encode() if isinstance(key, str) else key for key in keys]
        )
        self._serializer = JSONSerializer()
        self._max_age = settings.max_age
        self._skew = settings.clock_skew
        self._max_raw = settings.max_decompressed_size
        self._max_depth = settings.max_json_depth

    def loads(self, value: str) -> Decoded:
        """Verify and decode ``value``; ``key_index`` -1 marks it as Starlette's.

        :raises InvalidCookie: with the reason, never the value.
        """
        try:
            payload, stamp = self._signer.unsign(value, return_timestamp=True)
        except BadData:
            raise InvalidCookie("bad signature") from None
        issued = int(stamp.timestamp())
        now = _clock.time()
        if issued > now + self._skew:
            raise InvalidCookie("timestamp in the future")
        if self._max_age is not None and now - issued > self._max_age:
            raise InvalidCookie("expired")
        # Base64 is 4/3 of the data: a payload over the cap is too large.
        if len(payload) > self._max_raw * 4 // 3 + 4:
            raise InvalidCookie("too large")
        try:
            raw = b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidCookie("malformed") from None
        data = parse_data(raw, self._serializer, self._max_depth)
        return Decoded(data, new_session_id(), issued, issued, -1)
