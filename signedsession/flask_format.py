"""Deprecated: the Flask cookie reader is :mod:`signedsession.readers.flask`.

.. deprecated:: 0.1
   Import :class:`~signedsession.readers.flask.FlaskCookieReader` instead.
"""

from __future__ import annotations

import warnings

from .readers.flask import FLASK_SALT
from .readers.flask import FlaskCookieReader as FlaskCookieFormat

__all__ = ["FLASK_SALT", "FlaskCookieFormat"]

warnings.warn(
    "signedsession.flask_format is deprecated: use"
    " signedsession.readers.flask.FlaskCookieReader",
    DeprecationWarning,
    stacklevel=2,
)
