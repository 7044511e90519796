"""SessionSettings: every option, validated once."""

from __future__ import annotations

import importlib.util
import warnings
from dataclasses import InitVar, dataclass, field
from typing import (
    Any,
    Callable,
    NamedTuple,
    Protocol,
    TypeVar,
    Union,
    runtime_checkable,
)

from .exceptions import InsecureSecretWarning
from .serializers import JSONSerializer

__all__ = [
    "MAX_CHUNKS",
    "Decoded",
    "ForeignFormat",
    "RevocationStore",
    "Serializer",
    "SessionSettings",
]

Secret = Union[str, bytes]
_T = TypeVar("_T")

_SAMESITE = {"strict": "Strict", "lax": "Lax", "none": "None"}
_DIGESTS = ("sha1", "sha224", "sha256", "sha384", "sha512")
_MIN_SECRET_BYTES = 32
#: The most cookies one session may be split into (``max_chunks``): eight
#: cookies of 4 KB make a ``Cookie`` header of 32 KB, all of nginx's default
#: request-header budget (``large_client_header_buffers 4 8k``) and
#: Kestrel's; see docs/configuration.rst.
MAX_CHUNKS = 8


@runtime_checkable
class Serializer(Protocol):
    """Turns session data into bytes (or text) and back."""

    def dumps(self, obj: Any) -> str | bytes:
        """Serialize ``obj``; raise ``TypeError`` for what cannot be represented."""

    def loads(self, data: bytes) -> Any:
        """Deserialize ``data``; raise ``ValueError`` for malformed input.

        signedsession passes bytes; a serializer meant for other uses too
        should accept whatever its own ``dumps`` returns, as ours do.
        """


class Decoded(NamedTuple):
    """A verified cookie value, taken apart."""

    data: dict[str, Any]
    session_id: str
    created: int
    issued: int
    #: 0 for ``secret_key``; n for the n-th of ``fallback_keys`` (1-based);
    #: -1 for a cookie in another library's format (see ``migrate_from``).
    key_index: int
    #: The encoded data as it came, which :meth:`Codec.sign` can sign again
    #: without serializing; None for a cookie in another library's format.
    payload: bytes | None = None
    #: Whether it came in the encrypted format (``encrypt=True``'s).
    encrypted: bool = False
    #: Whether it came in the compact format (``cookie_format=2``'s).
    compact: bool = False


@runtime_checkable
class RevocationStore(Protocol):
    """Where revoked sessions are kept (``signedsession.revocation``'s backends)."""

    def check(
        self, session_id: str, user: str | None, created: float, issued: float
    ) -> int:
        """Whether a verified cookie's session is revoked (a verdict code)."""

    def revoke_session(self, session_id: str, *, ttl: float | None = None) -> None:
        """Revoke one session by id."""

    def revoke_user(
        self, user: object, before: Any = None, *, ttl: float | None = None
    ) -> None:
        """Revoke every session of ``user`` created before ``before``."""


class ForeignFormat(Protocol):
    """Reads another library's session cookie, to migrate its users."""

    def loads(self, value: str) -> Decoded:
        """Verify and decode ``value``; ``key_index`` -1 marks it foreign.

        :raises InvalidCookie: with the reason, never the value.
        """


def _default_serializer() -> Serializer:
    return JSONSerializer()


def check_str(name: str, value: object, *, optional: bool = False) -> None:
    """Raise unless ``value`` is a non-empty str, naming the option ``name``."""
    accepted = "a non-empty str or None" if optional else "a non-empty str"
    if not isinstance(value, str):
        raise TypeError(f"{name} must be {accepted}, got {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must be {accepted}, got ''")


def check_int(
    name: str, value: object, *, minimum: int, optional: bool = False
) -> None:
    """Raise unless ``value`` is an int of at least ``minimum`` (or None when
    ``optional``), naming the option ``name``."""
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        accepted = "an int or None" if optional else "an int"
        raise TypeError(f"{name} must be {accepted}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")


def _as_bytes(secret: Secret, name: str) -> bytes:
    if isinstance(secret, str):
        return secret.encode("utf-8")
    if isinstance(secret, bytes):
        return secret
    raise TypeError(f"{name} must be str or bytes, got {type(secret).__name__}")


@dataclass(frozen=True)
class SessionSettings:
    """Every option of a signed-cookie session, validated at construction.

    Built once per application and shared by all requests and threads.
    Secrets never appear in the ``repr``.

    :raises ValueError: an option has a value outside what it accepts.
    :raises TypeError: an option has the wrong type.

    .. versionadded:: 0.1
    """

    secret_key: Secret = field(repr=False)
    fallback_keys: tuple[Secret, ...] = field(default=(), repr=False)
    cookie_name: str = "session"
    max_age: int | None = 1209600
    expire_at_browser_close: bool = False
    save_every_request: bool = False
    path: str = "/"
    domain: str | None = None
    secure: bool | None = None
    httponly: bool = True
    samesite: str | None = "Lax"
    partitioned: bool = False
    salt: str = "signedsession"
    digest: str = "sha256"
    fallback_digests: tuple[str, ...] = ()
    serializer: Serializer = field(default_factory=_default_serializer)
    compress: bool = True
    max_cookie_size: int = 4093
    save_on_server_error: bool = False
    clock_skew: int = 60
    absolute_max_age: int | None = None
    environ_key: str = "signedsession.session"
    max_decompressed_size: int = 65536
    max_json_depth: int = 64
    migrate_from: tuple[Callable[[SessionSettings], ForeignFormat], ...] = ()
    encrypt: bool = False
    #: False: no :class:`InsecureSecretWarning` at construction, for an
    #: adapter that builds its settings inside a request and reports
    #: :attr:`secret_warning` its own way (not stored: not a field).
    warn_insecure_secret: InitVar[bool] = True
    revocations: RevocationStore | str | None = None
    user_key: str | None = None
    max_chunks: int = 1
    cookie_format: int = 2
    # What derived() built from these settings, by the callable that built it.
    _derived: dict[Callable[[SessionSettings], Any], Any] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self, warn_insecure_secret: bool) -> None:
        for name, rule in _RULES.items():
            value = getattr(self, name)
            checked = rule(name, value)
            if checked is not value:  # normalised: tuple(...), "Lax", ...
                object.__setattr__(self, name, checked)
        if warn_insecure_secret and self.secret_warning is not None:
            warnings.warn(
                self.secret_warning,
                InsecureSecretWarning,
                stacklevel=3,  # __post_init__, __init__: the caller
            )
        if self.requires_secure and self.secure is False:
            raise ValueError(
                "secure=False cannot be combined with samesite='None' or"
                " partitioned=True: browsers reject such cookies; leave"
                " secure=None or set it to True"
            )

    def derived(self, build: Callable[[SessionSettings], _T]) -> _T:
        """``build(self)``, built once per settings object and kept with it.

        The codec, the cookie headers and the readers are expensive to make
        and the same for every request: each is made on first use and shared
        by every request and thread.
        """
        try:
            return self._derived[build]  # type: ignore[no-any-return]
        except KeyError:
            made = self._derived[build] = build(self)
            return made

    @property
    def secret_warning(self) -> str | None:
        """Why ``secret_key`` is too short to be safe, or None when it is not."""
        size = len(_as_bytes(self.secret_key, "secret_key"))
        if size >= _MIN_SECRET_BYTES:
            return None
        return (
            f"secret_key is {size} bytes; use at least"
            f" {_MIN_SECRET_BYTES} random bytes (signedsession genkey)"
        )

    @property
    def requires_secure(self) -> bool:
        """Whether the cookie must carry ``Secure`` on every scheme.

        ``SameSite=None`` and ``Partitioned`` cookies are rejected by browsers
        without it, so they are always Secure.
        """
        return self.samesite == "None" or self.partitioned

    def is_secure(self, https: bool) -> bool:
        """Whether the cookie carries ``Secure`` on a request over ``https``."""
        if self.secure is None:
            return https or self.requires_secure
        return self.secure or self.requires_secure


# -- per-field rules: each takes the field's name and value and returns the
# value to keep (normalised where it says so), or raises naming the field.

_Rule = Callable[[str, Any], Any]


def _secret(name: str, value: Any) -> Secret:
    secret = _as_bytes(value, name)
    if not secret:
        raise ValueError(f"{name} must not be empty")
    return value  # type: ignore[no-any-return]


def _keys(name: str, value: Any) -> tuple[Secret, ...]:
    if isinstance(value, (str, bytes)):
        raise ValueError(
            f"{name} must be a sequence of keys, got a single"
            f" {type(value).__name__} (wrap it: (key,))"
        )
    if not isinstance(value, (tuple, list)):
        raise TypeError(
            f"{name} must be a tuple or list of str or bytes keys,"
            f" got {type(value).__name__}"
        )
    for key in value:
        if not _as_bytes(key, f"each of {name}"):
            raise ValueError(f"{name} must not contain an empty key")
    return value if isinstance(value, tuple) else tuple(value)


def _token(name: str, value: Any, *, what: str = "ASCII") -> str | None:
    # Written verbatim into Set-Cookie: no header injection.
    if not value.isascii() or any(c in ' ;,="\\' or not c.isprintable() for c in value):
        raise ValueError(
            f"{name} must be {what} without spaces, control"
            f' characters or any of ;,="\\, got {value!r}'
        )
    return value  # type: ignore[no-any-return]


def _cookie_name(name: str, value: Any) -> str:
    check_str(name, value)
    return _token(name, value)  # type: ignore[return-value]


def _domain(name: str, value: Any) -> str | None:
    if value is None:
        return None
    check_str(name, value, optional=True)
    return _token(name, value, what="an ASCII host name")


def _path(name: str, value: Any) -> str:
    check_str(name, value)
    if not value.startswith("/"):
        raise ValueError(f"{name} must be a str starting with '/', got {value!r}")
    return value  # type: ignore[no-any-return]


def _int(minimum: int, *, maximum: int | None = None, optional: bool = False) -> _Rule:
    def rule(name: str, value: Any) -> Any:
        check_int(name, value, minimum=minimum, optional=optional)
        if maximum is not None and value > maximum:
            raise ValueError(f"{name} must be at most {maximum}, got {value}")
        return value

    return rule


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def _optional_bool(name: str, value: Any) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"{name} must be True, False or None, got {value!r}")
    return value


def _samesite(name: str, value: Any) -> str | None:
    if value is None:
        return None
    accepted = "'Strict', 'Lax', 'None' or None"
    if not isinstance(value, str):
        raise TypeError(f"{name} must be {accepted}, got {type(value).__name__}")
    canonical = _SAMESITE.get(value.lower())
    if canonical is None:
        raise ValueError(f"{name} must be {accepted}, got {value!r}")
    return value if canonical == value else canonical


def _salt(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    return value


def _digest(name: str, value: Any) -> str:
    accepted = ", ".join(_DIGESTS)
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be a str, one of {accepted}, got {type(value).__name__}"
        )
    if value not in _DIGESTS:
        raise ValueError(f"{name} must be one of {accepted}, got {value!r}")
    return value


def _digests(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (tuple, list)):
        raise TypeError(f"{name} must be a tuple of digest names, got {value!r}")
    for digest in value:
        if digest not in _DIGESTS:
            raise ValueError(
                f"{name} must hold digests among {', '.join(_DIGESTS)}, got {digest!r}"
            )
    return value if isinstance(value, tuple) else tuple(value)


def _serializer(name: str, value: Any) -> Serializer:
    if not isinstance(value, Serializer):
        raise TypeError(
            f"{name} must have dumps(obj) and loads(bytes) methods,"
            f" got {type(value).__name__}"
        )
    return value


def _str(name: str, value: Any) -> str:
    check_str(name, value)
    return value  # type: ignore[no-any-return]


def _readers(name: str, value: Any) -> tuple[Any, ...]:
    if not isinstance(value, (tuple, list)):
        raise TypeError(
            f"{name} must be a tuple of callables, got {type(value).__name__}"
        )
    if not all(callable(reader) for reader in value):
        raise TypeError(
            f"{name} must hold callables that take the settings and"
            " return a reader with loads(value)"
        )
    return value if isinstance(value, tuple) else tuple(value)


def _encrypt(name: str, value: Any) -> bool:
    _bool(name, value)
    if value and importlib.util.find_spec("cryptography") is None:
        raise ValueError(
            f"{name}=True needs the cryptography package:"
            " pip install 'signedsession[encrypt]'"
        )
    return value  # type: ignore[no-any-return]


_REVOCATION_SCHEMES = ("memory://", "sqlite:///", "redis://", "rediss://", "unix://")


def _revocations(name: str, value: Any) -> RevocationStore | str | None:
    # A URL is checked here and opened by signedsession.revocation on first
    # use (settings sit below the backends).
    if isinstance(value, str):
        if not value.lower().startswith(_REVOCATION_SCHEMES):
            raise ValueError(
                f"{name} must be a backend or a URL starting with"
                f" {', '.join(_REVOCATION_SCHEMES)}, got {value.split(':')[0]!r}"
            )
        return value
    if value is not None and not isinstance(value, RevocationStore):
        raise TypeError(
            f"{name} must be None, a URL or a backend from"
            f" signedsession.revocation, got {type(value).__name__}"
        )
    return value


def _optional_str(name: str, value: Any) -> str | None:
    # user_key: without revocations it is unused (an adapter's config may
    # set it apart from the backend).
    if value is not None:
        check_str(name, value, optional=True)
    return value  # type: ignore[no-any-return]


#: Every validated field and its rule, in the order they are checked.
_RULES: dict[str, _Rule] = {
    "secret_key": _secret,
    "fallback_keys": _keys,
    "cookie_name": _cookie_name,
    "max_age": _int(0, optional=True),
    "absolute_max_age": _int(0, optional=True),
    "expire_at_browser_close": _bool,
    "save_every_request": _bool,
    "httponly": _bool,
    "partitioned": _bool,
    "compress": _bool,
    "save_on_server_error": _bool,
    "secure": _optional_bool,
    "path": _path,
    "domain": _domain,
    "samesite": _samesite,
    "salt": _salt,
    "digest": _digest,
    "fallback_digests": _digests,
    "serializer": _serializer,
    "max_cookie_size": _int(64),
    "max_chunks": _int(1, maximum=MAX_CHUNKS),
    "cookie_format": _int(1, maximum=2),
    "clock_skew": _int(0),
    "max_decompressed_size": _int(1024),
    "max_json_depth": _int(1),
    "environ_key": _str,
    "migrate_from": _readers,
    "encrypt": _encrypt,
    "revocations": _revocations,
    "user_key": _optional_str,
}
