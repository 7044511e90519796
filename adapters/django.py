"""Django session engine: ``SESSION_ENGINE = "signedsession.adapters.django"``.

Django's ``SessionMiddleware`` (unchanged) loads this module and creates
``SessionStore(session_key)`` for each request; it decides when to save,
delete and set the cookie, as it does for Django's own backends. The store
is :class:`signedsession.SessionStore`, with its options read from Django's
settings (see :data:`DJANGO_SETTINGS` and :data:`SIGNEDSESSION_SETTINGS`).

The :class:`~signedsession.SessionSettings` built from them are cached and
rebuilt when Django's ``setting_changed`` signal names one of those settings
(``override_settings`` sends it); settings assigned at run time by other
means are not seen, as Django does not support changing them.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any, NamedTuple

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.core.signing import JSONSerializer as DjangoJSONSerializer
from django.utils import timezone
from django.utils.module_loading import import_string

from signedsession import serializers
from signedsession.readers.django import DjangoCookieReader
from signedsession.settings import Serializer, SessionSettings
from signedsession.store import SessionStore as _Store

__all__ = [
    "DJANGO_SETTINGS",
    "SIGNEDSESSION_SETTINGS",
    "SessionStore",
    "session_settings",
]

#: Django's settings the engine reads, and the option each one sets.
DJANGO_SETTINGS = {
    "SECRET_KEY": "secret_key",
    "SECRET_KEY_FALLBACKS": "fallback_keys",
    "SESSION_COOKIE_NAME": "cookie_name",
    "SESSION_COOKIE_AGE": "max_age",
    "SESSION_COOKIE_PATH": "path",
    "SESSION_COOKIE_DOMAIN": "domain",
    "SESSION_COOKIE_SECURE": "secure",
    "SESSION_COOKIE_HTTPONLY": "httponly",
    "SESSION_COOKIE_SAMESITE": "samesite",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE": "expire_at_browser_close",
    "SESSION_SAVE_EVERY_REQUEST": "save_every_request",
    "SESSION_SERIALIZER": "serializer",
}

#: signedsession's own options, for which Django has no setting.
SIGNEDSESSION_SETTINGS = {
    "SIGNEDSESSION_ABSOLUTE_MAX_AGE": "absolute_max_age",
    "SIGNEDSESSION_CLOCK_SKEW": "clock_skew",
    "SIGNEDSESSION_COMPRESS": "compress",
    "SIGNEDSESSION_DIGEST": "digest",
    "SIGNEDSESSION_MAX_CHUNKS": "max_chunks",
    "SIGNEDSESSION_COOKIE_FORMAT": "cookie_format",
    "SIGNEDSESSION_MAX_COOKIE_SIZE": "max_cookie_size",
    "SIGNEDSESSION_MAX_DECOMPRESSED_SIZE": "max_decompressed_size",
    "SIGNEDSESSION_MAX_JSON_DEPTH": "max_json_depth",
    "SIGNEDSESSION_MIGRATE_FROM": "migrate_from",
    "SIGNEDSESSION_SALT": "salt",
}

#: Serializers that write JSON, by the dotted path ``SESSION_SERIALIZER``
#: names; Django's ``JSONSerializer`` (and its subclasses) count too.
_OURS: dict[str, type[Any]] = {
    "signedsession.serializers.JSONSerializer": serializers.JSONSerializer,
    "signedsession.serializers.TaggedJSONSerializer": (
        serializers.TaggedJSONSerializer
    ),
}


class _Config(NamedTuple):
    settings: SessionSettings
    serializer_class: type


_config: _Config | None = None
_lock = threading.Lock()


def _serializer(path: object) -> tuple[type, Serializer]:
    """The class ``SESSION_SERIALIZER`` names and the instance that signs."""
    if not isinstance(path, str):
        raise ImproperlyConfigured(
            f"SESSION_SERIALIZER must be a dotted path, got {type(path).__name__}"
        )
    if "pickle" in path.lower():
        raise ImproperlyConfigured(
            f"SESSION_SERIALIZER {path!r} is refused: a pickle serializer lets"
            " whoever learns SECRET_KEY run code on the server. Use"
            " 'django.contrib.sessions.serializers.JSONSerializer' (the"
            " default) or 'signedsession.serializers.TaggedJSONSerializer'."
        )
    if path in _OURS:
        ours = _OURS[path]
        return ours, ours()
    try:
        cls = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"SESSION_SERIALIZER {path!r}: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, DjangoJSONSerializer)):
        raise ImproperlyConfigured(
            f"SESSION_SERIALIZER {path!r} is not a JSON serializer: use Django's"
            " JSONSerializer (or a subclass), or signedsession.serializers'"
            " JSONSerializer or TaggedJSONSerializer"
        )
    if cls is DjangoJSONSerializer:
        # The same JSON as Django's, written by the faster serializer.
        return cls, serializers.JSONSerializer()
    return cls, cls()


def _options() -> dict[str, Any]:
    """SessionSettings fields from Django's settings."""
    read = django_settings
    samesite = read.SESSION_COOKIE_SAMESITE
    options: dict[str, Any] = {
        "secret_key": read.SECRET_KEY,
        "fallback_keys": tuple(getattr(read, "SECRET_KEY_FALLBACKS", ())),
        "cookie_name": read.SESSION_COOKIE_NAME,
        "max_age": read.SESSION_COOKIE_AGE,
        "path": read.SESSION_COOKIE_PATH,
        "domain": read.SESSION_COOKIE_DOMAIN,
        # Django's middleware decides Secure; False means "not forced".
        "secure": True if read.SESSION_COOKIE_SECURE else None,
        "httponly": bool(read.SESSION_COOKIE_HTTPONLY),
        "samesite": samesite or None,
        "expire_at_browser_close": read.SESSION_EXPIRE_AT_BROWSER_CLOSE,
        "save_every_request": read.SESSION_SAVE_EVERY_REQUEST,
        "migrate_from": (DjangoCookieReader,),
    }
    for name in dir(read):
        if name.startswith("SIGNEDSESSION_"):
            if name not in SIGNEDSESSION_SETTINGS:
                raise ImproperlyConfigured(
                    f"{name} is not a setting of signedsession's Django engine;"
                    f" known: {', '.join(sorted(SIGNEDSESSION_SETTINGS))}"
                )
            options[SIGNEDSESSION_SETTINGS[name]] = getattr(read, name)
    return options


def _build() -> _Config:
    if not django_settings.SECRET_KEY:
        raise ImproperlyConfigured(
            "signedsession's session engine needs a non-empty SECRET_KEY"
        )
    serializer_class, serializer = _serializer(django_settings.SESSION_SERIALIZER)
    options = _options()
    try:
        settings = SessionSettings(serializer=serializer, **options)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"{_setting_named(str(exc))}: {exc}") from exc
    if settings.max_chunks > 1:
        raise ImproperlyConfigured(
            "SIGNEDSESSION_MAX_CHUNKS must be 1 under Django, got"
            f" {settings.max_chunks}: Django's SessionMiddleware sets one"
            " session cookie, so a session cannot be split over several"
        )
    return _Config(settings, serializer_class)


def _setting_named(message: str) -> str:
    """The Django setting behind the option an error message starts with."""
    for table in (SIGNEDSESSION_SETTINGS, DJANGO_SETTINGS):
        for name, field in table.items():
            if message.startswith(field):
                return name
    return "session settings"


def _current() -> _Config:
    config = _config
    if config is None:
        with _lock:
            config = _config or _rebuild()
    return config


def _rebuild() -> _Config:
    global _config
    _config = _build()
    return _config


def session_settings() -> SessionSettings:
    """The :class:`~signedsession.SessionSettings` of Django's current settings.

    :raises ImproperlyConfigured: a setting has a value the engine refuses,
        named in the message.
    """
    return _current().settings


def _forget(*, setting: str, **_: Any) -> None:
    global _config
    if setting in DJANGO_SETTINGS or setting.startswith("SIGNEDSESSION_"):
        _config = None


setting_changed.connect(_forget, dispatch_uid="signedsession.adapters.django")


class SessionStore(_Store):
    """The session Django's ``SessionMiddleware`` creates for each request.

    :class:`signedsession.SessionStore` with Django's constructor: its
    options come from Django's settings, read anew after any of them
    changes (``override_settings``). Adds Django's ``a``-prefixed coroutine
    methods; a cookie session does no I/O, so each runs its plain twin.

    :param session_key: the incoming cookie value, or None.

    .. versionadded:: 0.1
    """

    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key, settings=_current().settings)

    @property
    def settings(self) -> SessionSettings:
        """The settings of Django's current settings (not those at creation)."""
        return _current().settings

    @settings.setter
    def settings(self, value: SessionSettings) -> None:
        # Set by the base class's constructor to the current settings: the
        # property above always reads them afresh, as Django's backends do.
        pass

    @property
    def serializer(self) -> Any:
        """The class ``SESSION_SERIALIZER`` names, as in Django."""
        return _current().serializer_class

    def set_expiry(self, value: int | datetime | timedelta | None) -> None:
        """Set this session's expiry, enforced when the cookie comes back.

        As :meth:`signedsession.SessionStore.set_expiry`; a ``timedelta``
        counts from Django's ``timezone.now()``, as in Django.
        """
        if isinstance(value, timedelta):
            value = timezone.now().astimezone(dt_timezone.utc) + value
        super().set_expiry(value)

    def load(self) -> dict[str, Any]:
        """Verify and decode the cookie; ``{}`` when it is invalid.

        A cookie in Django's own format, or signed with a fallback key, is
        marked modified so that Django's middleware re-issues it in
        signedsession's format, signed with ``SECRET_KEY``.
        """
        data = super().load()
        if self.needs_resign:
            self.modified = True
        return data

    # -- Django's coroutine methods (Django 5.0+): no I/O to wait for ------

    async def aget(self, key: str, default: Any = None) -> Any:
        """:meth:`get`."""
        return self.get(key, default)

    async def aset(self, key: str, value: Any) -> None:
        """``session[key] = value``."""
        self[key] = value

    async def apop(self, key: str, *args: Any, **kwargs: Any) -> Any:
        """:meth:`pop`."""
        return self.pop(key, *args, **kwargs)

    async def asetdefault(self, key: str, value: Any) -> Any:
        """:meth:`setdefault`."""
        return self.setdefault(key, value)

    async def aupdate(self, dict_: Any) -> None:
        """:meth:`update`."""
        self.update(dict_)

    async def ahas_key(self, key: str) -> bool:
        """:meth:`has_key`."""
        return self.has_key(key)

    async def akeys(self) -> Any:
        """:meth:`keys`."""
        return self.keys()

    async def avalues(self) -> Any:
        """:meth:`values`."""
        return self.values()

    async def aitems(self) -> Any:
        """:meth:`items`."""
        return self.items()

    async def aset_test_cookie(self) -> None:
        """:meth:`set_test_cookie`."""
        self.set_test_cookie()

    async def atest_cookie_worked(self) -> bool:
        """:meth:`test_cookie_worked`."""
        return self.test_cookie_worked()

    async def adelete_test_cookie(self) -> None:
        """:meth:`delete_test_cookie`."""
        self.delete_test_cookie()

    async def aget_expiry_age(self, **kwargs: Any) -> int | None:
        """:meth:`get_expiry_age`."""
        return self.get_expiry_age(**kwargs)

    async def aget_expiry_date(self, **kwargs: Any) -> datetime:
        """:meth:`get_expiry_date`."""
        return self.get_expiry_date(**kwargs)

    async def aset_expiry(self, value: int | datetime | timedelta | None) -> None:
        """:meth:`set_expiry`."""
        self.set_expiry(value)

    async def aget_expire_at_browser_close(self) -> bool:
        """:meth:`get_expire_at_browser_close`."""
        return self.get_expire_at_browser_close()

    async def aload(self) -> dict[str, Any]:
        """:meth:`load`."""
        return self.load()

    async def acreate(self) -> None:
        """:meth:`create`."""
        self.create()

    async def asave(self, must_create: bool = False) -> None:
        """:meth:`save`."""
        self.save(must_create)

    async def aexists(self, session_key: str | None = None) -> bool:
        """:meth:`exists`: always False."""
        return self.exists(session_key)

    async def adelete(self, session_key: str | None = None) -> None:
        """:meth:`delete`."""
        self.delete(session_key)

    async def acycle_key(self) -> None:
        """:meth:`cycle_key`."""
        self.cycle_key()

    async def aflush(self) -> None:
        """:meth:`flush`."""
        self.flush()

    @classmethod
    async def aclear_expired(cls) -> None:
        """Nothing to do: expired cookies are rejected when they arrive."""
