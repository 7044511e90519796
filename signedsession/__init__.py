"""Signed-cookie sessions for any WSGI application.

The layers, top down (nothing imports upward; docs/architecture.rst):

- front doors: :class:`SessionMiddleware` (WSGI) and the framework adapters
  in :mod:`signedsession.adapters`, over
- :class:`SessionStore`, Django's session API, which decides what each
  response does with the cookie, over
- the codec (``_codec``), which signs and verifies the cookie value, and
  the readers of other libraries' cookies (:mod:`signedsession.readers`), over
- :class:`SessionSettings`, every option validated once, and the
  serializers.

Modules whose names start with an underscore are internal.
"""

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
