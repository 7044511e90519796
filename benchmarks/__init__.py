"""The signedsession benchmark: every contender, interleaved, in one process.

Run ``python -m benchmarks`` from the repository root (``--help`` for the
options). See ``docs/performance.rst`` for the method and the results.
"""
