"""Set-Cookie headers for the session cookie, built with werkzeug."""

from __future__ import annotations

import re
import sys
from datetime import datetime, timedelta

from werkzeug.http import dump_cookie
from werkzeug.sansio.http import parse_cookie as _werkzeug_parse_cookie

from . import clock
from .settings import SessionSettings

__all__ = ["CookieFormat"]

# werkzeug's cookie grammar (werkzeug.sansio.http._cookie_re), with the
# quoted value's loop made possessive. A quoted value has one possible end,
# so this matches exactly what werkzeug matches, but the regex engine no
# longer keeps a backtracking entry per character: an unterminated quote in
# a 100 KB header cost about 20 MB of transient memory. Python 3.11+ (older
# versions have no possessive quantifiers and use werkzeug's parser).
_COOKIE = re.compile(
    r"""[ \t]*([^ \t=";]+)"""
    r"""(?:[ \t]*=[ \t]*("(?:[^\\"]|\\.)*"""
    + ("+" if sys.version_info >= (3, 11) else "")
    + r""""|[^ \t";]*))?"""
    r"""[ \t]*(?:;|\Z)""",
    flags=re.ASCII,
)
_UNSLASH = re.compile(rb"\\([0-3][0-7]{2}|.)")


def _unslash(match: re.Match[bytes]) -> bytes:
    escaped = match.group(1)
    return escaped if len(escaped) == 1 else int(escaped, 8).to_bytes(1, "big")


def parse_cookie(header: str, name: str) -> list[str]:
    """Every value of cookie ``name`` in ``header``, in order.

    The same values as werkzeug's ``parse_cookie(header).getlist(name)``, in
    linear time and memory.
    """
    if sys.version_info < (3, 11):  # pragma: no cover
        return _werkzeug_parse_cookie(header).getlist(name)
    values: list[str] = []
    pos = 0
    while True:
        match = _COOKIE.match(header, pos)
        if match is None:
            # Skip invalid characters until the next semicolon, as werkzeug.
            pos = header.find(";", pos) + 1
            if pos == 0:
                return values
            continue
        pos = match.end()
        if match.group(1) != name:
            continue
        value = match.group(2) or ""
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = _UNSLASH.sub(_unslash, value[1:-1].encode()).decode(
                errors="replace"
            )
        values.append(value)


class CookieFormat:
    """The session cookie's ``Set-Cookie`` values for one settings object."""

    def __init__(self, settings: SessionSettings) -> None:
        self.name = settings.cookie_name
        self._settings = settings

    @classmethod
    def of(cls, settings: SessionSettings) -> CookieFormat:
        """The cookie format of ``settings``, built once and kept with them."""
        try:
            return settings.__dict__["_cookie_format"]  # type: ignore[no-any-return]
        except KeyError:
            fmt = cls(settings)
            object.__setattr__(settings, "_cookie_format", fmt)
            return fmt

    def values(self, header: str) -> list[str]:
        """Every value of the session cookie in a ``Cookie`` header, in order."""
        if self.name not in header:
            return []
        return parse_cookie(header, self.name)

    def set_cookie(self, value: str, max_age: int | None, *, secure: bool) -> str:
        """The ``Set-Cookie`` value that stores ``value``.

        :param max_age: seconds the browser keeps it; None for a cookie that
            ends with the browser session.
        """
        settings = self._settings
        expires: datetime | None = None
        if max_age is not None:
            expires = clock.now() + timedelta(seconds=max_age)
        return dump_cookie(
            self.name,
            value,
            max_age=max_age,
            expires=expires,
            path=settings.path,
            domain=settings.domain,
            secure=secure,
            httponly=settings.httponly,
            samesite=settings.samesite,
            partitioned=settings.partitioned,
            max_size=0,
        )

    def delete_cookie(self, *, secure: bool) -> str:
        """The ``Set-Cookie`` value that removes the cookie.

        It carries every attribute of the cookie it replaces, or browsers
        would keep the original.
        """
        settings = self._settings
        return dump_cookie(
            self.name,
            "",
            max_age=0,
            expires=0,
            path=settings.path,
            domain=settings.domain,
            secure=secure,
            httponly=settings.httponly,
            samesite=settings.samesite,
            partitioned=settings.partitioned,
        )

    def size(self, value: str, max_age: int | None) -> int:
        """Length of the ``Set-Cookie`` value for ``value`` on https.

        Counted with ``Secure``, the longest form, so a cookie that fits
        fits on every scheme.
        """
        return len(self.set_cookie(value, max_age, secure=True))
