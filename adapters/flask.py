"""Flask adapter: signedsession's store behind Flask's session interface.

One line switches an application, and nobody is logged out::

    app.session_interface = SignedSessionInterface()

The interface reads ``app.config`` as Flask's ``SecureCookieSessionInterface``
does, through the same hooks, and turns it into :class:`SessionSettings`
built once per distinct configuration. Cookies issued by Flask's default
interface are accepted and re-issued in signedsession's format.
"""

from __future__ import annotations

import logging
from dataclasses import fields
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from flask.sessions import NullSession, SessionInterface, SessionMixin

from signedsession import _clock
from signedsession._headers import CookieHeaders
from signedsession._response import cache_control_for_cookie, cookie_headers
from signedsession.readers.flask import FlaskCookieReader
from signedsession.serializers import TaggedJSONSerializer
from signedsession.settings import SessionSettings
from signedsession.store import SessionStore

if TYPE_CHECKING:
    from flask import Flask
    from flask.wrappers import Request, Response

__all__ = ["FlaskSession", "SignedSessionInterface"]

#: Where a short ``SECRET_KEY`` read from the app is reported, once per
#: configuration: Flask has no configuration hook for a session interface,
#: and a warning raised inside a request (an error under the usual
#: ``filterwarnings = error``) would turn it into a 500.
logger = logging.getLogger(__name__)

_UNSET: Any = object()
_FIELDS = frozenset(field.name for field in fields(SessionSettings))
# Overrides are validated at construction against this stand-in secret.
_PROBE_SECRET = "signedsession-override-check-0123456789"
# MAX_COOKIE_SIZE = 0 turns Flask's size check off; ours too.
_NO_SIZE_LIMIT = 2**31 - 1
# Distinct configurations kept per interface; more means config churn.
_MAX_CACHED = 32
# The hooks whose values key the settings. Unless a subclass overrides one,
# get_settings reads what they would return from app.config itself: the
# calls cost more than the rest of the lookup.
_COOKIE_HOOKS = (
    "get_cookie_name",
    "get_cookie_domain",
    "get_cookie_path",
    "get_cookie_httponly",
    "get_cookie_secure",
    "get_cookie_samesite",
    "get_cookie_partitioned",
)


class FlaskSession(SessionStore, SessionMixin):
    """Flask's session: the core :class:`~signedsession.SessionStore`.

    Flask's :attr:`permanent` flag decides the cookie's lifetime (a
    browser-session cookie unless permanent), unless :meth:`set_expiry` was
    called, which takes precedence.

    .. versionadded:: 0.1
    """

    #: Whether the request came over https (``wsgi.url_scheme``).
    https = False
    # The cookie's Max-Age that the interface decided for the save in
    # progress, from its get_expiration_time hook.
    _max_age: Any = _UNSET

    @property
    def new(self) -> bool:  # type: ignore[override]
        """Whether the request brought no valid session cookie (until saved)."""
        self.has_data()  # loads the cookie
        return self.issued_at is None

    def get_expire_at_browser_close(self) -> bool:
        """Whether the cookie ends with the browser session.

        Flask's rule: unless the session is :attr:`permanent`. A
        :meth:`set_expiry` value wins over it.
        """
        if self.has_expiry():
            return super().get_expire_at_browser_close()
        return self.settings.expire_at_browser_close or not self.permanent

    def clear(self) -> None:
        """Empty the session, as Flask's ``session.clear()``.

        With ``revocations`` set, this is a logout: the session id is
        revoked and later writes start a new session (:meth:`flush`).
        """
        if self.settings.revocations is not None:
            self.flush()
        else:
            super().clear()

    def cookie_max_age(self) -> int | None:
        """The cookie's ``Max-Age``; None for a browser-session cookie."""
        if self._max_age is _UNSET:
            return super().cookie_max_age()
        return self._max_age  # type: ignore[no-any-return]


class SignedSessionInterface(SessionInterface):
    """A Flask session interface that keeps the session in a signed cookie.

    Reads what Flask's own interface reads, where it reads it: the
    ``app.secret_key`` and ``app.permanent_session_lifetime`` attributes
    (which a Flask subclass may set), ``SECRET_KEY_FALLBACKS``, the
    ``SESSION_COOKIE_*`` keys, ``SESSION_REFRESH_EACH_REQUEST`` and
    ``MAX_COOKIE_SIZE``, through the same hooks, so subclasses that
    override them keep working. A ``secret_key`` override shorter than 32
    bytes gives an :class:`~signedsession.InsecureSecretWarning` here; a
    short secret read from the app is logged once per configuration, as a
    WARNING on the ``signedsession.adapters.flask`` logger, never raised
    inside a request. ``SIGNEDSESSION_ENCRYPT``, ``SIGNEDSESSION_REVOCATIONS``
    (a backend or URL), ``SIGNEDSESSION_USER_KEY``,
    ``SIGNEDSESSION_MAX_CHUNKS`` and ``SIGNEDSESSION_COOKIE_FORMAT`` are ours.

    :param overrides: :class:`~signedsession.SessionSettings` fields that win
        over what is derived from ``app.config``.
    :raises TypeError: an override is not a ``SessionSettings`` field, or
        has the wrong type.
    :raises ValueError: an override has a value that is not accepted.

    .. versionadded:: 0.1
    """

    session_class = FlaskSession

    def __init__(self, **overrides: Any) -> None:
        unknown = sorted(set(overrides) - _FIELDS)
        if unknown:
            raise TypeError(
                f"unknown SessionSettings field(s): {', '.join(unknown)};"
                f" accepted: {', '.join(sorted(_FIELDS))}"
            )
        self.overrides = overrides
        self._fixed: dict[str, Any] = {
            "serializer": TaggedJSONSerializer(),
            "migrate_from": (FlaskCookieReader,),
            "save_on_server_error": True,
            **overrides,
        }
        # An overriding secret_key is checked (and warned about) now.
        SessionSettings(**{"secret_key": _PROBE_SECRET, **self._fixed})
        self._cache: dict[tuple[Any, ...], SessionSettings] = {}
        cls = type(self)
        self._hooked = any(
            getattr(cls, hook) is not getattr(SignedSessionInterface, hook)
            for hook in _COOKIE_HOOKS
        )

    # -- configuration -----------------------------------------------------

    def get_cookie_partitioned(self, app: Flask) -> bool:
        """Whether the cookie is partitioned: ``SESSION_COOKIE_PARTITIONED``."""
        return bool(app.config.get("SESSION_COOKIE_PARTITIONED", False))

    def get_settings(self, app: Flask) -> SessionSettings | None:
        """The settings for ``app``'s configuration; None without a secret key.

        Built on the first request with a given configuration and reused
        while it stays the same.
        """
        config = app.config
        # One flat tuple: built and hashed per request, so no nesting.
        fallbacks = config.get("SECRET_KEY_FALLBACKS")
        if self._hooked:
            key: tuple[Any, ...] = (
                app.secret_key,
                tuple(fallbacks) if fallbacks else (),
                self.get_cookie_name(app),
                self.get_cookie_domain(app),
                self.get_cookie_path(app),
                self.get_cookie_httponly(app),
                self.get_cookie_secure(app),
                self.get_cookie_samesite(app),
                self.get_cookie_partitioned(app),
                app.permanent_session_lifetime,
                config.get("MAX_COOKIE_SIZE", 4093),
                config.get("SIGNEDSESSION_ENCRYPT", False),
                config.get("SIGNEDSESSION_REVOCATIONS"),
                config.get("SIGNEDSESSION_USER_KEY"),
                config.get("SIGNEDSESSION_MAX_CHUNKS", 1),
                config.get("SIGNEDSESSION_COOKIE_FORMAT", 2),
            )
        else:  # what those hooks return, without the calls
            key = (
                app.secret_key,
                tuple(fallbacks) if fallbacks else (),
                config["SESSION_COOKIE_NAME"],
                config["SESSION_COOKIE_DOMAIN"],
                config["SESSION_COOKIE_PATH"] or config["APPLICATION_ROOT"],
                config["SESSION_COOKIE_HTTPONLY"],
                config["SESSION_COOKIE_SECURE"],
                config["SESSION_COOKIE_SAMESITE"],
                config.get("SESSION_COOKIE_PARTITIONED", False),
                app.permanent_session_lifetime,
                config.get("MAX_COOKIE_SIZE", 4093),
                config.get("SIGNEDSESSION_ENCRYPT", False),
                config.get("SIGNEDSESSION_REVOCATIONS"),
                config.get("SIGNEDSESSION_USER_KEY"),
                config.get("SIGNEDSESSION_MAX_CHUNKS", 1),
                config.get("SIGNEDSESSION_COOKIE_FORMAT", 2),
            )
        settings = self._cache.get(key)
        if settings is None:
            if not key[0] and "secret_key" not in self._fixed:
                return None
            settings = self._build_settings(key)
        return settings

    def _build_settings(self, key: tuple[Any, ...]) -> SessionSettings:
        (
            secret,
            fallbacks,
            name,
            domain,
            path,
            httponly,
            secure,
            samesite,
            partitioned,
            lifetime,
            size,
            encrypt,
            revocations,
            user_key,
            max_chunks,
            cookie_format,
        ) = key
        if isinstance(lifetime, timedelta):
            lifetime = lifetime.total_seconds()
        settings = SessionSettings(
            **{
                "secret_key": secret,
                "fallback_keys": fallbacks,
                "cookie_name": name,
                "domain": domain or None,
                "path": path or "/",
                "httponly": bool(httponly),
                # Flask's False means "not required": Secure on https.
                "secure": True if secure else None,
                "samesite": samesite,
                "partitioned": bool(partitioned),
                "max_age": int(lifetime),
                "max_cookie_size": size or _NO_SIZE_LIMIT,
                "encrypt": encrypt,
                "revocations": revocations,
                "user_key": user_key,
                "max_chunks": max_chunks,
                "cookie_format": cookie_format,
                **self._fixed,
            },
            warn_insecure_secret=False,
        )
        if "secret_key" not in self._fixed and settings.secret_warning:
            logger.warning("SECRET_KEY: %s", settings.secret_warning)
        if len(self._cache) >= _MAX_CACHED:
            self._cache.clear()
        SessionStore.prepare(settings)  # a bad revocations URL fails here
        self._cache[key] = settings
        return settings

    # -- Flask's rules -----------------------------------------------------

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        """Flask's rule: modified, or permanent and refreshed every request.

        The config is checked before :attr:`~FlaskSession.permanent`, so an
        untouched session is decoded only when a refresh is configured.
        """
        return session.modified or bool(
            app.config["SESSION_REFRESH_EACH_REQUEST"] and session.permanent
        )

    def get_expiration_time(self, app: Flask, session: SessionMixin) -> datetime | None:
        """Now plus ``PERMANENT_SESSION_LIFETIME`` if permanent, else None."""
        if session.permanent:
            return _clock.now() + app.permanent_session_lifetime
        return None

    # -- the request -------------------------------------------------------

    def open_session(self, app: Flask, request: Request) -> FlaskSession | None:
        """The request's session, its cookie read on first access."""
        environ = request.environ
        return self.session_for(
            app,
            environ.get("HTTP_COOKIE"),
            https=environ.get("wsgi.url_scheme") == "https",
        )

    def session_for(
        self, app: Flask, header: str | None, *, https: bool
    ) -> FlaskSession | None:
        """The session for a request's ``Cookie`` header; None without a secret key.

        The cookie is read on first access. Shared by the Quart adapter,
        whose requests carry headers rather than a WSGI environ.
        """
        settings = self.get_settings(app)
        if settings is None:
            return None
        session: FlaskSession = self.session_class.from_cookie_header(  # type: ignore[assignment]
            header, settings=settings
        )
        if https:
            session.https = True
        return session

    def save_session(
        self, app: Flask, session: SessionMixin, response: Response
    ) -> None:
        """Set, refresh or delete the cookie as Flask would.

        The session's ``accessed`` and ``modified`` flags are left as the
        application left them.

        :raises SessionTooLarge: the session no longer fits in a cookie.
        """
        store: FlaskSession = session  # type: ignore[assignment]
        # Not sealed afterwards: Flask's documented testing idiom (``with
        # client:``, then get_flashed_messages()) changes the session after
        # the response, and Flask drops such a change without a word.
        accessed, modified = store.accessed, store.modified
        try:
            header = self._cookie_header(app, store, response, modified)
        finally:
            store.accessed, store.modified = accessed, modified
        headers = response.headers
        if header is None:
            if accessed:
                # response.vary parses and rebuilds the header (~4 us), and
                # a membership test on Headers raises and catches KeyError
                # when the header is absent (~1 us); getlist does neither,
                # and most responses have no Vary yet.
                if headers.getlist("Vary"):
                    response.vary.add("Cookie")
                else:
                    headers.add("Vary", "Cookie")
            return
        # One pass finds both headers the response may already have: two
        # getlist calls scan it twice (~0.45 us more).
        cache_control: list[str] = []
        has_vary = False
        for name, value in headers:
            lowered = name.lower()
            if lowered == "cache-control":
                cache_control.append(value)
            elif lowered == "vary":
                has_vary = True
        if isinstance(header, str):
            headers.add("Set-Cookie", header)
        else:
            for value in header:
                headers.add("Set-Cookie", value)
        added = cache_control_for_cookie(cache_control, stacklevel=5)
        if added is not None:
            headers.add("Cache-Control", added)
        if has_vary:
            response.vary.add("Cookie")
        else:
            headers.add("Vary", "Cookie")

    def is_null_session(self, obj: object) -> bool:
        """Whether ``obj`` is the null session made without a secret key."""
        # Flask asks on every request; the answer for this interface's own
        # sessions is known without isinstance's ABC machinery.
        if type(obj) is FlaskSession and self.null_session_class is NullSession:
            return False
        return super().is_null_session(obj)

    def _cookie_header(
        self, app: Flask, store: FlaskSession, response: Response, modified: bool
    ) -> str | list[str] | None:
        settings = store.settings
        # Untouched: only a refresh or a re-sign can set the cookie, and the
        # should_set_cookie hook decodes it only for Flask's refresh rule.
        untouched = not store.is_loaded and not modified
        if untouched and not (
            settings.save_every_request
            or self.should_set_cookie(app, store)
            or store.needs_resign
        ):
            return None
        if not store.has_data():
            if not modified:
                return None
            cookies = CookieHeaders.of(settings)
            if cookies.chunked:  # the chunk cookies the request carried too
                return cookie_headers(
                    settings, store.deleted_cookie(), https=store.https
                )
            return cookies.delete_cookie(secure=cookies.secure_on[store.https])
        if not (
            untouched
            or settings.save_every_request
            or store.needs_resign
            or self.should_set_cookie(app, store)
        ):
            return None
        if response.status_code >= 500 and not settings.save_on_server_error:
            return None
        if store.has_expiry():  # set_expiry wins over Flask's rules
            max_age = SessionStore.cookie_max_age(store)
        else:
            max_age = _seconds_until(self.get_expiration_time(app, store))
        store._max_age = max_age
        store.save()
        cookies = CookieHeaders.of(settings)
        if cookies.chunked:
            return cookie_headers(settings, store.saved_cookie(), https=store.https)
        return cookies.set_cookie(
            store.session_key or "", max_age, secure=cookies.secure_on[store.https]
        )


def _seconds_until(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    # A naive moment is UTC, as Flask's own helpers read it.
    return max(0, round((_clock.aware(moment) - _clock.now()).total_seconds()))
