"""A minimal Django project, configured in-process, for the benchmark.

Two ``WSGIHandler`` instances share the settings: one built with
``django.contrib.sessions.middleware.SessionMiddleware`` and the
``signed_cookies`` engine, one built with no middleware at all (the bare
baseline). Django reads ``MIDDLEWARE`` only when a handler is built.
"""

from __future__ import annotations

from typing import Any

from .workloads import BARE_SESSION, SECRET, action

SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"


def _session_view(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse(action(request.path_info)(request.session))


def _bare_view(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse(action(request.path_info)(BARE_SESSION))


def _urlpatterns() -> list[Any]:
    from django.urls import re_path

    return [re_path(r"", _view)]


def _view(request: Any) -> Any:
    # The same URL configuration serves both handlers: the request tells.
    if hasattr(request, "session"):
        return _session_view(request)
    return _bare_view(request)


urlpatterns: list[Any] = []


def handlers() -> tuple[Any, Any]:
    """(bare handler, session handler), configuring Django on first call."""
    import django
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY=SECRET,
            ALLOWED_HOSTS=["*"],
            ROOT_URLCONF=__name__,
            INSTALLED_APPS=[],
            MIDDLEWARE=[SESSION_MIDDLEWARE],
            SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
            USE_TZ=True,
            DATABASES={},
            LOGGING_CONFIG=None,
        )
        django.setup()
        urlpatterns[:] = _urlpatterns()
    settings.MIDDLEWARE = [SESSION_MIDDLEWARE]
    session = WSGIHandler()
    settings.MIDDLEWARE = []
    bare = WSGIHandler()
    return bare, session
