"""SessionMiddleware: a signed-cookie session for any WSGI application."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Callable, Optional

from ._codec import Codec
from ._headers import CookieHeaders
from .exceptions import SessionTooLarge
from .settings import SessionSettings
from .store import SessionStore

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = [
    "SessionMiddleware",
    "cache_control_for_cookie",
    "session_headers",
    "with_vary_cookie",
]

log = logging.getLogger("signedsession")
_new_store = object.__new__

Headers = list[tuple[str, str]]
ExcInfo = Optional[Any]


class SessionMiddleware:
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
        # Built now, once: not raced by the first concurrent requests, and a
        # bad ``migrate_from`` reader fails here rather than on a request.
        Codec.of(settings)
        CookieHeaders.of(settings)

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        settings = self.settings
        header = environ.get("HTTP_COOKIE")
        if self.store_class is SessionStore:
            # from_cookie_header, without its call: every request pays it.
            store = _new_store(SessionStore)
            store.settings = settings
            if header:
                store._header = header
        else:
            store = self.store_class.from_cookie_header(header, settings=settings)
        environ[settings.environ_key] = store
        save_every_request = settings.save_every_request

        def session_start_response(
            status: str, headers: Headers, exc_info: ExcInfo = None
        ) -> Callable[[bytes], object]:
            if store.accessed or store._modified or save_every_request:
                store._sealed = False  # a second call (exc_info) may save again
                headers = session_headers(store, status, headers, environ)
            store._sealed = True  # seal(), without a call on every request
            return start_response(status, headers, exc_info)

        return self.app(environ, session_start_response)

    def __repr__(self) -> str:
        return f"<SessionMiddleware {self.app!r} {self.settings!r}>"


def session_headers(
    store: SessionStore, status: str, headers: Headers, environ: WSGIEnvironment
) -> Headers:
    """``headers`` plus the session's ``Set-Cookie``, ``Vary`` and cache ones.

    Django's ``process_response`` rules: delete the cookie when the request
    had one and the data is now empty; otherwise save it when modified (or
    on every request, or to re-sign a cookie verified by a fallback key or
    read in another library's format),
    but not on a 5xx unless ``save_on_server_error``.

    :raises SessionTooLarge: the session no longer fits in a cookie.
    """
    settings = store.settings
    set_cookie: str | None = None

    # Reached only when the data is loaded or a save would load it; a
    # session flagged ``modified`` by hand is still empty when it holds
    # nothing, and an empty session is never written.
    if not store._data():
        if store.had_cookie:
            cookies = CookieHeaders.of(settings)
            set_cookie = cookies.delete_cookie(secure=_is_secure(cookies, environ))
    elif (store._modified or settings.save_every_request or store.needs_resign) and (
        not status.startswith("5") or settings.save_on_server_error
    ):
        try:
            store.save()
        except SessionTooLarge as exc:
            log.error("session not saved: %s", exc)
            raise
        cookies = CookieHeaders.of(settings)
        set_cookie = cookies.set_cookie(
            store.session_key or "",
            store._saved_max_age,  # cookie_max_age(), as save() just asked
            secure=_is_secure(cookies, environ),
        )

    if set_cookie is None:
        return with_vary_cookie(headers) if store.accessed else headers
    # One pass over the headers for both Vary and Cache-Control.
    result = list(headers)
    first_vary, varies, cache_control = _scan(result)
    if not varies:
        _add_vary_cookie(result, first_vary)
    result.append(("Set-Cookie", set_cookie))
    added = cache_control_for_cookie(cache_control, stacklevel=4)
    if added is not None:
        result.append(("Cache-Control", added))
    return result


def _is_secure(cookies: CookieHeaders, environ: WSGIEnvironment) -> bool:
    # Only asked when a cookie is set or deleted: a read sets neither.
    return cookies.secure_on[environ.get("wsgi.url_scheme") == "https"]


def with_vary_cookie(headers: Headers) -> Headers:
    """A copy of ``headers`` whose ``Vary`` includes ``Cookie``.

    Merged into the first ``Vary`` header; unchanged when any already names
    ``Cookie`` or ``*``.
    """
    result = list(headers)
    first_vary, varies, _ = _scan(result)
    if not varies:
        _add_vary_cookie(result, first_vary)
    return result


def _scan(headers: Headers) -> tuple[int | None, bool, list[str]]:
    """The index of the first ``Vary``, whether any ``Vary`` already covers
    ``Cookie``, and every ``Cache-Control`` value."""
    first_vary = None
    varies = False
    cache_control = []
    for index, (name, value) in enumerate(headers):
        lowered = name.lower()
        if lowered == "vary":
            if first_vary is None:
                first_vary = index
            if not varies:
                tokens = {token.strip().lower() for token in value.split(",")}
                varies = "cookie" in tokens or "*" in tokens
        elif lowered == "cache-control":
            cache_control.append(value)
    return first_vary, varies, cache_control


def _add_vary_cookie(headers: Headers, first_vary: int | None) -> None:
    if first_vary is None:
        headers.append(("Vary", "Cookie"))
    else:
        name, value = headers[first_vary]
        headers[first_vary] = (
            name,
            f"{value}, Cookie" if value.strip() else "Cookie",
        )


def cache_control_for_cookie(values: list[str], *, stacklevel: int = 2) -> str | None:
    """The ``Cache-Control`` a response that sets a session cookie needs.

    ``"private"`` when the response has none (``values`` is empty), so that
    no shared cache stores one user's cookie for others; None otherwise,
    with a ``RuntimeWarning`` when the response is marked ``public`` or
    ``s-maxage``.

    :param stacklevel: which caller the warning names, as for
        :func:`warnings.warn` (2: the caller of this function).
    """
    if not values:
        return "private"
    value = ", ".join(values)
    directives = {d.split("=")[0].strip().lower() for d in value.split(",")}
    if "public" in directives or "s-maxage" in directives:
        warnings.warn(
            "a response that sets the session cookie is marked"
            f" {value!r}: a shared cache could serve one user's"
            " cookie to others",
            RuntimeWarning,
            stacklevel=stacklevel,
        )
    return None
