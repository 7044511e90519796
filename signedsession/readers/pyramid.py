"""Reads cookies issued by Pyramid's ``SignedCookieSessionFactory``.

Pyramid (through WebOb's ``SignedSerializer``) stores a session as the
unpadded URL-safe base64 of ``HMAC(salt + secret, payload) + payload``,
where ``payload`` is the serialized list ``[renewed, created, state]``:
``renewed`` is when the cookie was last issued, ``created`` when the session
began (both Unix seconds, possibly fractional) and ``state`` the data. The
HMAC uses SHA-512 and the salt ``"pyramid.session."`` unless configured
otherwise.

:class:`PyramidCookieReader` plugs into ``SessionSettings.migrate_from`` so
that such a cookie is accepted once and re-issued in signedsession's format:
switching from Pyramid's factory logs nobody out.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import math
from base64 import urlsafe_b64decode
from functools import partial
from typing import Any, Callable, Union

from .. import _clock
from .._codec import Decoded, is_too_deep, new_session_id
from ..exceptions import InvalidCookie
from ..settings import Serializer, SessionSettings

__all__ = ["DEFAULT_HASHALG", "DEFAULT_SALT", "PyramidCookieReader"]

#: The salt of Pyramid's ``SignedCookieSessionFactory``.
DEFAULT_SALT = "pyramid.session."
#: The digest of Pyramid's ``SignedCookieSessionFactory``.
DEFAULT_HASHALG = "sha512"

_Text = Union[str, bytes]


def _encode(text: _Text, encoding: str) -> bytes:
    return text.encode(encoding) if isinstance(text, str) else text


def _salted_secret(salt: _Text, secret: _Text) -> bytes:
    # WebOb's rule: Latin-1 when both encode that way, else UTF-8 for both.
    try:
        return _encode(salt, "latin-1") + _encode(secret, "latin-1")
    except UnicodeEncodeError:
        return _encode(salt, "utf-8") + _encode(secret, "utf-8")


def _digest_size(hashalg: str) -> int:
    try:
        return hashlib.new(hashalg).digest_size
    except (ValueError, TypeError):
        raise ValueError(
            f"hashalg must be a digest name hashlib knows, got {hashalg!r}"
        ) from None


class PyramidCookieReader:
    """Verifies and decodes a ``SignedCookieSessionFactory`` cookie value.

    Tries ``secret_key`` and then each of ``fallback_keys``; checks the
    cookie's ``renewed`` time against ``max_age`` (Pyramid's ``timeout``)
    and ``clock_skew``, and its ``created`` time against
    ``absolute_max_age``. The result has a fresh session id and
    ``key_index`` -1, so the store re-issues it in signedsession's format.

    Use the class itself as a ``migrate_from`` entry for Pyramid's defaults,
    or :meth:`configured` for a custom salt, digest or serializer.

    :param settings: the settings whose keys and limits apply.
    :param salt: the ``salt`` given to Pyramid's factory.
    :param hashalg: the ``hashalg`` given to Pyramid's factory.
    :param serializer: the ``serializer`` given to Pyramid's factory;
        ``settings.serializer`` when None.
    :raises ValueError: ``hashalg`` is not a digest :mod:`hashlib` knows.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        settings: SessionSettings,
        *,
        salt: _Text = DEFAULT_SALT,
        hashalg: str = DEFAULT_HASHALG,
        serializer: Serializer | None = None,
    ) -> None:
        self._size = _digest_size(hashalg)
        self._macs = tuple(
            hmac.new(_salted_secret(salt, key), digestmod=hashalg)
            for key in (settings.secret_key, *settings.fallback_keys)
        )
        self._serializer = serializer or settings.serializer
        self._max_depth = settings.max_json_depth
        self._max_age = settings.max_age
        self._absolute_max_age = settings.absolute_max_age
        self._skew = settings.clock_skew

    @classmethod
    def configured(
        cls,
        *,
        salt: _Text = DEFAULT_SALT,
        hashalg: str = DEFAULT_HASHALG,
        serializer: Serializer | None = None,
    ) -> Callable[[SessionSettings], PyramidCookieReader]:
        """A ``migrate_from`` entry reading cookies made with these options."""
        _digest_size(hashalg)  # fail at configuration, not on the first request
        return partial(cls, salt=salt, hashalg=hashalg, serializer=serializer)

    def loads(self, value: str) -> Decoded:
        """Verify and decode ``value``; ``key_index`` -1 marks it foreign.

        :raises InvalidCookie: with the reason, never the value.
        """
        body = value.rstrip("=")
        try:
            raw = urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            raise InvalidCookie("bad signature") from None  # nothing signed
        if len(raw) <= self._size:
            raise InvalidCookie("bad signature")  # too short to hold one
        signature, payload = raw[: self._size], raw[self._size :]
        for mac in self._macs:
            mac = mac.copy()
            mac.update(payload)
            if hmac.compare_digest(mac.digest(), signature):
                break
        else:
            raise InvalidCookie("bad signature")

        # [renewed, created, state]: the state one level below the top.
        if is_too_deep(payload, self._max_depth + 1):
            raise InvalidCookie("too deeply nested")
        try:
            renewed, created, state = self._serializer.loads(payload)
            renewed = float(renewed)
            created = float(created)
        except (ValueError, TypeError, OverflowError, RecursionError):
            raise InvalidCookie("malformed") from None
        if not (
            isinstance(state, dict)
            and math.isfinite(renewed)
            and math.isfinite(created)
        ):
            raise InvalidCookie("malformed")

        now = _clock.time()
        if max(renewed, created) > now + self._skew:
            raise InvalidCookie("timestamp in the future")
        if self._max_age is not None and now - renewed > self._max_age:
            raise InvalidCookie("expired")
        if (
            self._absolute_max_age is not None
            and now - created > self._absolute_max_age
        ):
            raise InvalidCookie("expired")
        issued = int(renewed)
        data: dict[str, Any] = state
        return Decoded(data, new_session_id(), min(int(created), issued), issued, -1)
