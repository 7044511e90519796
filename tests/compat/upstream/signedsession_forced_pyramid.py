"""Pytest plugin: Pyramid's ``SignedCookieSessionFactory`` is signedsession's.

Loaded with ``-p`` before the suite imports anything, it replaces the name
in ``pyramid.session`` that applications (and Pyramid's own tests) import,
as a user switching to signedsession would with one line.
"""

from __future__ import annotations

from typing import Any

import pyramid.session

from signedsession.adapters.pyramid import SignedSessionFactory


def signed_cookie_session_factory(secret: Any, **options: Any) -> Any:
    """Pyramid's factory, by its arguments, made by signedsession."""
    return SignedSessionFactory(secret, **options)


pyramid.session.SignedCookieSessionFactory = signed_cookie_session_factory
