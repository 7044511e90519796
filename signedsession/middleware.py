"""SessionMiddleware: a signed-cookie session for any WSGI application."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Callable, Optional

from ._response import Headers, OpensStores, session_headers
from .settings import SessionSettings
from .store import SessionStore

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["SessionMiddleware"]

ExcInfo = Optional[Any]


class SessionMiddleware(OpensStores):
    """Give a WSGI application a signed-cookie session.

    The request's :class:`~signedsession.SessionStore` is at
    ``environ[settings.environ_key]``; the cookie is read on first access
    and written when the application calls ``start_response``.

    :param app: the WSGI application to wrap.
    :param settings: the settings; or pass their fields as keywords.
    :raises TypeError: both ``settings`` and keyword options were given, or
        ``settings`` is not a :class:`~signedsession.SessionSettings`.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        app: WSGIApplication,
        settings: SessionSettings | None = None,
        **options: Any,
    ) -> None:
        if settings is None:
            settings = SessionSettings(**options)
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
        self.store_class = SessionStore
        # Not raced by the first concurrent requests, and a bad
        # ``migrate_from`` reader fails here rather than on a request.
        SessionStore.prepare(settings)

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        settings = self.settings
        store = self.open_store(environ.get("HTTP_COOKIE"))
        environ[settings.environ_key] = store
        save_every_request = settings.save_every_request

        def session_start_response(
            status: str, headers: Headers, exc_info: ExcInfo = None
        ) -> Callable[[bytes], object]:
            if store.accessed or store.modified or save_every_request:
                store.sealed = False  # a second call (exc_info) may save again
                headers = session_headers(
                    store,
                    status,
                    headers,
                    https=environ.get("wsgi.url_scheme") == "https",
                )
            store.sealed = True
            return start_response(status, headers, exc_info)

        return self.app(environ, session_start_response)

    def __repr__(self) -> str:
        return f"<SessionMiddleware {self.app!r} {self.settings!r}>"
