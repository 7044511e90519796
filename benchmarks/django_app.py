"""A minimal Django project, configured in-process, for the benchmark.

Four ``WSGIHandler`` instances share the settings: three built with
``django.contrib.sessions.middleware.SessionMiddleware``, over Django's
``signed_cookies`` engine, over signedsession's
(``signedsession.adapters.django``) and over the least store the middleware
can drive (:class:`benchmarks.django_ratio.SessionStore`: Django's session
plumbing), and one built with no middleware at all (the bare baseline).
Django reads ``MIDDLEWARE`` when a handler is built, and the middleware
reads ``SESSION_ENGINE`` then.
"""

from __future__ import annotations

from typing import Any

from .workloads import BARE_SESSION, SECRET, action

SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"
DJANGO_ENGINE = "django.contrib.sessions.backends.signed_cookies"
OUR_ENGINE = "signedsession.adapters.django"
LEAST_ENGINE = "benchmarks.django_ratio"


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


def handlers() -> tuple[Any, Any, Any, Any]:
    """(bare, Django's signed_cookies, signedsession's engine, least store)
    handlers.

    Configures Django on the first call.
    """
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
            SESSION_ENGINE=DJANGO_ENGINE,
            USE_TZ=True,
            DATABASES={},
            LOGGING_CONFIG=None,
        )
        django.setup()
        urlpatterns[:] = _urlpatterns()
    settings.MIDDLEWARE = [SESSION_MIDDLEWARE]
    settings.SESSION_ENGINE = DJANGO_ENGINE
    session = WSGIHandler()
    settings.SESSION_ENGINE = OUR_ENGINE
    ours = WSGIHandler()
    settings.SESSION_ENGINE = LEAST_ENGINE
    least = WSGIHandler()
    settings.SESSION_ENGINE = DJANGO_ENGINE
    settings.MIDDLEWARE = []
    bare = WSGIHandler()
    return bare, session, ours, least
