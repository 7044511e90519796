"""Pyramid adapter: an ``ISessionFactory`` whose sessions are signed cookies.

Switch from Pyramid's own factory with one line::

    config.set_session_factory(SignedSessionFactory(secret, timeout=1200))

or let ``config.include("signedsession.adapters.pyramid")`` read the
``signedsession.*`` settings. Cookies issued by Pyramid's
``SignedCookieSessionFactory`` with the same secret are accepted once and
re-issued in signedsession's format.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, Union, cast

from pyramid.exceptions import ConfigurationError
from pyramid.interfaces import (
    ISession,
    ISessionFactory,
)
from webob.cookies import RequestCookies
from zope.interface import implementer

from signedsession import _clock
from signedsession._response import session_headers, with_vary_cookie
from signedsession.readers.pyramid import (
    DEFAULT_HASHALG,
    DEFAULT_SALT,
    PyramidCookieReader,
)
from signedsession.settings import Serializer, SessionSettings, check_int
from signedsession.store import SessionStore

from .pyramid_settings import UNSET, Unset, factory_arguments

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request
    from pyramid.response import Response

__all__ = [
    "PyramidAttributes",
    "PyramidSession",
    "SignedSessionFactory",
    "includeme",
    "session_factory_from_settings",
]

Secret = Union[str, bytes]

#: Where Pyramid keeps flash queues and the CSRF token, so that sessions
#: migrated from Pyramid's factory keep them.
FLASH_PREFIX = "_f_"
CSRF_KEY = "_csrft_"

# signedsession's own salt when the Pyramid salt is left at its default.
_SIGNING_SALT = cast(str, SessionSettings.__dataclass_fields__["salt"].default)
# signedsession's own digest when hashalg is not given.
_DIGEST = cast(str, SessionSettings.__dataclass_fields__["digest"].default)
_HASHALGS = ("sha1", "sha224", "sha256", "sha384", "sha512")


class PyramidAttributes:
    """The read-only attributes Pyramid's session factory carries.

    Pyramid's ``SignedCookieSessionFactory`` returns a session class whose
    ``_cookie_*``, ``_timeout`` and ``_reissue_time`` attributes add-ons
    read (to manage several sessions, say); the factory and its sessions
    have the same names here, with Pyramid's meanings. Never the secret.

    .. versionadded:: 0.1
    """

    settings: SessionSettings
    reissue_time: int | None
    set_on_exception: bool
    cookie_age: int | Unset | None

    @property
    def _cookie_name(self) -> str:
        return self.settings.cookie_name

    @property
    def _cookie_max_age(self) -> int | None:
        """The cookie's Max-Age; None for a browser-session cookie."""
        age = self.cookie_age
        if age is UNSET:
            settings = self.settings
            return None if settings.expire_at_browser_close else settings.max_age
        return age

    @property
    def _cookie_path(self) -> str:
        return self.settings.path

    @property
    def _cookie_domain(self) -> str | None:
        return self.settings.domain

    @property
    def _cookie_secure(self) -> bool:
        """Whether every cookie is Secure (False: only over https)."""
        settings = self.settings
        return bool(settings.secure) or settings.requires_secure

    @property
    def _cookie_httponly(self) -> bool:
        return self.settings.httponly

    @property
    def _cookie_samesite(self) -> str | None:
        return self.settings.samesite

    @property
    def _cookie_on_exception(self) -> bool:
        return self.set_on_exception

    @property
    def _timeout(self) -> int | None:
        """Seconds of inactivity after which the cookie is refused."""
        return self.settings.max_age

    @property
    def _reissue_time(self) -> int | None:
        return self.reissue_time


@implementer(ISession)
class PyramidSession(PyramidAttributes, SessionStore):
    """A :class:`~signedsession.SessionStore` that is also a Pyramid ``ISession``.

    Each :class:`SignedSessionFactory` makes a subclass carrying its options,
    so that building a session per request costs only the store itself.

    .. versionadded:: 0.1
    """

    #: Seconds after which an accessed cookie is re-issued (0: on every
    #: access, at most once a second); None: never.
    reissue_time: int | None = 0
    #: Whether the cookie is written when ``request.exception`` is set.
    set_on_exception = True
    #: The cookie's Max-Age when it differs from the inactivity limit.
    cookie_age: int | Unset | None = UNSET
    _new = True

    # -- ISession ---------------------------------------------------------

    def copy(self) -> dict[str, Any]:
        """A shallow copy of the data, as a dict (Pyramid's session is one)."""
        return super().copy()

    @property
    def created(self) -> int:
        """When the session began (Unix seconds); kept in the cookie."""
        self.accessed = True
        return self.begin()

    @property
    def new(self) -> bool:
        """Whether the request brought no valid session cookie."""
        self.accessed = True
        self.has_data()  # loads the cookie
        return self._new

    def load(self) -> dict[str, Any]:
        """Verify and decode the cookie value; ``{}`` when it is invalid."""
        data = super().load()
        self._new = self.key_index is None
        return data

    def invalidate(self) -> None:
        """Empty the session; later writes in this request start a new one.

        With no write after it, the response deletes the cookie.
        """
        self.flush()

    def changed(self) -> None:
        """Mark the session modified, after changing a mutable value in place."""
        self.modified = True

    def setdefault(self, key: str, default: Any = None) -> Any:
        """The value of ``key``, storing ``default`` first if it is missing."""
        return super().setdefault(key, default)

    def popitem(self) -> tuple[str, Any]:
        """Remove and return a ``(key, value)`` pair.

        :raises KeyError: the session is empty.
        """
        keys = list(self)
        if not keys:
            raise KeyError("popitem(): session is empty")
        key = keys[-1]  # last in, first out, as a dict
        return key, self.pop(key)

    def flash(self, msg: Any, queue: str = "", allow_duplicate: bool = True) -> None:
        """Append ``msg`` to the flash ``queue``."""
        storage = self.setdefault(FLASH_PREFIX + queue, [])
        if allow_duplicate or msg not in storage:
            storage.append(msg)
            self.modified = True

    def pop_flash(self, queue: str = "") -> list[Any]:
        """Remove the flash ``queue`` and return its messages."""
        return self.pop(FLASH_PREFIX + queue, [])  # type: ignore[no-any-return]

    def peek_flash(self, queue: str = "") -> list[Any]:
        """The messages of the flash ``queue``, left in place."""
        return self.get(FLASH_PREFIX + queue, [])  # type: ignore[no-any-return]

    def new_csrf_token(self) -> str:
        """Store a new random CSRF token and return it."""
        token = secrets.token_hex(20)
        self[CSRF_KEY] = token
        return token

    def get_csrf_token(self) -> str:
        """The session's CSRF token, made on first use."""
        token = self.get(CSRF_KEY)
        if token is None:
            return self.new_csrf_token()
        return token  # type: ignore[no-any-return]

    # -- signedsession policy ------------------------------------------------

    def get_session_cookie_age(self) -> int | None:
        """Seconds a cookie lives by default: the factory's ``max_age``."""
        age = self.cookie_age
        return super().get_session_cookie_age() if age is UNSET else age

    def respond(self, request: Request, response: Response) -> None:
        """Write the session's cookie headers into ``response``.

        Registered as a response callback by the factory. A change to the
        session after it gives a ``RuntimeWarning``.
        """
        if (
            not self.set_on_exception
            and getattr(request, "exception", None) is not None
        ):
            if self.accessed:
                response.headerlist = with_vary_cookie(response.headerlist)
            self.seal()
            return
        accessed = self.accessed
        if accessed and not self.modified:
            reissue = self.reissue_time
            issued = self.issued_at
            if (
                reissue is not None
                and issued is not None
                # Re-signed within the second it was issued, the cookie would
                # be the same: 0 means at most once a second, as in Pyramid.
                and int(_clock.time()) - issued >= (reissue or 1)
            ):
                self.modified = True
        if accessed or self.modified or self.settings.save_every_request:
            response.headerlist = session_headers(
                self,
                response.status,
                response.headerlist,
                https=request.environ.get("wsgi.url_scheme") == "https",
            )
        self.seal()  # a later change could not reach the client: warn


def _seconds(name: str, value: object) -> int | None:
    """``value`` as whole seconds, converted as Pyramid's factory does."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"{name} must be a number of seconds or None, got {value!r}")
    try:
        return int(value)
    except ValueError:
        raise ValueError(
            f"{name} must be a number of seconds or None, got {value!r}"
        ) from None


@implementer(ISessionFactory)
class SignedSessionFactory(PyramidAttributes):
    """A Pyramid session factory storing the session in a signed cookie.

    Takes the arguments of Pyramid's ``SignedCookieSessionFactory`` with
    the same meanings, plus any :class:`~signedsession.SessionSettings`
    field as a keyword. ``timeout`` is the server-enforced inactivity limit
    (``SessionSettings.max_age``); ``max_age`` is only the cookie's Max-Age
    (None: the cookie ends with the browser session). ``secure=False``
    means Secure on https requests. Cookies made by Pyramid's factory with
    this ``secret`` (or one of ``fallback_secrets``), ``salt``, ``hashalg``
    and ``serializer`` are accepted and re-issued in signedsession's format.

    :param secret: the key that signs the cookie.
    :param max_age: the cookie's Max-Age in seconds; None for a
        browser-session cookie.
    :param timeout: seconds of inactivity after which the server rejects
        the cookie; None for no limit.
    :param reissue_time: re-issue the cookie when the session is accessed
        and the cookie is at least this many seconds old; 0 on every
        accessing request; None never.
    :param set_on_exception: write the cookie even when ``request.exception``
        is set (an exception view made the response).
    :param salt: Pyramid's salt. A value other than the default also salts
        signedsession's signatures, keeping applications that share a
        secret apart.
    :param hashalg: the digest that signs new cookies, and that Pyramid's
        cookies were signed with: one of ``"sha1"``, ``"sha224"``,
        ``"sha256"``, ``"sha384"``, ``"sha512"``. signedsession's cookies
        issued before it was set, under ``"sha256"``, keep loading (and are
        re-issued). None (not given): Pyramid's cookies are read as
        Pyramid's default ``"sha512"``, and new cookies are signed with
        ``digest`` (``"sha256"``).
    :param serializer: an object with ``dumps`` and ``loads`` (raising
        ``ValueError``), as Pyramid's; JSON when None.
    :param fallback_secrets: older secrets still accepted, never used to sign.
    :raises ValueError: an option has a value outside what it accepts.
    :raises TypeError: an option has the wrong type.

    .. versionadded:: 0.1
    """

    settings: SessionSettings
    session_class: type[PyramidSession]

    def __init__(
        self,
        secret: Secret,
        *,
        cookie_name: str = "session",
        max_age: int | None = None,
        path: str = "/",
        domain: str | None = None,
        secure: bool | None = False,
        httponly: bool = True,
        samesite: str | None = "Lax",
        set_on_exception: bool = True,
        timeout: int | None = 1200,
        reissue_time: int | None = 0,
        hashalg: str | None = None,
        salt: Secret = DEFAULT_SALT,
        serializer: Serializer | None = None,
        fallback_secrets: tuple[Secret, ...] = (),
        **options: Any,
    ) -> None:
        if isinstance(fallback_secrets, (str, bytes)):
            raise ValueError(
                "fallback_secrets must be a sequence of secrets, got a single"
                f" {type(fallback_secrets).__name__} (wrap it: (secret,))"
            )
        cookie_age = _seconds("max_age", max_age)
        options.setdefault("expire_at_browser_close", cookie_age is None)
        # Pyramid saves on any status; set_on_exception governs exceptions.
        options.setdefault("save_on_server_error", True)
        if serializer is not None:
            options["serializer"] = serializer
        if hashalg is None:  # Pyramid's default, for its cookies only
            hashalg = DEFAULT_HASHALG
        else:
            if hashalg not in _HASHALGS:
                raise ValueError(
                    f"hashalg must be one of {', '.join(_HASHALGS)}, got {hashalg!r}"
                )
            options.setdefault("digest", hashalg)
            if options["digest"] != _DIGEST:
                options.setdefault("fallback_digests", (_DIGEST,))
        migrate_from = (
            PyramidCookieReader.configured(
                salt=salt, hashalg=hashalg, serializer=serializer
            ),
            *options.pop("migrate_from", ()),
        )
        if salt in (DEFAULT_SALT, DEFAULT_SALT.encode()):
            signing_salt = _SIGNING_SALT
        elif isinstance(salt, bytes):
            signing_salt = salt.decode("latin-1")
        else:
            signing_salt = salt
        settings = SessionSettings(
            secret_key=secret,
            fallback_keys=fallback_secrets,
            cookie_name=cookie_name,
            max_age=_seconds("timeout", timeout),
            path=path,
            domain=domain,
            secure=secure or None,
            httponly=httponly,
            samesite=samesite,
            salt=signing_salt,
            migrate_from=migrate_from,
            **options,
        )
        self._setup(
            settings,
            reissue_time=_seconds("reissue_time", reissue_time),
            set_on_exception=set_on_exception,
            cookie_age=cookie_age,
        )

    @classmethod
    def from_settings(
        cls,
        settings: SessionSettings,
        /,
        *,
        reissue_time: int | None = 0,
        set_on_exception: bool = True,
        cookie_max_age: int | Unset | None = UNSET,
    ) -> SignedSessionFactory:
        """A factory for ``settings`` as they are, with Pyramid's extra options.

        ``settings.max_age`` is both the inactivity limit and the cookie's
        Max-Age, as everywhere in signedsession, unless ``cookie_max_age``
        is given. Sessions read by a :class:`~signedsession.SessionMiddleware`
        with the same settings are the same sessions.
        """
        factory = cls.__new__(cls)
        factory._setup(
            settings,
            reissue_time=_seconds("reissue_time", reissue_time),
            set_on_exception=set_on_exception,
            cookie_age=cookie_max_age,
        )
        return factory

    def _setup(
        self,
        settings: SessionSettings,
        *,
        reissue_time: int | None,
        set_on_exception: bool,
        cookie_age: int | Unset | None,
    ) -> None:
        if not isinstance(set_on_exception, bool):
            raise TypeError(
                f"set_on_exception must be True or False, got {set_on_exception!r}"
            )
        if reissue_time is not None and reissue_time < 0:
            raise ValueError(f"reissue_time must be at least 0, got {reissue_time}")
        if cookie_age is not UNSET:
            check_int("max_age", cookie_age, minimum=0, optional=True)
        self.settings = settings
        self.session_class = type(
            "PyramidSession",
            (PyramidSession,),
            {
                "__module__": __name__,
                "reissue_time": reissue_time,
                "set_on_exception": set_on_exception,
                "cookie_age": cookie_age,
            },
        )
        # Built now, once, rather than by the first request.
        SessionStore.prepare(settings)

    def __call__(self, request: Request) -> PyramidSession:
        """The session of ``request``; its cookie is read on first access.

        The cookie comes from ``request.cookies``, as Pyramid's own factory
        reads it: on a real request, from the ``Cookie`` header itself
        (parsed lazily, on first access); on a ``DummyRequest``, from the
        mapping given to it, else from its environ's ``HTTP_COOKIE``.
        """
        cookies = request.cookies
        value = (
            None
            if type(cookies) is RequestCookies  # a view of the Cookie header
            else cookies.get(self.settings.cookie_name)
        )
        session: PyramidSession
        if value is None:
            session = self.session_class.from_cookie_header(  # type: ignore[assignment]
                request.environ.get("HTTP_COOKIE"), settings=self.settings
            )
        else:
            if isinstance(value, bytes):  # Pyramid's own tests pass bytes
                value = value.decode("latin-1")
            session = self.session_class(value, settings=self.settings)
        request.add_response_callback(session.respond)
        return session

    @property
    def reissue_time(self) -> int | None:  # type: ignore[override]
        """Seconds after which an accessed cookie is re-issued; None: never."""
        return self.session_class.reissue_time

    @property
    def set_on_exception(self) -> bool:  # type: ignore[override]
        """Whether the cookie is written when ``request.exception`` is set."""
        return self.session_class.set_on_exception

    @property
    def cookie_age(self) -> int | Unset | None:  # type: ignore[override]
        """The cookie's Max-Age when it differs from the inactivity limit."""
        return self.session_class.cookie_age

    def __repr__(self) -> str:
        return f"<SignedSessionFactory {self.settings!r}>"


def session_factory_from_settings(
    settings: Mapping[str, Any],
    *,
    prefix: str = "signedsession.",
    resolve: Callable[[Any], Any] | None = None,
) -> SignedSessionFactory:
    """A factory configured by the ``signedsession.*`` keys of ``settings``.

    Keys are :class:`~signedsession.SessionSettings` field names with their
    meanings and defaults (``fallback_keys`` whitespace-separated, strings
    converted), plus Pyramid's ``timeout``, ``reissue_time`` and
    ``set_on_exception`` and the migration options ``pyramid_salt`` and
    ``pyramid_hashalg``. ``timeout``, when set, is the inactivity limit and
    ``max_age`` only the cookie's Max-Age.

    :param resolve: turns a dotted name into an object (``serializer``,
        ``migrate_from``); the configurator's ``maybe_dotted`` in
        :func:`includeme`.
    :raises ConfigurationError: ``secret_key`` is missing, a key is unknown
        or a value is invalid.
    """
    arguments = factory_arguments(settings, prefix=prefix, resolve=resolve)
    try:
        return SignedSessionFactory.from_settings(
            arguments.pop("settings"), **arguments
        )
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"{prefix}*: {exc}") from None


def includeme(config: Configurator) -> None:
    """Set the session factory from the ``signedsession.*`` settings.

    Used as ``config.include("signedsession.adapters.pyramid")``; see
    :func:`session_factory_from_settings` for the keys.
    """
    factory = session_factory_from_settings(
        config.get_settings(), resolve=config.maybe_dotted
    )
    config.set_session_factory(factory)
