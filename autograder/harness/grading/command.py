"""How to run the grader on one submission: the pytest arguments every caller shares.

Import-light on purpose (no torch): the nbgrader hidden cells import it inside the student's kernel.
"""

from __future__ import annotations

import os
import sys

from autograder import PACKAGE

SUITES = PACKAGE


def pytest_args(
    submission: str | os.PathLike, results: str | os.PathLike, *extra: str, assignment: str | None = None
) -> list[str]:
    """Arguments for ``pytest.main``: grade ``submission``, write Gradescope's results.json to ``results``.

    With ``assignment`` only that suite is collected (``--assignment``: a single file is taken as it).
    """
    suites = [str(SUITES)] if assignment is None else [str(SUITES / f"test_{assignment}.py")]
    chosen = [] if assignment is None else [f"--assignment={assignment}"]
    return [
        *suites,
        "--rootdir",
        str(SUITES.parent),
        f"--submission={submission}",  # one token: never a test path, even before options are known
        f"--results={results}",
        *chosen,
        "-q",
        "-p",
        "no:cacheprovider",
        *extra,
    ]


def pytest_command(
    submission: str | os.PathLike, results: str | os.PathLike, *extra: str, assignment: str | None = None
) -> list[str]:
    """The same run as a command for a grading process of its own."""
    return [sys.executable, "-m", "pytest", *pytest_args(submission, results, *extra, assignment=assignment)]


def assignments() -> list[str]:
    """The course's assignments, from the hidden suites' file names (``test_aNN_topic.py``)."""
    return sorted(p.stem.removeprefix("test_") for p in SUITES.glob("test_a[0-9][0-9]_*.py"))
