"""SessionMiddleware for ASGI: the signed-cookie session for Starlette and co.

A drop-in for ``starlette.middleware.sessions.SessionMiddleware``::

    app.add_middleware(SessionMiddleware, secret_key="...")

with Starlette's keyword names and meanings, over the same
:class:`~signedsession.SessionStore`, settings and cookie as the WSGI
middleware: a WSGI and an ASGI application with the same settings share
one session.
"""

from __future__ import annotations

from collections.abc import (
    Awaitable,
    ItemsView,
    Iterator,
    KeysView,
    MutableMapping,
    ValuesView,
)
from typing import Any, Callable

from ._response import OpensStores, session_headers
from .readers.starlette import StarletteCookieReader
from .settings import SessionSettings
from .store import SessionStore

__all__ = ["Session", "SessionMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Starlette's keyword -> the SessionSettings field it sets.
_STARLETTE_NAMES = {
    "session_cookie": "cookie_name",
    "same_site": "samesite",
    "https_only": "secure",
}
_HTTPS_SCHEMES = frozenset({"https", "wss"})


# Held in the dict's own storage until the data is read: C code that checks
# a dict's size before asking for its items (json.dumps) asks for them.
_UNREAD = object()


class Session(SessionStore, dict[str, Any]):
    """The request's session: a :class:`~signedsession.SessionStore` that is a dict.

    Code written for Starlette's session keeps working:
    ``isinstance(session, dict)``, ``popitem()``, ``|=``, ``|``, and
    ``json.dumps`` or ``JSONResponse`` of ``request.session``, which read the
    data through :meth:`items`. The cookie is still verified on first use
    of the data only: ``request.session`` alone reads nothing. Once read,
    the dict's own storage mirrors the data, for C code that reads it
    directly.

    .. versionadded:: 0.1
    """

    def __init__(
        self, session_key: str | None = None, *, settings: SessionSettings
    ) -> None:
        SessionStore.__init__(self, session_key, settings=settings)
        if session_key is not None:
            dict.__setitem__(self, _UNREAD, None)  # type: ignore[misc]

    @classmethod
    def from_cookie_header(
        cls, header: str | None, *, settings: SessionSettings
    ) -> Session:
        """A session for a request's ``Cookie`` header, parsed on first use."""
        store = super().from_cookie_header(header, settings=settings)
        assert isinstance(store, Session)
        if header and settings.cookie_name in header:
            dict.__setitem__(store, _UNREAD, None)  # type: ignore[misc]
        return store

    def _mirror(self) -> None:
        dict.clear(self)
        dict.update(self, SessionStore.items(self))

    def _settle(self) -> None:
        # After a read: the data is loaded, the storage can mirror it.
        if dict.__contains__(self, _UNREAD):
            self._mirror()

    def __getitem__(self, key: str) -> Any:
        try:
            return SessionStore.__getitem__(self, key)
        finally:
            self._settle()

    def __contains__(self, key: object) -> bool:
        result = SessionStore.__contains__(self, key)
        self._settle()
        return result

    def __iter__(self) -> Iterator[str]:
        self._settle()
        return SessionStore.__iter__(self)

    def __len__(self) -> int:
        result = SessionStore.__len__(self)
        self._settle()
        return result

    def get(self, key: str, default: Any = None) -> Any:
        """``session[key]``, or ``default`` when missing."""
        result = SessionStore.get(self, key, default)
        self._settle()
        return result

    def keys(self) -> KeysView[str]:  # type: ignore[override]
        """The session's keys."""
        self._settle()
        return SessionStore.keys(self)

    def values(self) -> ValuesView[Any]:  # type: ignore[override]
        """The session's values."""
        self._settle()
        return SessionStore.values(self)

    def items(self) -> ItemsView[str, Any]:  # type: ignore[override]
        """The session's ``(key, value)`` pairs."""
        self._settle()
        return SessionStore.items(self)

    def load(self) -> dict[str, Any]:
        """Verify and decode the cookie value; ``{}`` when it is invalid."""
        data = SessionStore.load(self)
        dict.clear(self)
        dict.update(self, data)
        return data

    def __setitem__(self, key: str, value: Any) -> None:
        SessionStore.__setitem__(self, key, value)
        self._mirror()

    def __delitem__(self, key: str) -> None:
        SessionStore.__delitem__(self, key)
        self._mirror()

    def pop(self, key: str, *default: Any) -> Any:
        """Remove ``key`` and return its value, or ``default``."""
        value = SessionStore.pop(self, key, *default)
        self._mirror()
        return value

    def popitem(self) -> tuple[str, Any]:
        """Remove and return the last inserted ``(key, value)`` pair.

        :raises KeyError: the session is empty.
        """
        keys = list(SessionStore.keys(self))
        if not keys:
            raise KeyError("popitem(): session is empty")
        key = keys[-1]
        return key, self.pop(key)

    def setdefault(self, key: str, value: Any = None) -> Any:
        """``session[key]``, set to ``value`` first if missing."""
        result = SessionStore.setdefault(self, key, value)
        self._mirror()
        return result

    def update(self, dict_: Any = (), /, **kwargs: Any) -> None:
        """Set several keys at once, as :meth:`dict.update`."""
        SessionStore.update(self, dict_, **kwargs)
        self._mirror()

    def __ior__(self, other: Any) -> Session:  # type: ignore[override]
        self.update(other)
        return self

    def __or__(self, other: Any) -> dict[str, Any]:  # type: ignore[override]
        merged = self.copy()
        merged.update(other)
        return merged

    def __reversed__(self) -> Any:
        return reversed(list(SessionStore.keys(self)))

    def clear(self) -> None:
        """Remove every key."""
        SessionStore.clear(self)
        dict.clear(self)

    def flush(self) -> None:
        """Remove every key and forget the cookie value."""
        SessionStore.flush(self)
        dict.clear(self)

    def copy(self) -> dict[str, Any]:
        """A plain dict of the data."""
        return dict(SessionStore.items(self))

    def __eq__(self, other: object) -> bool:
        return dict(SessionStore.items(self)) == other

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None


class SessionMiddleware(OpensStores):
    """Give an ASGI application a signed-cookie session.

    The request's :class:`Session` is at ``scope["session"]``
    (``request.session`` in Starlette and FastAPI); the cookie is read on
    first access and written at ``http.response.start``, by the rules of
    the WSGI :class:`~signedsession.SessionMiddleware`. A WebSocket gets
    the session read-only (no cookie can be set on it); ``lifespan`` and
    other scopes pass through.

    Built from keywords, the options are Starlette's: ``session_cookie``,
    ``max_age`` (None: a browser-session cookie with no server-side age
    limit), ``path``, ``same_site``, ``https_only`` (False: ``Secure``
    exactly on https), ``domain``, ``partitioned``, plus any other
    :class:`~signedsession.SessionSettings` field; cookies issued by
    Starlette's own middleware with the same secret are accepted and
    re-issued in signedsession's format.

    :param app: the ASGI application to wrap.
    :param settings: the settings; or pass the options as keywords.
    :raises TypeError: both ``settings`` and keyword options were given, an
        option was given under both its Starlette and its signedsession
        name, or ``settings`` is not a :class:`~signedsession.SessionSettings`.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        app: ASGIApp,
        settings: SessionSettings | None = None,
        **options: Any,
    ) -> None:
        if settings is None:
            settings = SessionSettings(**starlette_options(options))
        elif options:
            raise TypeError(
                "pass either a SessionSettings or keyword options, not both"
            )
        elif not isinstance(settings, SessionSettings):
            raise TypeError(
                "settings must be a SessionSettings, got"
                f" {type(settings).__name__} (a key goes in secret_key=...)"
            )
        self.app = app
        self.settings = settings
        self.store_class = Session
        # Built now, once, as the WSGI middleware does.
        SessionStore.prepare(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return
        header = None
        for name, value in scope["headers"]:
            if name == b"cookie":
                text = value.decode("latin-1")
                header = text if header is None else f"{header}; {text}"
        settings = self.settings
        store = self.open_store(header)
        scope["session"] = store
        if kind == "websocket":
            store.sealed = True  # read-only: a WebSocket has no response to set it on
            await self.app(scope, receive, send)
            return
        save_every_request = settings.save_every_request

        def send_with_session(message: Message) -> Awaitable[None]:
            # A plain function handing back send's awaitable: no coroutine
            # of its own per message.
            if message["type"] == "http.response.start":
                if store.accessed or store.modified or save_every_request:
                    store.sealed = False
                    message = _with_session_headers(
                        store, message, scope.get("scheme") in _HTTPS_SCHEMES
                    )
                store.sealed = True
            return send(message)

        await self.app(scope, receive, send_with_session)

    def __repr__(self) -> str:
        return f"<SessionMiddleware {self.app!r} {self.settings!r}>"


def _with_session_headers(
    store: SessionStore, message: Message, https: bool
) -> Message:
    raw: list[tuple[bytes, bytes]] = list(message.get("headers", ()))
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]
    result = session_headers(store, str(message["status"]), headers, https=https)
    if result is headers:
        return message
    # The rules keep the app's headers as they were, in place, but for one
    # Vary they may extend, and append the rest: only those are encoded.
    count = len(headers)
    encoded = [
        raw[index]
        if index < count and pair is headers[index]
        else (pair[0].encode("latin-1"), pair[1].encode("latin-1"))
        for index, pair in enumerate(result)
    ]
    return {**message, "headers": encoded}


def starlette_options(options: dict[str, Any]) -> dict[str, Any]:
    """SessionSettings fields for Starlette's ``SessionMiddleware`` keywords.

    Starlette's names are translated (``session_cookie``, ``same_site``,
    ``https_only``; ``max_age=None`` is a browser-session cookie), other
    :class:`~signedsession.SessionSettings` fields pass as they are, and
    Starlette's cookies are read for migration unless ``migrate_from`` is
    given.

    :raises TypeError: an option is given under both of its names.
    """
    fields = dict(options)
    for starlette_name, field_name in _STARLETTE_NAMES.items():
        if starlette_name not in fields:
            continue
        if field_name in fields:
            raise TypeError(
                f"pass {starlette_name} or {field_name}, not both (the same option)"
            )
        value = fields.pop(starlette_name)
        if starlette_name == "https_only":
            if not isinstance(value, bool):
                raise TypeError(f"https_only must be True or False, got {value!r}")
            value = True if value else None
        fields[field_name] = value
    secret = fields.get("secret_key")
    # Starlette accepts its Secret wrapper (config.Secret): str() unwraps it.
    if type(secret).__module__ == "starlette.datastructures":
        fields["secret_key"] = str(secret)
    if "max_age" in fields and fields["max_age"] is None:
        fields.setdefault("expire_at_browser_close", True)
    fields.setdefault("migrate_from", (StarletteCookieReader,))
    return fields
