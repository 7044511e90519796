"""What one run measured: plain data, saved as JSON and loaded back.

:class:`Results` holds only strings, numbers, lists and dicts keyed by
strings, so that ``json.dumps(asdict(results))`` and back gives an equal
object: a run saved with ``--save`` is analysed and rendered again with
``--load`` without measuring anything.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

__all__ = ["FORMAT", "Results", "load", "save"]

#: The version of the saved file's layout; a file of another one is refused.
FORMAT = 1

#: contender key -> workload name -> values.
PerCell = dict[str, dict[str, Any]]


@dataclass
class Results:
    """Every number one run measured, nothing derived from them.

    Timing samples are µs per request, one value per round (the mean of that
    round's batch), aligned across cells: ``samples[a][w][i]`` and
    ``samples[b][v][i]`` ran in the same round ``i``.
    """

    #: The command that measured, as the page prints it.
    command: str
    #: (name, value) lines describing the machine and the run.
    meta: list[list[str]]
    #: rounds, batch, resamples, seed, smoke.
    run: dict[str, Any]
    #: Each contender: key, title, framework, role, cookie_name.
    contenders: list[dict[str, str]]
    #: Each session the workloads carry: name, title, json_bytes, keys.
    sessions: list[dict[str, Any]]
    #: Each workload: name, title, session, group.
    workloads: list[dict[str, str]]
    #: contender -> workload -> per-round µs per request (bare apps too).
    samples: PerCell = field(default_factory=dict)
    #: contender -> workload -> bytes of the session cookie value it set.
    cookie_bytes: PerCell = field(default_factory=dict)
    #: Cells left out: contender, workload, error, and whether the one thing
    #: wrong was a cookie too large for browsers (too_large).
    failed: list[dict[str, Any]] = field(default_factory=list)
    #: What could not be measured at all (a missing framework, say).
    problems: list[str] = field(default_factory=list)
    #: Payload sweep: sizes, samples (contender -> "w<size>"/"r<size>" ->
    #: per-round µs) and cookie_bytes (contender -> str(size) -> bytes of
    #: the Set-Cookie header); empty when skipped.
    sweep: dict[str, Any] = field(default_factory=dict)
    #: contender -> workload -> peak KiB of one request (bare apps too).
    memory: PerCell = field(default_factory=dict)
    #: (heading, cProfile excerpt) pairs.
    profiles: list[list[str]] = field(default_factory=list)
    #: workload -> piece -> per-round µs, timed interleaved with the whole
    #: requests (piece "whole request, over bare").
    stages: dict[str, dict[str, list[float]]] = field(default_factory=dict)

    def to_json(self) -> str:
        """The results as JSON text."""
        return json.dumps({"format": FORMAT, **asdict(self)}, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Results:
        """Results from :meth:`to_json`'s text."""
        data = json.loads(text)
        if data.pop("format", None) != FORMAT:
            raise ValueError(f"not a results file of format {FORMAT}")
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown fields in results: {sorted(unknown)}")
        return cls(**data)


def save(results: Results, path: Path) -> None:
    """Write ``results`` to ``path`` as JSON."""
    path.write_text(results.to_json(), encoding="utf-8")


def load(path: Path) -> Results:
    """Read results written by :func:`save`."""
    return Results.from_json(path.read_text(encoding="utf-8"))
