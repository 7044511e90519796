"""A real Django project for the tests: auth, messages, admin, CSRF in the session.

:func:`configure` sets Django up with :mod:`djangoproject.settings` once per
test process (Django's settings are global); tests change what they need
with ``override_settings``.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()


def configure() -> None:
    """Configure Django with this project's settings and create its tables."""
    import django
    from django.conf import settings

    with _lock:
        if settings.configured:
            return
        from . import settings as project

        settings.configure(
            **{name: getattr(project, name) for name in dir(project) if name.isupper()}
        )
        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
