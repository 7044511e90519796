"""The Pyramid adapter's settings: ``signedsession.*`` keys from an .ini file.

:func:`session_factory_from_settings` turns the strings of a Pyramid
settings mapping into a :class:`~signedsession.adapters.pyramid.SignedSessionFactory`;
``includeme`` in :mod:`signedsession.adapters.pyramid` calls it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Callable

from pyramid.settings import asbool

from signedsession.readers.pyramid import (
    DEFAULT_HASHALG,
    DEFAULT_SALT,
    PyramidCookieReader,
)
from signedsession.settings import SessionSettings

__all__ = ["UNSET", "Unset", "factory_arguments"]


class Unset(enum.Enum):
    """The type of :data:`UNSET`: an option left to its default."""

    TOKEN = 0


#: An option not given (None is a value: no Max-Age).
UNSET = Unset.TOKEN

_Converter = Callable[[str, Any], Any]


def _is_none(value: Any) -> bool:
    """An .ini value that means None: empty, or "none" in any case."""
    return value is None or str(value).strip().lower() in ("", "none")


def _as_bool(name: str, value: Any) -> bool:
    return bool(asbool(value))


def _as_optional_bool(name: str, value: Any) -> bool | None:
    return None if _is_none(value) else _as_bool(name, value)


def _as_int(name: str, value: Any, *, what: str = "an integer") -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be {what}, got {value!r}") from None


def _as_optional_int(name: str, value: Any) -> int | None:
    return None if _is_none(value) else _as_int(name, value, what="an integer or None")


def _as_str(name: str, value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _as_optional_str(name: str, value: Any) -> Any:
    return None if _is_none(value) else _as_str(name, value)


def _as_keys(name: str, value: Any) -> tuple[Any, ...]:
    return tuple(value.split()) if isinstance(value, str) else tuple(value)


_CONVERTERS: dict[str, _Converter] = {
    "secret_key": _as_str,
    "fallback_keys": _as_keys,
    "cookie_name": _as_str,
    "max_age": _as_optional_int,
    "expire_at_browser_close": _as_bool,
    "save_every_request": _as_bool,
    "path": _as_str,
    "domain": _as_optional_str,
    "secure": _as_optional_bool,
    "httponly": _as_bool,
    "samesite": lambda name, value: (
        None if value is None or str(value).strip() == "" else _as_str(name, value)
    ),
    "partitioned": _as_bool,
    "salt": _as_str,
    "digest": _as_str,
    "compress": _as_bool,
    "max_cookie_size": _as_int,
    "max_chunks": _as_int,
    "cookie_format": _as_int,
    "save_on_server_error": _as_bool,
    "clock_skew": _as_int,
    "absolute_max_age": _as_optional_int,
    "environ_key": _as_str,
    "max_decompressed_size": _as_int,
    "max_json_depth": _as_int,
    "encrypt": _as_bool,
    "revocations": _as_optional_str,
    "user_key": _as_optional_str,
    # Pyramid's own options.
    "timeout": _as_optional_int,
    "reissue_time": _as_optional_int,
    "set_on_exception": _as_bool,
    "pyramid_salt": _as_str,
    "pyramid_hashalg": _as_str,
}
# Dotted names, resolved by the configurator.
_DOTTED = ("serializer", "migrate_from")


def factory_arguments(
    settings: Mapping[str, Any],
    *,
    prefix: str = "signedsession.",
    resolve: Callable[[Any], Any] | None = None,
) -> dict[str, Any]:
    """The keyword arguments of ``SignedSessionFactory.from_settings`` that
    the ``signedsession.*`` keys of ``settings`` describe.

    ``session_factory_from_settings`` in the adapter lists the keys.

    :raises ConfigurationError: ``secret_key`` is missing, a key is unknown
        or a value is invalid.
    """
    from pyramid.exceptions import ConfigurationError

    values: dict[str, Any] = {}
    unknown = []
    for key, raw in settings.items():
        if not key.startswith(prefix):
            continue
        name = key[len(prefix) :]
        if name in _CONVERTERS:
            try:
                values[name] = _CONVERTERS[name](key, raw)
            except ValueError as exc:
                raise ConfigurationError(str(exc)) from None
        elif name in _DOTTED:
            resolve_ = resolve or (lambda dotted: dotted)
            if name == "serializer":
                found = resolve_(raw)
                values[name] = found() if isinstance(found, type) else found
            else:
                names = raw.split() if isinstance(raw, str) else raw
                values[name] = tuple(resolve_(item) for item in names)
        else:
            unknown.append(key)
    if unknown:
        known = sorted((*_CONVERTERS, *_DOTTED))
        raise ConfigurationError(
            f"unknown setting {', '.join(sorted(unknown))}; the {prefix}* settings"
            f" are {', '.join(known)}"
        )
    if not values.get("secret_key"):
        raise ConfigurationError(
            f"{prefix}secret_key is not set: add it to your application's"
            " settings (generate one with `signedsession genkey`); sessions"
            " cannot be signed without it"
        )

    reissue_time = values.pop("reissue_time", 0)
    set_on_exception = values.pop("set_on_exception", True)
    migration = PyramidCookieReader.configured(
        salt=values.pop("pyramid_salt", DEFAULT_SALT),
        hashalg=values.pop("pyramid_hashalg", DEFAULT_HASHALG),
    )
    values["migrate_from"] = (migration, *values.get("migrate_from", ()))
    values.setdefault("save_on_server_error", True)
    cookie_age: int | Unset | None = UNSET
    if "timeout" in values:
        timeout = values.pop("timeout")
        if "max_age" in values:
            cookie_age = values["max_age"]
            values.setdefault("expire_at_browser_close", cookie_age is None)
        values["max_age"] = timeout
    try:
        session_settings = SessionSettings(**values)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"{prefix}*: {exc}") from None
    return {
        "settings": session_settings,
        "reissue_time": reissue_time,
        "set_on_exception": set_on_exception,
        "cookie_max_age": cookie_age,
    }
