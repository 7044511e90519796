"""pytest plugin: Starlette's own tests run against signedsession's middleware.

Loaded with ``-p`` before Starlette's test modules are imported, so their
``from starlette.middleware.sessions import SessionMiddleware`` gets ours.
"""

import starlette.middleware.sessions

from signedsession.asgi import SessionMiddleware

starlette.middleware.sessions.SessionMiddleware = SessionMiddleware  # type: ignore[misc]
