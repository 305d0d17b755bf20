"""What an nbgrader hidden test cell runs: ``grade_function("a01_tensors", "from_list")``.

Interactively (an instructor running a source notebook), :func:`grade_function` grades the notebook
file with the hidden suite, in worker processes exactly as ``pytest autograder --submission
aNN_topic.ipynb`` does (test and example cells are skipped there), prints the function's feedback
and returns the points earned, which nbgrader reads as partial credit. The notebook is graded once
per kernel; later cells reuse the results while the file is unchanged.

Under ``nbgrader autograde`` the kernel has run the student's code, which could have replaced this
very function. With the course's configuration (``nbgrader_config.py``), the preprocessor
:mod:`autograder.harness.notebooks.nbgrader_grades` grades the executed notebook outside the kernel and writes each
test cell's output and points; it tells the kernel so through ``AUTOGRADER_SCORES_OUTSIDE_KERNEL``,
and this function then only says so (the notebook is not graded twice). Without that
configuration, this function grades in the kernel as it does interactively: the scores are right
for honest work, but code in the notebook could forge them.

Nothing here imports torch or calls student code in the kernel, so nothing a student's code
prints to stderr while grading runs can land in a graded cell (nbgrader#1904).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import subprocess
import tempfile
from pathlib import Path

from autograder.harness.grading.command import SUITES, pytest_command
from autograder.harness.grading.results import GradedRun, load

GRADING_TIMEOUT_S = 1500
DEFERRED = "Graded after the notebook has run, outside this kernel, by the course's hidden suite."
OUTSIDE_KERNEL = "AUTOGRADER_SCORES_OUTSIDE_KERNEL"  # set by the nbgrader preprocessor for its kernels
_RESULTS: dict[tuple[str, str], GradedRun] = {}  # (notebook path, sha256 of its bytes) -> its grades


def grade_function(assignment: str, function: str, notebook: str | os.PathLike | None = None) -> float:
    """Grade ``function`` of ``notebook`` (default: ``./<assignment>.ipynb``); print why; return points.

    Raises FileNotFoundError when the notebook is not there, RuntimeError when the grader could not
    run (nbgrader then gives the cell 0 and shows the message).
    """
    path = Path(notebook) if notebook is not None else Path.cwd() / f"{assignment}.ipynb"
    if not path.is_file():
        raise FileNotFoundError(f"grade_function: {path} not found; run it beside the notebook it grades")
    if os.environ.get("NBGRADER_EXECUTION") == "autograde" and os.environ.get(OUTSIDE_KERNEL) == "1":
        print(DEFERRED)
        return 0.0
    # While the suite runs, the student's background threads (a DataLoader, a warning loop) may still
    # write to stderr: that would land in this cell and zero it. Their noise is dropped here.
    with contextlib.redirect_stderr(io.StringIO()):
        results = _results(path.resolve())
    text, earned = report(results, assignment, function)
    print(text)
    return earned


def report(graded: GradedRun, assignment: str, function: str) -> tuple[str, float]:
    """The feedback for ``function`` from a graded run, and the points it earned."""
    tests = graded.of(assignment, function)
    if not tests:
        raise RuntimeError(f"the hidden suite has no tests of {function} in {assignment}")
    earned = sum(t.earned for t in tests)
    possible = sum(t.possible for t in tests)
    seed = "?" if graded.seed is None else graded.seed
    lines = [f"{function}: {earned:g} / {possible:g} points (grade seed {seed})"]
    for test in tests:
        mark = "passed" if test.passed else "FAILED"
        lines.append(f"  {mark} {test.name} ({test.earned:g} / {test.possible:g})")
        if not test.passed and test.feedback:
            lines.append("    " + test.feedback.strip().replace("\n", "\n    "))
    return "\n".join(lines), float(earned)


def _results(notebook: Path) -> GradedRun:
    key = (str(notebook), hashlib.sha256(notebook.read_bytes()).hexdigest())
    if key not in _RESULTS:
        _RESULTS[key] = grade_notebook(notebook)
    return _RESULTS[key]


def grade_notebook(notebook: Path) -> GradedRun:
    """Run the hidden suite on ``notebook`` in a grading process of its own; what it graded."""
    with tempfile.TemporaryDirectory(prefix="hidden-cell-") as scratch:
        written = Path(scratch) / "results.json"
        seed = os.environ.get("AUTOGRADER_GRADE_SEED")
        command = pytest_command(notebook, written, *(["--grade-seed", seed] if seed else []))
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=GRADING_TIMEOUT_S, cwd=SUITES.parent)
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"grading {notebook.name} took more than {GRADING_TIMEOUT_S} s") from exc
        if not written.exists():
            tail = (done.stdout + done.stderr)[-2000:]
            raise RuntimeError(f"the grader exited with code {done.returncode} and wrote no results:\n{tail}")
        try:
            return load(written)
        except ValueError as exc:
            raise RuntimeError(f"the grader wrote results that cannot be read: {exc}") from None
