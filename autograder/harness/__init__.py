"""The grading harness: what turns a suite and a submission into scores. Suites do not import it
directly (they import :mod:`autograder.api`).

- ``isolation/``: the sandboxed worker processes that run student code, and the protocol and wire
  format between them and the grading process (the grading side never imports the worker side).
- ``grading/``: the pytest plugin, the checks and the feedback they write, results and scores.
- ``notebooks/``: nbgrader release (stubs, notebooks, hidden cells) and notebook grading.
- ``commands/``: the instructor commands behind ``python -m autograder``.
"""
