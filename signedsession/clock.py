"""The one seam through which signedsession reads the time.

Tests replace :func:`time` (the ``clock`` fixture); nothing else calls
:mod:`time` or :meth:`datetime.now` directly.
"""

from __future__ import annotations

import time as _time
from datetime import datetime, timezone

__all__ = ["now", "time"]


def time() -> float:
    """Seconds since the epoch."""
    return _time.time()


def now() -> datetime:
    """The current moment as an aware UTC datetime."""
    return datetime.fromtimestamp(time(), timezone.utc)
