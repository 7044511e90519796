"""``python -m signedsession``: the same commands as ``signedsession``."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
