"""The students' public check: ``python -m autograder check`` and ``check(fn)`` in the notebooks.

It uses the grading machinery (sandboxed workers, the simulated CUDA device, the op counter and
the graded feedback's own words) on public inputs only: the ``>>>`` examples of each docstring,
and those examples' arguments scaled up. It needs no hidden suite and no solution (see
:mod:`autograder.harness.preflight.check`).
"""
