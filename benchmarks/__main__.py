"""``python -m benchmarks``: run the benchmark and print (or write) the results."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
