"""Set-Cookie headers for the session cookie, built with werkzeug."""

from __future__ import annotations

import re
import sys
from datetime import datetime, timedelta, timezone

from werkzeug.http import dump_cookie, http_date
from werkzeug.sansio.http import parse_cookie as _werkzeug_parse_cookie

from . import _clock
from .settings import SessionSettings

__all__ = ["CookieHeaders"]

# Values of these characters only (every value the codec makes) are never
# quoted by dump_cookie: a subset of werkzeug's unquoted set.
_PLAIN_VALUE = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-"
_EXPIRES_MARK = "\x00"
_MAX_TEMPLATES = 64
# http_date always writes "Sun, 06 Nov 1994 08:49:37 GMT" (years 1-9999).
_HTTP_DATE_LENGTH = 29

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


def _is_plain(value: str) -> bool:
    # Deleting the allowed bytes beats a regex (docs/performance.rst).
    return value.isascii() and not value.encode("ascii").translate(None, _PLAIN_VALUE)


def _moment(now: float, max_age: int) -> datetime:
    """``_clock.now() + max_age`` seconds, for the instant ``now``."""
    return datetime.fromtimestamp(now, timezone.utc) + timedelta(seconds=max_age)


class CookieHeaders:
    """The session cookie's ``Set-Cookie`` values for one settings object."""

    def __init__(self, settings: SessionSettings) -> None:
        self.name = settings.cookie_name
        self._settings = settings
        # dump_cookie's output split around the value and the Expires date,
        # per (max_age, secure), and the deletion header per secure: the
        # attributes are formatted by dump_cookie once, not per request.
        self._templates: dict[tuple[int | None, bool], tuple[str, str, str]] = {}
        self._deletes: dict[bool, str] = {}
        self._expires: tuple[int, str] | None = None
        #: ``settings.is_secure(https)``, indexed by ``https``: decided once.
        self.secure_on = (settings.is_secure(False), settings.is_secure(True))

    @classmethod
    def of(cls, settings: SessionSettings) -> CookieHeaders:
        """The cookie headers of ``settings``, built once and kept with them."""
        return settings.derived(cls)

    def values(self, header: str) -> list[str]:
        """Every value of the session cookie in a ``Cookie`` header, in order."""
        name = self.name
        if name not in header:
            return []
        if '"' in header:
            return parse_cookie(header, name)
        # Without quotes, werkzeug's grammar comes down to a split on ";": a
        # part is "key" or "key=value" with spaces or tabs around each, none
        # inside the value; any other part is skipped.
        values = []
        for part in header.split(";"):
            key, _, value = part.partition("=")
            if key.strip(" \t") == name:
                value = value.strip(" \t")
                if " " not in value and "\t" not in value:
                    values.append(value)
        return values

    def set_cookie(self, value: str, max_age: int | None, *, secure: bool) -> str:
        """The ``Set-Cookie`` value that stores ``value``.

        Byte for byte what :func:`werkzeug.http.dump_cookie` returns: a
        value that dump_cookie would quote goes through dump_cookie itself;
        any other is put into dump_cookie's own output for these attributes
        (made once), with the Expires date formatted by werkzeug's
        ``http_date`` as dump_cookie does (once per second).

        :param max_age: seconds the browser keeps it; None for a cookie that
            ends with the browser session.
        """
        now = 0.0 if max_age is None else _clock.time()
        template = self._template(max_age, secure=secure) if _is_plain(value) else None
        if template is None:  # quoted, or attributes that hold the mark
            expires = None if max_age is None else _moment(now, max_age)
            return self._dump(value, max_age, expires, secure=secure)
        head, before, after = template
        if max_age is None:
            return head + value + before
        return head + value + before + self._http_date(now, max_age) + after

    def _dump(
        self,
        value: str,
        max_age: int | None,
        expires: datetime | str | int | None,
        *,
        secure: bool,
    ) -> str:
        settings = self._settings
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

    def _template(
        self, max_age: int | None, *, secure: bool
    ) -> tuple[str, str, str] | None:
        template = self._templates.get((max_age, secure))
        if template is not None:
            return template
        # An empty value is never quoted, and dump_cookie inserts a str
        # Expires verbatim: the mark shows where each request's date goes.
        text = self._dump(
            "", max_age, None if max_age is None else _EXPIRES_MARK, secure=secure
        )
        if text.count(_EXPIRES_MARK) != (max_age is not None):
            return None
        head, _, rest = text.partition("=")
        before, _, after = rest.partition(_EXPIRES_MARK)
        if len(self._templates) >= _MAX_TEMPLATES:  # per-session expiries vary
            self._templates.clear()
        template = self._templates[max_age, secure] = (head + "=", before, after)
        return template

    def _http_date(self, now: float, max_age: int) -> str:
        # The date of _clock.now() + max_age, formatted once per second. Near
        # the end of a second _clock.now() may round into the next one, so
        # those instants skip the cache.
        second = int(now)
        key = second + max_age if now - second < 0.999999 else None
        last = self._expires
        if key is not None and last is not None and last[0] == key:
            return last[1]
        text = http_date(_moment(now, max_age))
        if key is not None:
            self._expires = (key, text)
        return text

    def delete_cookie(self, *, secure: bool) -> str:
        """The ``Set-Cookie`` value that removes the cookie.

        It carries every attribute of the cookie it replaces, or browsers
        would keep the original.
        """
        text = self._deletes.get(secure)
        if text is None:  # the same every time: Expires is 1970
            text = self._deletes[secure] = self._dump("", 0, 0, secure=secure)
        return text

    def size(self, value: str, max_age: int | None) -> int:
        """Length of the ``Set-Cookie`` value for ``value`` on https.

        Counted with ``Secure``, the longest form, so a cookie that fits
        fits on every scheme.
        """
        if _is_plain(value):
            template = self._template(max_age, secure=True)
            if template is not None:  # counted without formatting the date
                head, before, after = template
                date = 0 if max_age is None else _HTTP_DATE_LENGTH
                return len(head) + len(value) + len(before) + date + len(after)
        return len(self.set_cookie(value, max_age, secure=True))
