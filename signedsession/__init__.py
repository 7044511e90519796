"""Signed-cookie sessions for any WSGI application."""

from __future__ import annotations

from ._codec import key_usage
from .exceptions import InsecureSecretWarning, SessionTooLarge
from .middleware import SessionMiddleware
from .serializers import JSONSerializer, TaggedJSONSerializer
from .settings import SessionSettings
from .store import SessionStore

__all__ = [
    "InsecureSecretWarning",
    "JSONSerializer",
    "SessionMiddleware",
    "SessionSettings",
    "SessionStore",
    "SessionTooLarge",
    "TaggedJSONSerializer",
    "key_usage",
]

__version__ = "0.1.0.dev0"
