"""SessionStore: Django's signed-cookie session, made stricter."""

from __future__ import annotations

import warnings
from collections.abc import (
    Callable,
    ItemsView,
    Iterator,
    KeysView,
    MutableMapping,
    ValuesView,
)
from functools import partial
from operator import attrgetter
from typing import Any, NamedTuple

from . import _clock
from ._codec import EXPIRY_KEY, Codec, new_session_id, parse_expiry
from ._expiry import ExpiryMethods
from ._headers import CHUNK_MARK, CookieHeaders
from ._security_log import log_rejection
from .exceptions import InvalidCookie, SessionTooLarge
from .revocation import CHECKED, REVOKED, UNCHECKED, backend_of
from .settings import Decoded, SessionSettings

__all__ = ["ResponseCookie", "SessionStore"]

_MISSING: Any = object()
_new_object = object.__new__
_new_tuple = tuple.__new__
# Values that no code can change in place: a session holding only these, and
# never marked modified, is what its verified payload says.
_IMMUTABLE = frozenset({str, int, float, bool, type(None)})


class ResponseCookie(NamedTuple):
    """What a response does with the session cookie: set or delete it."""

    #: The cookie value to set; None to delete the cookie.
    value: str | None
    #: Seconds the browser keeps it; None for a browser-session cookie.
    max_age: int | None = None
    #: The values of ``cookie_name``, ``cookie_name.1``, ... when ``value``
    #: is split over several cookies (``max_chunks``); empty for one cookie.
    chunks: tuple[str, ...] = ()
    #: The indices ``i`` of the ``cookie_name.i`` cookies to delete: chunks
    #: the request carried that this response does not set.
    stale: tuple[int, ...] = ()


_DELETE = ResponseCookie(None)


class SessionStore(ExpiryMethods, MutableMapping[str, Any]):
    """A session whose data lives in a signed cookie value.

    Follows Django's ``signed_cookies.SessionStore`` method for method, and
    is a :class:`~collections.abc.MutableMapping`: it compares equal to a
    dict with the same items, as Flask's and Pyramid's sessions (dicts) do.
    The cookie is verified and decoded on first access, never before. An
    invalid, tampered, expired or undecodable cookie gives an empty new
    session and one warning on the ``signedsession.security`` logger.

    :param session_key: the incoming cookie value, or None.
    :param settings: the application's settings.

    .. versionadded:: 0.1
    """

    TEST_COOKIE_NAME = "testcookie"
    TEST_COOKIE_VALUE = "worked"

    #: Any read or write touched the data.
    accessed = False
    #: Why the incoming cookie was rejected, or None.
    rejected: str | None = None
    #: Whether the request carried a cookie of this name at all; known once
    #: the data is loaded, cleared or deleted (the header is parsed lazily).
    had_cookie = False
    # Class-level defaults keep the constructor to a few assignments: a
    # request that never touches its session pays for nothing more.
    _modified = False
    #: The response headers are decided: a later change warns, since it
    #: cannot reach the client. Front doors set it (or call :meth:`seal`).
    sealed = False
    _session_cache: dict[str, Any] | None = None
    _session_id: str | None = None
    _created: int | None = None
    _issued: int | None = None
    _key_index: int | None = None
    _encrypted = False
    # The revocation backend was asked about this cookie: re-issue it, so
    # that its signed issued time records the check.
    _rechecked = False
    # The cookie came in a form this codec no longer writes (the other
    # cookie_format, or encrypt switched): Codec.rewrites, asked at load.
    _outdated = False
    # The verified encoded data behind _session_cache, while nothing marked
    # it modified: save() signs it again instead of serializing the data.
    _payload: bytes | None = None
    _header: str | None = None
    _candidates: tuple[str, ...] = ()
    # The Max-Age the last save() checked the size with: the header's.
    _saved_max_age: int | None = None
    # The incoming or saved cookie value (see _session_key).
    _cookie_value: str | None = None
    # With max_chunks > 1: the chunk cookies (cookie_name.i) the request
    # carried, why its chunks could not be joined, and the chunks of the
    # last save (empty: one cookie).
    _carried: tuple[int, ...] = ()
    _chunk_rejection: str | None = None
    _saved_chunks: tuple[str, ...] = ()

    def __init__(
        self, session_key: str | None = None, *, settings: SessionSettings
    ) -> None:
        self.settings = settings
        if session_key is not None:  # None is the class default
            self._session_key = session_key
            self.had_cookie = True

    @property
    def _codec(self) -> Codec:
        # Looked up on first load or save, not per request: a session that
        # is never touched costs its construction only.
        return self.settings.derived(Codec)

    def _set_modified(self, value: bool) -> None:
        if value and self.sealed:
            warnings.warn(
                "the session was modified after the response headers were"
                " sent; this change cannot reach the client",
                RuntimeWarning,
                stacklevel=3,
            )
        if value:
            self._payload = None
        self._modified = value

    # Read by every front door on every response, touched or not: a C-level
    # getter instead of a function (see docs/performance.rst).
    modified: bool = property(  # type: ignore[assignment]
        attrgetter("_modified"),
        _set_modified,
        doc="The data changed and must be saved.",
    )

    def seal(self, sealed: bool = True) -> None:
        """Warn on any later change: the response headers are decided."""
        self.sealed = sealed

    @staticmethod
    def prepare(settings: SessionSettings) -> None:
        """Build what loading and saving need for ``settings`` now, not on a
        request: the codec (a bad ``migrate_from`` reader fails here), the
        cookie headers and the revocation backend a URL names.
        """
        Codec.of(settings)
        CookieHeaders.of(settings)
        backend_of(settings)

    @classmethod
    def from_cookie_header(
        cls, header: str | None, *, settings: SessionSettings
    ) -> SessionStore:
        """A session for a request's ``Cookie`` header, parsed on first use.

        When the header holds several cookies of our name (a stale one left
        by an earlier ``Domain`` or ``Path`` beside the current one), the one
        signed most recently wins, the first of equals (at most
        :attr:`MAX_CANDIDATES` are tried).
        """
        if cls.__init__ is SessionStore.__init__:
            # What __init__ would do for no key, without the call: this runs
            # for every request, touched or not.
            store = _new_object(cls)
            store.settings = settings
        else:
            store = cls(None, settings=settings)
        if header:
            store._header = header
        return store

    @classmethod
    def opener(cls, settings: SessionSettings) -> Callable[[str | None], SessionStore]:
        """A function giving :meth:`from_cookie_header`'s session for a
        ``Cookie`` header under ``settings``: a front door builds it once and
        calls it on every request.
        """
        if (
            cls.__init__ is not SessionStore.__init__
            or cls.from_cookie_header.__func__  # type: ignore[attr-defined]
            is not SessionStore.from_cookie_header.__func__  # type: ignore[attr-defined]
        ):
            return partial(cls.from_cookie_header, settings=settings)

        def open_store(header: str | None) -> SessionStore:
            # from_cookie_header without its call and its class checks.
            store = _new_object(cls)
            store.settings = settings
            if header:
                store._header = header
            return store

        return open_store

    #: How many same-named cookies of one request are tried.
    MAX_CANDIDATES = 8

    def _parse_header(self) -> None:
        header, self._header = self._header, None
        assert header is not None
        cookies = self.settings.derived(CookieHeaders)
        values = cookies.values(header)
        # With max_chunks > 1: the chunk cookies (cookie_name.i) it carried.
        pieces = cookies.pieces(header) if cookies.chunked else None
        if pieces:
            self._carried = tuple(sorted(pieces))
        if not values:
            return
        self.had_cookie = True
        if len(values) == 1:  # the usual case: nothing to filter or keep
            # _validate_session_key, for a parsed str
            first = values[0] if len(values[0]) >= 8 else None
        else:
            valid = [v for v in values if self._validate_session_key(v)]
            if len(valid) > 1:
                self._candidates = tuple(valid[1 : self.MAX_CANDIDATES])
            first = valid[0] if valid else None  # validated above
        if pieces is not None and first is not None and first[:1] == CHUNK_MARK:
            # Refused here, logged by load(): the marked value itself is
            # what the codec then refuses, never reading it as a value.
            first, self._chunk_rejection = cookies.join(first, pieces)
        self._cookie_value = first

    # -- the key: Django validates on assignment ---------------------------
    # The cookie value is kept in _cookie_value. session_key is Django's
    # public name for it; _session_key is Django's validating setter, kept
    # because code and tests written for Django assign it.

    @property
    def _session_key(self) -> str | None:
        return self._cookie_value

    @_session_key.setter
    def _session_key(self, value: str | None) -> None:
        self._cookie_value = value if self._validate_session_key(value) else None

    @staticmethod
    def _validate_session_key(key: str | None) -> bool:
        """A key must be a str of at least 8 characters, as in Django."""
        return isinstance(key, str) and len(key) >= 8

    @property
    def session_key(self) -> str | None:
        """The signed cookie value; None until saved, or when invalid."""
        if self._header is not None:
            self._parse_header()
        return self._cookie_value

    # -- loading ------------------------------------------------------------

    def _data(self) -> dict[str, Any]:
        cache = self._session_cache
        if cache is None:
            if self._header is not None:
                self._parse_header()
            cache = self._session_cache = (
                {} if self._cookie_value is None else self.load()
            )
        return cache

    @property
    def _session(self) -> dict[str, Any]:
        self.accessed = True
        cache = self._session_cache
        return self._data() if cache is None else cache

    def load(self) -> dict[str, Any]:
        """Verify and decode the cookie value; ``{}`` when it is invalid."""
        if self._header is not None:
            self._parse_header()
        value = self._cookie_value
        if value is None:
            return {}
        reason = "bad signature"  # what decode() answers with None
        codec = self.settings.derived(Codec)
        try:
            decoded = codec.try_loads(value)
        except InvalidCookie as exc:
            decoded, reason = None, exc.args[0]  # InvalidCookie.reason
        if self._candidates:
            decoded = self._newest(decoded)
        if decoded is None:
            if self._chunk_rejection is not None:
                reason = self._chunk_rejection
            self.rejected = reason
            log_rejection(reason)
            self._cookie_value = None
            return {}
        (
            data,
            self._session_id,
            self._created,
            self._issued,
            self._key_index,
            payload,
            self._encrypted,
            _,
        ) = decoded
        self._outdated = codec.rewrites(decoded)
        if self.settings.revocations is not None and self._is_revoked(data):
            return {}
        if self._session_cache is None:  # becoming the cache: kept together
            self._payload = payload
        return data

    def _is_revoked(self, data: dict[str, Any]) -> bool:
        """Ask the revocation backend; refuse the cookie when it must be."""
        revocations = backend_of(self.settings)
        assert revocations is not None and self._session_id is not None
        user_key = self.settings.user_key
        user = None if user_key is None else data.get(user_key)
        verdict = revocations.check(
            self._session_id,
            None if user is None else str(user),
            self._created or 0,
            self._issued or 0,
        )
        if verdict == CHECKED:
            self._rechecked = True
            return False
        if verdict == REVOKED:
            reason = "revoked"
        elif verdict == UNCHECKED and revocations.fail_closed:
            reason = "revocation unchecked"
        else:
            return False
        self.rejected = reason
        log_rejection(reason)
        self._cookie_value = None
        self._session_id = self._created = self._issued = self._key_index = None
        return True

    def _user_of(self, data: dict[str, Any]) -> str | None:
        user_key = self.settings.user_key
        if user_key is None:
            return None
        user = data.get(user_key)
        return None if user is None else str(user)

    def _newest(self, first: Decoded | None) -> Decoded | None:
        """The most recently issued of the cookie values; ties to the first."""
        newest = first
        for value in self._candidates:
            try:
                decoded = self._codec.loads(value)
            except InvalidCookie:
                continue
            if newest is None or decoded.issued > newest.issued:
                newest = decoded
                self._session_key = value
        return newest

    # -- mapping ----------------------------------------------------------

    def __contains__(self, key: object) -> bool:
        return key in self._session

    def __getitem__(self, key: str) -> Any:
        return self._session[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._session[key] = value
        self.modified = True

    def __delitem__(self, key: str) -> None:
        del self._session[key]
        self.modified = True

    def __iter__(self) -> Iterator[str]:
        return iter(self._session)

    def __len__(self) -> int:
        return len(self._session)

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key``, or ``default``."""
        return self._session.get(key, default)

    def pop(self, key: str, default: Any = _MISSING) -> Any:
        """Remove ``key`` and return its value; modified only if it existed."""
        session = self._session
        if key in session:
            self.modified = True
        if default is _MISSING:
            return session.pop(key)
        return session.pop(key, default)

    # Django's signature: the value is required.
    def setdefault(self, key: str, value: Any) -> Any:  # type: ignore[override]
        """The value of ``key``, storing ``value`` first if it is missing."""
        if key in self._session:
            return self._session[key]
        self[key] = value
        return value

    def update(self, dict_: Any = (), /, **kwargs: Any) -> None:
        """Update the data from a mapping or pairs, and keyword arguments."""
        self._session.update(dict_, **kwargs)
        self.modified = True

    def has_key(self, key: str) -> bool:
        """Whether ``key`` is in the session."""
        return key in self._session

    def keys(self) -> KeysView[str]:
        """The session's keys."""
        return self._session.keys()

    def values(self) -> ValuesView[Any]:
        """The session's values."""
        return self._session.values()

    def items(self) -> ItemsView[str, Any]:
        """The session's items."""
        return self._session.items()

    def copy(self) -> dict[str, Any]:
        """A shallow copy of the data, as a dict (Flask's and Pyramid's have it)."""
        return self._session.copy()

    def clear(self) -> None:
        """Empty the data without loading it; marks the session modified."""
        if self._header is not None:
            self._parse_header()  # to know whether a cookie must be deleted
        self._session_cache = {}
        self.accessed = True
        self.modified = True

    def is_empty(self) -> bool:
        """True when there is no session key and no data, as in Django."""
        if self._header is not None:
            self._parse_header()
        return not self._cookie_value and not self._session_cache

    @property
    def is_loaded(self) -> bool:
        """Whether the cookie has been read (or the data replaced)."""
        return self._session_cache is not None

    def has_data(self) -> bool:
        """Whether the session holds any data.

        Loads the cookie if needed without marking the session accessed: a
        front door asks this to answer the request, not the application.
        """
        return bool(self._data())

    def has_expiry(self) -> bool:
        """Whether :meth:`set_expiry` gave this session its own expiry.

        Like :meth:`has_data`, reading it does not mark the session accessed.
        """
        return EXPIRY_KEY in self._data()

    def response_cookie(self, *, server_error: bool = False) -> ResponseCookie | None:
        """What the response must do with the cookie; None: leave it alone.

        Django's ``process_response`` rules: delete the cookie when the
        request had one and the data is now empty; otherwise save and set it
        when modified, on every request (``save_every_request``) or to
        re-sign a cookie verified by a fallback key or read in another
        library's format, but not after a server error (``server_error``)
        unless ``save_on_server_error``.

        :raises SessionTooLarge: the session no longer fits in a cookie.
        """
        if not self._data():
            if self._carried:
                return self.deleted_cookie()
            return _DELETE if self.had_cookie else None
        settings = self.settings
        if (self._modified or settings.save_every_request or self.needs_resign) and (
            not server_error or settings.save_on_server_error
        ):
            self.save()
            if self._saved_chunks or self._carried:
                return self.saved_cookie()
            # ResponseCookie(value, max_age) without NamedTuple's Python-level
            # __new__: every saving response builds one.
            return _new_tuple(
                ResponseCookie, (self._cookie_value, self._saved_max_age, (), ())
            )
        return None

    def saved_cookie(self) -> ResponseCookie:
        """The cookie that stores what :meth:`save` signed: its value, its
        chunks when it spans several cookies, and the chunk cookies the
        request carried that it does not set, to delete."""
        chunks = self._saved_chunks
        count = len(chunks) or 1
        return ResponseCookie(
            self._cookie_value,
            self._saved_max_age,
            chunks,
            tuple(index for index in self._carried if index >= count),
        )

    def deleted_cookie(self) -> ResponseCookie:
        """The deletion of the cookie and of every chunk cookie the request
        carried."""
        return ResponseCookie(None, None, (), self._carried)

    # -- test cookie ----------------------------------------------------

    def set_test_cookie(self) -> None:
        """Store the test value, to check next request that cookies work."""
        self[self.TEST_COOKIE_NAME] = self.TEST_COOKIE_VALUE

    def test_cookie_worked(self) -> bool:
        """Whether the test value came back."""
        return bool(self.get(self.TEST_COOKIE_NAME) == self.TEST_COOKIE_VALUE)

    def delete_test_cookie(self) -> None:
        """Remove the test value."""
        del self[self.TEST_COOKIE_NAME]

    # -- persistence ------------------------------------------------------

    @property
    def key_salt(self) -> str:
        """The salt that separates these signatures from other uses of the key."""
        return self.settings.salt

    @property
    def serializer(self) -> Any:
        """The serializer of the settings."""
        return self.settings.serializer

    def encode(self, session_dict: dict[str, Any]) -> str:
        """Sign ``session_dict`` into a cookie value, as this session's id."""
        now = int(_clock.time())
        return self._codec.dumps(
            session_dict,
            session_id=self._session_id or new_session_id(),
            created=self._created or now,
            issued=now,
        )

    def decode(self, session_data: str) -> dict[str, Any]:
        """The data of a cookie value; ``{}`` for anything invalid."""
        try:
            return self._codec.loads(session_data).data
        except InvalidCookie as exc:
            log_rejection(exc.reason)
            return {}

    def exists(self, session_key: str | None = None) -> bool:
        """Always False: a cookie session has no server-side record."""
        return False

    def create(self) -> None:
        """Start a new session: mark it modified so a cookie is set."""
        self.modified = True

    def save(self, must_create: bool = False) -> None:
        """Sign the data into :attr:`session_key` with a fresh timestamp.

        :raises SessionTooLarge: the ``Set-Cookie`` header would exceed
            ``max_cookie_size``; nothing is changed.
        :raises TypeError: a value cannot be serialized; names its key.
        :raises ValueError: a value is nested deeper than ``max_json_depth``
            (it could not be loaded back); names its key.
        """
        data = self._data()
        now = int(_clock.time())
        session_id, created = self._session_id, self._created
        if session_id is None or created is None:
            session_id, created = new_session_id(), now
        elif created > now:
            # Accepted within clock_skew (another server's clock, or another
            # library's cookie): issued now, it must not look created later.
            created = now
        codec = self._codec
        payload = self._payload
        if payload is not None and _IMMUTABLE.issuperset(map(type, data.values())):
            # Unchanged: re-issue it (Pyramid's reissue_time, Flask's refresh,
            # save_every_request, key rotation) without serializing again.
            value = codec.sign(
                payload, session_id=session_id, created=created, issued=now
            )
        else:
            value = codec.dumps(
                data, session_id=session_id, created=created, issued=now
            )
        accessed = self.accessed
        max_age = self.cookie_max_age()  # reads the data as Django's methods do
        self.accessed = accessed  # saving is not the application reading it
        settings = self.settings
        cookies = settings.derived(CookieHeaders)
        size = cookies.size(value, max_age)
        if size > settings.max_cookie_size:
            split = cookies.split(value, max_age) if cookies.chunked else None
            if split is None:
                raise SessionTooLarge(
                    size,
                    settings.max_cookie_size,
                    codec.largest_keys(data),
                    chunks=settings.max_chunks,
                )
            self._saved_chunks = split
        elif self._saved_chunks:
            self._saved_chunks = ()
        self._cookie_value = value  # the codec's: a valid key, not validated
        self._session_id, self._created, self._issued = session_id, created, now
        self._key_index = 0
        self._encrypted = settings.encrypt
        self._rechecked = False
        self._outdated = False
        self._saved_max_age = max_age
        self.modified = True

    def delete(self, session_key: str | None = None) -> None:
        """Forget the key and the data; marks the session modified.

        With ``revocations`` set, the session id is revoked too.
        """
        if self._header is not None:
            self._parse_header()
        self.revoke()
        self._session_key = None
        self._session_cache = {}
        self.modified = True

    def cycle_key(self) -> None:
        """Keep the data under a new session id and re-sign it.

        The previous cookie value stays valid until it expires, unless
        ``revocations`` is set: then its session id is revoked.
        """
        self._data()
        self.revoke()
        self._session_id = None
        self._created = None
        self.save()

    def flush(self) -> None:
        """Remove the data and the key; the next save starts a new session.

        With ``revocations`` set, the session id is revoked: a copy of the
        cookie is refused from now on.
        """
        self.revoke()
        SessionStore.clear(self)  # the mapping's: a subclass's may flush
        self._session_id = None  # before delete(): revoked once, above
        self._created = None
        self.delete()

    def revoke(self) -> None:
        """Revoke this session's id, if ``revocations`` is set and it has one.

        Every cookie of this session, copies included, is refused from now
        on; the entry lives as long as such a cookie could be valid.
        """
        revocations = backend_of(self.settings)
        if revocations is None:
            return
        data = self._data()  # the id is in the cookie: load it
        if self._session_id is None or self._created is None:
            return
        revocations.revoke_session(self._session_id, ttl=self._revocation_ttl(data))

    def revoke_user_sessions(self, *, keep_current: bool = False) -> None:
        """Log this session's user out everywhere: revoke all their sessions.

        Every session of the user named under ``user_key`` created before
        now is refused. With ``keep_current`` this one survives under a new
        id and creation time ("log out my other devices"); without it, it
        is flushed.

        :raises ValueError: no ``revocations``/``user_key``, or no user in
            this session.
        """
        settings = self.settings
        revocations = backend_of(settings)
        if revocations is None or settings.user_key is None:
            raise ValueError("revoke_user_sessions needs revocations and user_key")
        data = self._data()
        user = self._user_of(data)
        if user is None:
            raise ValueError(
                f"this session has no user under user_key {settings.user_key!r}"
            )
        ttl = self._revocation_ttl(data)
        if keep_current:
            # The cut-off is the start of this second, which the cycled
            # session's creation time is not before (cookies count whole
            # seconds: another session begun in this same second survives).
            now = int(_clock.time())
            revocations.revoke_user(user, before=now, ttl=ttl)
            self.cycle_key()
        else:
            revocations.revoke_user(user, ttl=ttl)
            self.flush()

    def _revocation_ttl(self, data: dict[str, Any]) -> float | None:
        """Seconds until no cookie of this session can be valid any more."""
        settings = self.settings
        now = _clock.time()
        ttl: float | None = settings.max_age
        try:
            expiry = parse_expiry(data.get(EXPIRY_KEY))
        except ValueError:
            expiry = None
        if isinstance(expiry, int) and expiry:
            ttl = max(ttl or 0, expiry)
        elif expiry is not None and not isinstance(expiry, int):
            ttl = max(ttl or 0, expiry.timestamp() - now)
        if settings.absolute_max_age is not None and self._created is not None:
            cap = self._created + settings.absolute_max_age - now
            ttl = cap if ttl is None else min(ttl, cap)
        return ttl

    @classmethod
    def clear_expired(cls) -> None:
        """Nothing to do: expired cookies are rejected when they arrive."""

    # -- what the cookie told us ------------------------------------------

    @property
    def session_id(self) -> str | None:
        """The random id of this session, kept across saves.

        None for a new session, and until the cookie is loaded (first access).
        """
        return self._session_id

    def begin(self) -> int:
        """When this session began (Unix seconds), loading the cookie.

        A new session gets its id and creation time now, the ones it will
        be saved with.
        """
        self._data()
        if self._created is None or self._session_id is None:
            self._session_id = new_session_id()
            self._created = int(_clock.time())
        return self._created

    @property
    def created_at(self) -> int | None:
        """When this session began (Unix seconds).

        None for a session not yet saved, and until the cookie is loaded.
        """
        return self._created

    @property
    def issued_at(self) -> int | None:
        """When the cookie was last signed (Unix seconds).

        None for a new session, and until the cookie is loaded.
        """
        return self._issued

    @property
    def key_index(self) -> int | None:
        """Which key verified the cookie: 0 the current, n the n-th fallback.

        -1 for a cookie in another library's format (``migrate_from``); None
        until the cookie is loaded, or when none verified.
        """
        return self._key_index

    @property
    def encrypted(self) -> bool:
        """Whether the cookie came (or goes, once saved) encrypted.

        False until the cookie is loaded, and for a new session.
        """
        return self._encrypted

    @property
    def needs_resign(self) -> bool:
        """Whether the cookie must be re-signed with the current key.

        True when it verified only with a fallback key, came in another
        library's format, is signed while ``encrypt`` is on (or encrypted
        while it is off), or is in the other ``cookie_format``: the switch
        completes as users come back; or was
        just checked against the revocation backend (re-issuing records the
        check).
        """
        index = self._key_index
        if index is None:
            return False
        return index != 0 or self._outdated or self._rechecked

    def __repr__(self) -> str:
        state = "loaded" if self._session_cache is not None else "not loaded"
        return f"<{type(self).__name__} {state}>"
