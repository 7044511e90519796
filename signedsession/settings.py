"""SessionSettings: every option, validated once."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple, Protocol, Union, runtime_checkable

from .exceptions import InsecureSecretWarning
from .revocation import Revocations, from_url

__all__ = ["Decoded", "ForeignFormat", "Serializer", "SessionSettings"]

Secret = Union[str, bytes]

_SAMESITE = {"strict": "Strict", "lax": "Lax", "none": "None"}
_DIGESTS = ("sha1", "sha224", "sha256", "sha384", "sha512")
_MIN_SECRET_BYTES = 32


@runtime_checkable
class Serializer(Protocol):
    """Turns session data into bytes (or text) and back."""

    def dumps(self, obj: Any) -> str | bytes:
        """Serialize ``obj``; raise ``TypeError`` for what cannot be represented."""

    def loads(self, data: bytes) -> Any:
        """Deserialize ``data``; raise ``ValueError`` for malformed input."""


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


class ForeignFormat(Protocol):
    """Reads another library's session cookie, to migrate its users."""

    def loads(self, value: str) -> Decoded:
        """Verify and decode ``value``; ``key_index`` -1 marks it foreign.

        :raises InvalidCookie: with the reason, never the value.
        """


def _default_serializer() -> Serializer:
    from .serializers import JSONSerializer

    return JSONSerializer()


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
    revocations: Revocations | str | None = None
    user_key: str | None = None

    def __post_init__(self) -> None:
        secret = _as_bytes(self.secret_key, "secret_key")
        if not secret:
            raise ValueError("secret_key must not be empty")
        if len(secret) < _MIN_SECRET_BYTES:
            warnings.warn(
                f"secret_key is {len(secret)} bytes; use at least"
                f" {_MIN_SECRET_BYTES} random bytes (signedsession genkey)",
                InsecureSecretWarning,
                stacklevel=3,
            )
        if isinstance(self.fallback_keys, (str, bytes)):
            raise ValueError(
                "fallback_keys must be a sequence of keys, got a single"
                f" {type(self.fallback_keys).__name__} (wrap it: (key,))"
            )
        if not isinstance(self.fallback_keys, (tuple, list)):
            raise TypeError(
                "fallback_keys must be a tuple or list of str or bytes keys,"
                f" got {type(self.fallback_keys).__name__}"
            )
        fallbacks = tuple(self.fallback_keys)
        for key in fallbacks:
            if not _as_bytes(key, "each of fallback_keys"):
                raise ValueError("fallback_keys must not contain an empty key")
        object.__setattr__(self, "fallback_keys", fallbacks)

        self._check_str("cookie_name", self.cookie_name)
        if not self.cookie_name.isascii() or any(
            c in ' ;,="\\' or not c.isprintable() for c in self.cookie_name
        ):
            raise ValueError(
                "cookie_name must be ASCII without spaces, control characters"
                f' or any of ;,="\\, got {self.cookie_name!r}'
            )
        for name in ("max_age", "absolute_max_age"):
            self._check_int(name, getattr(self, name), minimum=0, optional=True)
        for name in (
            "expire_at_browser_close",
            "save_every_request",
            "httponly",
            "partitioned",
            "compress",
            "save_on_server_error",
        ):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(
                    f"{name} must be True or False, got {getattr(self, name)!r}"
                )
        if self.secure is not None and not isinstance(self.secure, bool):
            raise TypeError(f"secure must be True, False or None, got {self.secure!r}")
        self._check_str("path", self.path)
        if not self.path.startswith("/"):
            raise ValueError(f"path must be a str starting with '/', got {self.path!r}")
        if self.domain is not None:
            self._check_str("domain", self.domain, optional=True)
            # It is written verbatim into Set-Cookie: no header injection.
            if not self.domain.isascii() or any(
                c in ' ;,="\\' or not c.isprintable() for c in self.domain
            ):
                raise ValueError(
                    "domain must be an ASCII host name without spaces, control"
                    f' characters or any of ;,="\\, got {self.domain!r}'
                )

        if self.samesite is not None and not isinstance(self.samesite, str):
            raise TypeError(
                "samesite must be 'Strict', 'Lax', 'None' or None,"
                f" got {type(self.samesite).__name__}"
            )

        if self.samesite is not None:
            canonical = (
                _SAMESITE.get(self.samesite.lower())
                if isinstance(self.samesite, str)
                else None
            )
            if canonical is None:
                raise ValueError(
                    "samesite must be 'Strict', 'Lax', 'None' or None,"
                    f" got {self.samesite!r}"
                )
            object.__setattr__(self, "samesite", canonical)
        if self.requires_secure and self.secure is False:
            raise ValueError(
                "secure=False cannot be combined with samesite='None' or"
                " partitioned=True: browsers reject such cookies; leave"
                " secure=None or set it to True"
            )

        if not isinstance(self.salt, str):
            raise TypeError(f"salt must be a str, got {type(self.salt).__name__}")
        if not isinstance(self.digest, str):
            raise TypeError(
                f"digest must be a str, one of {', '.join(_DIGESTS)},"
                f" got {type(self.digest).__name__}"
            )
        if self.digest not in _DIGESTS:
            raise ValueError(
                f"digest must be one of {', '.join(_DIGESTS)}, got {self.digest!r}"
            )
        if not isinstance(self.serializer, Serializer):
            raise TypeError(
                "serializer must have dumps(obj) and loads(bytes) methods,"
                f" got {type(self.serializer).__name__}"
            )
        self._check_int("max_cookie_size", self.max_cookie_size, minimum=64)
        self._check_int("clock_skew", self.clock_skew, minimum=0)
        self._check_int(
            "max_decompressed_size", self.max_decompressed_size, minimum=1024
        )
        self._check_int("max_json_depth", self.max_json_depth, minimum=1)
        self._check_str("environ_key", self.environ_key)
        if not isinstance(self.migrate_from, (tuple, list)):
            raise TypeError(
                "migrate_from must be a tuple of callables,"
                f" got {type(self.migrate_from).__name__}"
            )
        migrate_from = tuple(self.migrate_from)
        if not all(callable(reader) for reader in migrate_from):
            raise TypeError(
                "migrate_from must hold callables that take the settings and"
                " return a reader with loads(value)"
            )
        object.__setattr__(self, "migrate_from", migrate_from)
        self._check_revocations()

    def _check_revocations(self) -> None:
        revocations: object = self.revocations
        if isinstance(revocations, str):
            revocations = from_url(revocations)  # ValueError names the option
            object.__setattr__(self, "revocations", revocations)
        if revocations is not None and not isinstance(revocations, Revocations):
            raise TypeError(
                "revocations must be None, a URL or a backend from"
                " signedsession.revocation, got"
                f" {type(revocations).__name__}"
            )
        if self.user_key is not None:
            # Without revocations it is unused (an adapter's config may set
            # it apart from the backend).
            self._check_str("user_key", self.user_key, optional=True)

    @staticmethod
    def _check_str(name: str, value: object, *, optional: bool = False) -> None:
        accepted = "a non-empty str or None" if optional else "a non-empty str"
        if not isinstance(value, str):
            raise TypeError(f"{name} must be {accepted}, got {type(value).__name__}")
        if not value:
            raise ValueError(f"{name} must be {accepted}, got ''")

    @staticmethod
    def _check_int(
        name: str, value: object, *, minimum: int, optional: bool = False
    ) -> None:
        if value is None and optional:
            return
        if isinstance(value, bool) or not isinstance(value, int):
            accepted = "an int or None" if optional else "an int"
            raise TypeError(f"{name} must be {accepted}, got {value!r}")
        if value < minimum:
            raise ValueError(f"{name} must be at least {minimum}, got {value}")

    @property
    def requires_secure(self) -> bool:
        """Whether the cookie must carry ``Secure`` on every scheme.

        ``SameSite=None`` and ``Partitioned`` cookies are rejected by browsers
        without it, so they are always Secure.
        """
        return self.samesite == "None" or self.partitioned

    @property
    def revocation_backend(self) -> Revocations | None:
        """The revocation backend, a URL given to ``revocations`` resolved."""
        return self.revocations  # type: ignore[return-value]  # str resolved at init

    def is_secure(self, https: bool) -> bool:
        """Whether the cookie carries ``Secure`` on a request over ``https``."""
        if self.secure is None:
            return https or self.requires_secure
        return self.secure or self.requires_secure
