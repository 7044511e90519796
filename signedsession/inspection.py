"""What a session cookie says about itself: data, times, size, signing key.

Shared by ``signedsession inspect`` and the demo's pages.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, NamedTuple

from . import _clock
from ._codec import DICTIONARY, Codec
from ._headers import CookieHeaders
from .revocation import BackendError, backend_of
from .settings import SessionSettings

__all__ = [
    "COMPACT_DICTIONARY",
    "Inspection",
    "expiry_of",
    "human_duration",
    "inspect_cookie",
    "is_encrypted",
    "iso",
    "key_label",
    "to_json",
]


#: The preset DEFLATE dictionary of compact values whose marker is ``^`` or
#: ``:`` (docs/format.rst): what another implementation of the format needs.
COMPACT_DICTIONARY: bytes = DICTIONARY


class Inspection(NamedTuple):
    """What a verified cookie value says about itself."""

    data: dict[str, Any]
    session_id: str
    #: 0: the current secret key; n: the n-th fallback key; -1: foreign format.
    key_index: int
    #: Whether the value is encrypted (``encrypt=True``'s format).
    encrypted: bool
    created: datetime
    issued: datetime
    #: When the server stops accepting it; None if it never expires.
    expires: datetime | None
    #: Seconds since it was issued.
    age: int
    #: Length of the ``Set-Cookie`` header value that carries it.
    size: int
    #: The size limit, ``max_cookie_size``.
    limit: int
    #: Whether the revocation backend refuses it; None when not asked (no
    #: ``revocations`` in the settings) or when it could not answer.
    revoked: bool | None = None

    @property
    def key_label(self) -> str:
        """Which key verified the cookie, in words."""
        return key_label(self.key_index)


def key_label(key_index: int | None) -> str:
    """``key_index`` in words: "current key", "fallback key 2"..."""
    if key_index is None:
        return "none (new session)"
    if key_index == 0:
        return "current key"
    if key_index < 0:
        return "another library's format (migrated)"
    return f"fallback key {key_index}"


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


def expiry_of(
    data: dict[str, Any], *, created: int, issued: int, settings: SessionSettings
) -> datetime | None:
    """When a cookie issued at ``issued`` stops verifying, by the codec's rules.

    A per-session expiry (``set_expiry``) wins over ``max_age``;
    ``absolute_max_age`` caps both.

    :raises InvalidCookie: "malformed" for a stored expiry that is none (the
        codec rejects such a cookie before it can be inspected).
    """
    moment = Codec.of(settings).expires_at(data, created=created, issued=issued)
    return None if moment is None else _moment(moment)


def is_encrypted(value: str) -> bool:
    """Whether ``value`` is in the encrypted format, authentic or not."""
    return Codec.is_encrypted(value)


def inspect_cookie(value: str, settings: SessionSettings) -> Inspection:
    """Verify (or decrypt) ``value`` with ``settings`` and describe it.

    Both formats are read whatever ``settings.encrypt`` says.

    :raises InvalidCookie: with the reason it was rejected.
    """
    decoded = Codec.of(settings).loads(value)
    max_age = None if settings.expire_at_browser_close else settings.max_age
    return Inspection(
        data=decoded.data,
        session_id=decoded.session_id,
        key_index=decoded.key_index,
        encrypted=decoded.encrypted,
        created=_moment(decoded.created),
        issued=_moment(decoded.issued),
        expires=expiry_of(
            decoded.data,
            created=decoded.created,
            issued=decoded.issued,
            settings=settings,
        ),
        age=int(_clock.time()) - decoded.issued,
        size=CookieHeaders.of(settings).size(value, max_age),
        limit=settings.max_cookie_size,
        revoked=_is_revoked(
            decoded.data, decoded.session_id, decoded.created, settings
        ),
    )


def _is_revoked(
    data: dict[str, Any], session_id: str, created: int, settings: SessionSettings
) -> bool | None:
    revocations = backend_of(settings)
    if revocations is None:
        return None
    user = None if settings.user_key is None else data.get(settings.user_key)
    try:
        return revocations.is_revoked(
            session_id, None if user is None else str(user), created
        )
    except BackendError:
        return None


def human_duration(seconds: float) -> str:
    """``seconds`` as "13 d 23 h", "4 min 2 s" or "0 s"."""
    seconds = int(abs(seconds))
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size} {unit}")
            seconds %= size
    return " ".join(parts[:2]) or "0 s"


def iso(moment: datetime) -> str:
    """``moment`` as ``2027-01-15T08:00:00Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _json_default(value: object) -> Any:
    # Tagged data holds types JSON lacks; show them plainly, not fail.
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    return str(value)


def to_json(data: object, *, indent: int | None = 2) -> str:
    """``data`` as JSON; values JSON lacks (datetime, bytes...) as strings."""
    return json.dumps(
        data, indent=indent, ensure_ascii=False, sort_keys=True, default=_json_default
    )
