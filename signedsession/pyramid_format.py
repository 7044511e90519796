"""Deprecated: the Pyramid cookie reader is :mod:`signedsession.readers.pyramid`.

.. deprecated:: 0.1
   Import :class:`~signedsession.readers.pyramid.PyramidCookieReader` instead.
"""

from __future__ import annotations

import warnings

from .readers.pyramid import DEFAULT_HASHALG, DEFAULT_SALT
from .readers.pyramid import PyramidCookieReader as PyramidCookieFormat

__all__ = ["DEFAULT_HASHALG", "DEFAULT_SALT", "PyramidCookieFormat"]

warnings.warn(
    "signedsession.pyramid_format is deprecated: use"
    " signedsession.readers.pyramid.PyramidCookieReader",
    DeprecationWarning,
    stacklevel=2,
)
