"""Secret keys: where the tools find one, and how a new one is made."""

from __future__ import annotations

import secrets

__all__ = ["ENV_SECRET_KEY", "KEY_BYTES", "generate_key"]

#: The environment variable that holds the secret key.
ENV_SECRET_KEY = "SIGNEDSESSION_SECRET_KEY"
#: Bytes of randomness in a key made by ``genkey``.
KEY_BYTES = 48


def generate_key() -> str:
    """A new random secret key: 48 random bytes, URL-safe base64 (64 chars)."""
    return secrets.token_urlsafe(KEY_BYTES)
