"""The signedsession benchmark: every contender, interleaved, in one process.

Run ``python -m benchmarks`` from the repository root (``--help`` for the
options). Three steps, each its own module: :mod:`benchmarks.measure`
times every contender on every workload into plain
:class:`~benchmarks.results.Results` (``--save FILE`` writes them as JSON,
``--load FILE`` reads them back instead of measuring);
:mod:`benchmarks.analysis` turns them into medians, confidence intervals
and a verdict for each row of :data:`benchmarks.targets.TARGETS`;
:mod:`benchmarks.render` writes the reST of ``docs/performance.rst``.
"""
