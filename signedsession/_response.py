"""The response side of every front door: Set-Cookie, Vary and Cache-Control.

Django's ``process_response`` rules, once, for the WSGI middleware and the
adapters alike: the store decides what happens to the cookie
(:meth:`~signedsession.SessionStore.response_cookie`); this module turns
that decision into headers.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable

from ._headers import CookieHeaders
from .exceptions import SessionTooLarge
from .settings import SessionSettings
from .store import ResponseCookie, SessionStore

__all__ = [
    "Headers",
    "OpensStores",
    "cache_control_for_cookie",
    "cookie_header",
    "cookie_headers",
    "session_headers",
    "with_vary_cookie",
]

log = logging.getLogger("signedsession")

Headers = list[tuple[str, str]]


class OpensStores:
    """A front door's ``store_class``, and the opener built from it once.

    Setting ``store_class`` (a :class:`~signedsession.SessionStore`
    subclass) builds its :meth:`~signedsession.SessionStore.opener` for
    the door's ``settings``, which must be set first.
    """

    settings: SessionSettings
    _store_class: type[SessionStore]
    #: The session of a request for its ``Cookie`` header (or None).
    open_store: Callable[[str | None], SessionStore]

    @property
    def store_class(self) -> type[SessionStore]:
        """The session class of each request."""
        return self._store_class

    @store_class.setter
    def store_class(self, store_class: type[SessionStore]) -> None:
        self._store_class = store_class
        self.open_store = store_class.opener(self.settings)


def session_headers(
    store: SessionStore, status: str, headers: Headers, *, https: bool
) -> Headers:
    """``headers`` plus the session's ``Set-Cookie``, ``Vary`` and cache ones.

    :param status: the response's status line; nothing is saved on a 5xx
        unless ``save_on_server_error``.
    :param https: whether the request came over https (for ``Secure``).
    :raises SessionTooLarge: the session no longer fits in a cookie.
    """
    try:
        cookie = store.response_cookie(server_error=status.startswith("5"))
    except SessionTooLarge as exc:
        log.error("session not saved: %s", exc)
        raise
    if cookie is None:
        return with_vary_cookie(headers) if store.accessed else headers
    # One pass over the headers for both Vary and Cache-Control.
    result = list(headers)
    first_vary, varies, cache_control = _scan(result)
    if not varies:
        _add_vary_cookie(result, first_vary)
    if cookie[2] or cookie[3]:  # chunks or stale chunks: several headers
        for value in cookie_headers(store.settings, cookie, https=https):
            result.append(("Set-Cookie", value))
    else:
        result.append(
            ("Set-Cookie", cookie_header(store.settings, cookie, https=https))
        )
    added = cache_control_for_cookie(cache_control, stacklevel=4)
    if added is not None:
        result.append(("Cache-Control", added))
    return result


def cookie_header(
    settings: SessionSettings, cookie: ResponseCookie, *, https: bool
) -> str:
    """The ``Set-Cookie`` value that carries out ``cookie``: set or delete."""
    headers = settings.derived(CookieHeaders)
    secure = headers.secure_on[https]
    if cookie.value is None:
        return headers.delete_cookie(secure=secure)
    return headers.set_cookie(cookie.value, cookie.max_age, secure=secure)


def cookie_headers(
    settings: SessionSettings, cookie: ResponseCookie, *, https: bool
) -> list[str]:
    """Every ``Set-Cookie`` value that carries out ``cookie``: the cookie,
    its chunks (``cookie_name.1``, ...) and the deletion of stale chunks."""
    headers = settings.derived(CookieHeaders)
    secure = headers.secure_on[https]
    if cookie.value is None or not cookie.chunks:
        result = [cookie_header(settings, cookie, https=https)]
    else:
        first, *rest = cookie.chunks
        result = [headers.set_cookie(first, cookie.max_age, secure=secure)]
        result += [
            headers.piece(index).set_cookie(value, cookie.max_age, secure=secure)
            for index, value in enumerate(rest, start=1)
        ]
    result += [
        headers.piece(index).delete_cookie(secure=secure) for index in cookie.stale
    ]
    return result


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
