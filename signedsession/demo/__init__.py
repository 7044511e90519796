"""The demo: WSGI, Flask, Pyramid, Django and Starlette apps sharing one session.

It sits above the adapters (it mounts an app of each framework) and needs
Flask, Pyramid, Django, Starlette, uvicorn, a2wsgi and waitress, imported
only when the demo is built.
"""

from __future__ import annotations

from .app import (
    ENV_FALLBACK_KEYS,
    DemoDependencyMissing,
    create_asgi_server,
    create_server,
    demo_settings,
    make_app,
    make_asgi_app,
    make_starlette_app,
    serve,
)

__all__ = [
    "ENV_FALLBACK_KEYS",
    "DemoDependencyMissing",
    "create_asgi_server",
    "create_server",
    "demo_settings",
    "make_app",
    "make_asgi_app",
    "make_starlette_app",
    "serve",
]
