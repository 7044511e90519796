"""Per-key usage counts: the evidence that an old key can be dropped."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from . import _clock

__all__ = ["LOG_INTERVAL", "KeyUsage", "key_label"]

#: Seconds between two reports of the counts on the ``signedsession`` logger.
LOG_INTERVAL = 3600

_logger = logging.getLogger("signedsession")


def key_label(index: int) -> str:
    """The name of a key in the counts and the log: never the key itself."""
    if index == 0:
        return "current"
    if index < 0:
        return "migrated"
    return f"fallback {index}"


class KeyUsage:
    """How many accepted cookies each key verified, reported now and then.

    One per codec, shared by every thread: a count is a plain ``+= 1``,
    unlocked, so two requests at once may record one (a lost count cannot
    make an unused key look used, only a used key look a little less so).
    """

    def __init__(self, keys: int, *, migrated: bool) -> None:
        # One slot per key, then the migrated cookies' slot: index -1.
        self._counts = [0] * (keys + 1)
        self._migrated = migrated
        self._since = _clock.time()
        self._next_report = self._since + LOG_INTERVAL

    def count(self, index: int, now: float) -> None:
        """Record a cookie accepted with key ``index`` (-1: migrated)."""
        self._counts[index] += 1
        if now >= self._next_report:
            self._next_report = now + LOG_INTERVAL  # first, so others skip
            self.report()

    def snapshot(self) -> dict[str, int]:
        """The counts so far, by key label."""
        counts = self._counts
        usage = {key_label(index): counts[index] for index in range(len(counts) - 1)}
        if self._migrated:
            usage["migrated"] = counts[-1]
        return usage

    def report(self) -> None:
        """Log the counts at INFO on the ``signedsession`` logger."""
        since = datetime.fromtimestamp(self._since, timezone.utc)
        _logger.info(
            "session keys used since %s: %s",
            since.strftime("%Y-%m-%dT%H:%M:%SZ"),
            ", ".join(f"{label} {count}" for label, count in self.snapshot().items()),
        )
