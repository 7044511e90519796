"""The one seam through which signedsession reads the time.

Tests replace :func:`time` (the ``clock`` fixture); nothing else calls
:mod:`time` or :meth:`datetime.now` directly.
"""

from __future__ import annotations

import time as _time
from datetime import datetime, timezone

__all__ = ["aware", "now", "time"]


def time() -> float:
    """Seconds since the epoch."""
    return _time.time()


def aware(moment: datetime) -> datetime:
    """``moment`` with a time zone: a naive datetime is taken as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def now() -> datetime:
    """The current moment as an aware UTC datetime."""
    return datetime.fromtimestamp(time(), timezone.utc)
