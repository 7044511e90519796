"""Signed-cookie sessions for any WSGI application."""

from __future__ import annotations

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
]

__version__ = "0.1.0.dev0"
