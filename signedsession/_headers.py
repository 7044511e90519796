"""Set-Cookie headers for the session cookie, built with werkzeug."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

from werkzeug.http import dump_cookie, http_date
from werkzeug.sansio.http import parse_cookie as _werkzeug_parse_cookie

from . import _clock
from .settings import MAX_CHUNKS, SessionSettings

__all__ = ["CHUNK_MARK", "CookieHeaders", "parse_cookie"]

# Values of these characters only (every value the codec makes) are never
# quoted by dump_cookie: a subset of werkzeug's unquoted set.
# "$", "^", "|", ":" and "!" open a value (docs/format.rst), "*" a chunked
# one (CHUNK_MARK); werkzeug leaves them all unquoted, as the rest.
_PLAIN_VALUE = (
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-!*$^|:"
)
#: Opens the first cookie of a session split over several (``max_chunks``):
#: ``*``, the number of cookies (one digit), ``*``. No value of any format
#: the codec writes or reads starts with it (docs/format.rst).
CHUNK_MARK = "*"
# The counts a marker may give; the settings' max_chunks bounds them further.
_COUNTS = frozenset("23456789")
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
    return [_value(match) for match in _matches(header) if match.group(1) == name]


def _matches(header: str) -> Iterator[re.Match[str]]:
    """Every ``name=value`` of a ``Cookie`` header in werkzeug's grammar."""
    pos = 0
    while True:
        match = _COOKIE.match(header, pos)
        if match is None:
            # Skip invalid characters until the next semicolon, as werkzeug.
            pos = header.find(";", pos) + 1
            if pos == 0:
                return
            continue
        pos = match.end()
        yield match


def _value(match: re.Match[str]) -> str:
    """The value of one of :func:`_matches`, unquoted as werkzeug does."""
    value = match.group(2) or ""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = _UNSLASH.sub(_unslash, value[1:-1].encode()).decode(errors="replace")
    return value


def _pairs(header: str) -> list[tuple[str, str]]:
    """Every ``(name, value)`` of a ``Cookie`` header, in order, read as
    :func:`parse_cookie` reads one name's values."""
    if '"' in header or sys.version_info < (3, 11):
        return [(match.group(1), _value(match)) for match in _matches(header)]
    pairs: list[tuple[str, str]] = []
    for part in header.split(";"):
        key, _, value = part.partition("=")
        value = value.strip(" \t")
        if " " not in value and "\t" not in value:
            pairs.append((key.strip(" \t"), value))
    return pairs


def _is_plain(value: str) -> bool:
    # Deleting the allowed bytes beats a regex (docs/performance.rst).
    return value.isascii() and not value.encode("ascii").translate(None, _PLAIN_VALUE)


def _moment(now: float, max_age: int) -> datetime:
    """``_clock.now() + max_age`` seconds, for the instant ``now``."""
    return datetime.fromtimestamp(now, timezone.utc) + timedelta(seconds=max_age)


class CookieHeaders:
    """The session cookie's ``Set-Cookie`` values for one settings object."""

    def __init__(self, settings: SessionSettings, *, name: str | None = None) -> None:
        #: The cookie's name: ``cookie_name``, or a chunk's ``cookie_name.i``.
        self.name = settings.cookie_name if name is None else name
        self._settings = settings
        #: Whether a session may be split over several cookies.
        self.chunked = settings.max_chunks > 1
        self._max_chunks = settings.max_chunks
        # The chunk cookies' own headers, by index (1 to MAX_CHUNKS - 1).
        self._pieces: dict[int, CookieHeaders] = {}
        self._piece_names = {
            f"{self.name}.{index}": index for index in range(1, MAX_CHUNKS)
        }
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

    def piece(self, index: int) -> CookieHeaders:
        """The headers of chunk cookie ``index`` (``cookie_name.index``)."""
        headers = self._pieces.get(index)
        if headers is None:
            name = f"{self.name}.{index}"
            headers = self._pieces[index] = CookieHeaders(self._settings, name=name)
        return headers

    def pieces(self, header: str) -> dict[int, list[str]]:
        """The values of every chunk cookie in a ``Cookie`` header, by index.

        Only ``cookie_name.1`` to ``cookie_name.7`` (the most a session can
        use, see :data:`~signedsession.settings.MAX_CHUNKS`) are kept, each
        index with every value it came with: any other cookie costs a look-up
        in one pass over the header.
        """
        if self.name + "." not in header:
            return {}
        names = self._piece_names
        found: dict[int, list[str]] = {}
        for key, value in _pairs(header):
            index = names.get(key)
            if index is not None:
                found.setdefault(index, []).append(value)
        return found

    def join(self, first: str, pieces: dict[int, list[str]]) -> tuple[str, str | None]:
        """The value split over ``first`` (marked) and its chunk cookies.

        :returns: the value and None; or ``first`` and why it is refused:
            ``"malformed"`` (a marker other than ``*2*`` to ``*9*``),
            ``"too many chunks"`` (over ``max_chunks``), ``"chunk missing"``
            or ``"chunk duplicated"`` (one of ``cookie_name.1`` to
            ``.{count - 1}`` is absent, or came twice). Chunks past the
            count are not read: a stale one is deleted by the next save.
        """
        if len(first) < 4 or first[2] != CHUNK_MARK or first[1] not in _COUNTS:
            return first, "malformed"
        count = int(first[1])
        if count > self._max_chunks:
            return first, "too many chunks"
        parts = [first[3:]]
        for index in range(1, count):
            values = pieces.get(index)
            if values is None:
                return first, "chunk missing"
            if len(values) > 1:
                return first, "chunk duplicated"
            parts.append(values[0])
        return "".join(parts), None

    def split(self, value: str, max_age: int | None) -> tuple[str, ...] | None:
        """The values of the cookies that carry ``value`` when one cannot.

        As few as fit: the first (``cookie_name``) is the marker ``*k*``
        and as much of ``value`` as its ``Set-Cookie`` holds within
        ``max_cookie_size``, each next one (``cookie_name.1``, ...) as much
        of the rest. None when ``max_chunks`` cookies cannot hold it.
        """
        if not _is_plain(value):
            return None
        limit = self._settings.max_cookie_size
        rooms = [limit - self.size("", max_age) - 3]  # 3: the marker
        rooms += [
            limit - self.piece(index).size("", max_age)
            for index in range(1, self._max_chunks)
        ]
        if min(rooms) < 1:
            return None
        chunks: list[str] = []
        start = 0
        for room in rooms:
            if start >= len(value):
                break
            chunks.append(value[start : start + room])
            start += room
        if start < len(value):
            return None
        chunks[0] = f"{CHUNK_MARK}{len(chunks)}{CHUNK_MARK}{chunks[0]}"
        return tuple(chunks)

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
