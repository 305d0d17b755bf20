"""How to run the grader on one submission: the pytest arguments every caller shares.

Import-light on purpose (no torch): the nbgrader hidden cells import it inside the student's kernel.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SUITES = Path(__file__).resolve().parent


def pytest_args(submission: str | os.PathLike, results: str | os.PathLike, *extra: str) -> list[str]:
    """Arguments for ``pytest.main``: grade ``submission``, write Gradescope's results.json to ``results``."""
    return [
        str(SUITES),
        "--rootdir",
        str(SUITES.parent),
        f"--submission={submission}",  # one token: never a test path, even before options are known
        f"--results={results}",
        "-q",
        "-p",
        "no:cacheprovider",
        *extra,
    ]


def pytest_command(submission: str | os.PathLike, results: str | os.PathLike, *extra: str) -> list[str]:
    """The same run as a command for a grading process of its own."""
    return [sys.executable, "-m", "pytest", *pytest_args(submission, results, *extra)]
