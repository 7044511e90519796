"""Exceptions and warnings raised by signedsession."""

from __future__ import annotations

__all__ = ["InsecureSecretWarning", "InvalidCookie", "SessionTooLarge"]


class InsecureSecretWarning(UserWarning):
    """A secret key is too short to resist brute force."""


class SessionTooLarge(ValueError):
    """The session would make a ``Set-Cookie`` header over ``max_cookie_size``.

    Browsers drop such a cookie silently, so saving refuses instead.

    :param size: Size in bytes of the header (or payload) that would be sent.
    :param limit: The limit it exceeds.
    :param largest_keys: ``(key, serialized size)`` pairs, largest first.
    :param chunks: ``max_chunks``: how many cookies of ``limit`` bytes each
        could not hold it either.
    """

    def __init__(
        self,
        size: int,
        limit: int,
        largest_keys: list[tuple[str, int]],
        *,
        what: str = "Set-Cookie header",
        chunks: int = 1,
    ) -> None:
        self.size = size
        self.limit = limit
        self.largest_keys = largest_keys
        self.chunks = chunks
        keys = ", ".join(f"{key!r} ({n} bytes)" for key, n in largest_keys)
        split = (
            f", and does not fit in max_chunks={chunks} cookies of that limit"
            if chunks > 1
            else ""
        )
        super().__init__(
            f"session too large: the {what} would be {size} bytes, over the"
            f" limit of {limit}{split}; largest keys: {keys or 'none'}"
        )


class InvalidCookie(ValueError):
    """A cookie value was rejected; ``reason`` says why, never what it held.

    Raised by :meth:`Codec.loads <signedsession._codec.Codec.loads>` and
    the ``migrate_from`` readers (``FlaskCookieReader``,
    ``PyramidCookieReader``); :func:`~signedsession.inspection.inspect_cookie`
    passes it on. The store never lets it out: it turns a rejected cookie
    into an empty session and one log line.
    """

    # No __init__: raised for every rejected cookie, it stays a C-level
    # construction; the reason is the one argument.

    @property
    def reason(self) -> str:
        """Why the value was rejected, e.g. ``"bad signature"``."""
        return self.args[0]  # type: ignore[no-any-return]
