"""The results of a graded run: one typed model that the plugin fills and everything else reads.

:class:`GradedRun` holds every hidden test's outcome (:class:`TestResult`: assignment, function,
kind, points, outcome, feedback, diagnosis), the grade seed and the time taken. What the course
shows is a rendering of it: the terminal score table (:meth:`GradedRun.table`), Gradescope's
results.json (:meth:`GradedRun.to_gradescope`), grades.csv and feedback.md (``grade-all``),
nbgrader's cell grades and the notebook's hidden cells. A grading process hands a run to another
as results.json; :func:`load` turns it back into this model, so no caller reads tags by position or
a seed out of a sentence.

Import-light on purpose (no torch, no pytest): the notebooks' hidden cells import it in the
student's kernel.
"""

from __future__ import annotations

import io
import json
import os
from collections import defaultdict
from dataclasses import dataclass, field

KINDS = ("correctness", "errors", "vectorised", "device")


@dataclass
class TestResult:
    """One hidden test: what it grades and how it went.

    ``status`` is ``passed``, ``failed``, ``skipped`` (not gradable on this machine: counts for
    nothing either way) or ``not run``.
    """

    name: str  # the test's name in its suite, e.g. "test_standardize_rows[2]"
    assignment: str
    function: str
    kind: str  # one of KINDS
    points: float
    status: str = "not run"
    feedback: str = ""
    diagnosis: str | None = None  # the known mistake a wrong value matched (mistakes.py)
    explanation: str | None = None
    unavailable: bool = False  # the assignment's file is missing, refused or does not import
    raised_on_both: str | None = None  # a device pass from the same error on both devices (plugin.settle)
    returned: frozenset[str] = frozenset()  # the submission's functions that returned normally in this test

    @property
    def earned(self) -> float:
        return self.points if self.status == "passed" else 0.0

    @property
    def possible(self) -> float:
        return 0.0 if self.status == "skipped" else self.points

    @property
    def passed(self) -> bool:
        return self.status in ("passed", "skipped")


@dataclass
class Totals:
    earned: float = 0.0
    possible: float = 0.0
    passed: int = 0  # tests passed
    graded: int = 0  # tests not skipped


@dataclass
class GradedRun:
    """A whole run. ``error`` is set when it graded nothing (no sandbox, an unknown assignment)."""

    tests: list[TestResult] = field(default_factory=list)
    seed: int | None = None
    seconds: float = 0.0
    error: str | None = None

    @property
    def score(self) -> float:
        return sum(t.earned for t in self.tests)

    def by_assignment(self) -> dict[str, Totals]:
        totals: dict[str, Totals] = defaultdict(Totals)
        for test in self.tests:
            row = totals[test.assignment]
            row.earned += test.earned
            row.possible += test.possible
            row.passed += test.status == "passed"
            row.graded += test.status != "skipped"
        return {name: totals[name] for name in sorted(totals)}

    def of(self, assignment: str, function: str | None = None) -> list[TestResult]:
        """The tests of one assignment (and one function of it), in suite order."""
        return [t for t in self.tests if t.assignment == assignment and function in (None, t.function)]

    # -- renderings --------------------------------------------------------------------------------
    def table(self) -> str:
        """The terminal score table: each assignment's points earned and possible, and the total."""
        from rich.console import Console
        from rich.table import Table

        grid = Table(title="Score", title_justify="left")
        for column in ("assignment", "points", "possible", "tests passed"):
            grid.add_column(column, justify="left" if column == "assignment" else "right")
        rows = self.by_assignment()
        for name, row in rows.items():
            grid.add_row(name, f"{row.earned:g}", f"{row.possible:g}", f"{row.passed:d}/{row.graded:d}")
        total = Totals(
            sum(r.earned for r in rows.values()),
            sum(r.possible for r in rows.values()),
            sum(r.passed for r in rows.values()),
            sum(r.graded for r in rows.values()),
        )
        grid.add_row(
            "total", f"{total.earned:g}", f"{total.possible:g}", f"{total.passed:d}/{total.graded:d}", style="bold"
        )
        buffer = io.StringIO()
        Console(file=buffer, width=88, color_system=None).print(grid)
        return buffer.getvalue()

    def summary(self) -> str:
        """A Markdown table of points per assignment, and the grade seed."""
        lines = ["| assignment | points |", "| --- | --- |"]
        lines += [f"| {name} | {row.earned:g} / {row.possible:g} |" for name, row in self.by_assignment().items()]
        return "\n".join(lines) + f"\n\nHidden inputs drawn from grade seed {self.seed}."

    def to_gradescope(self, visibility: str = "visible") -> dict:
        """Gradescope's results.json: one entry per hidden test, tags [assignment, function, kind].

        The summary is a Markdown table (``output_format: "md"``); each test's feedback stays plain
        text (``"text"``: it holds tracebacks and aligned values that Markdown would reflow). Tests
        are numbered in suite order, ``3.12`` for a03's twelfth. ``visibility`` applies to every
        test (``visible``, ``after_due_date``, ``after_published`` or ``hidden``); the total stays
        visible. A test's ``extra_data`` holds ``diagnosis``/``explanation`` (a known mistake) and
        ``unavailable``; the run's holds ``grade_seed`` (Gradescope allows ``extra_data`` at both
        levels and ignores it).
        """
        if self.error is not None:
            return {"score": 0, "output": self.error, "output_format": "text", "visibility": "visible", "tests": []}
        counters: dict[str, int] = defaultdict(int)
        entries = []
        for t in self.tests:
            counters[t.assignment] += 1
            extra: dict = {"diagnosis": t.diagnosis, "explanation": t.explanation} if t.diagnosis else {}
            if t.unavailable:
                extra["unavailable"] = True
            entries.append(
                {
                    "name": f"{t.assignment}::{t.name}",
                    "number": f"{_number(t.assignment)}.{counters[t.assignment]}",
                    "score": t.earned,
                    "max_score": t.possible,
                    "status": "passed" if t.passed else "failed",
                    "output": t.feedback,
                    "output_format": "text",
                    "visibility": visibility,
                    "tags": [t.assignment, t.function, t.kind],
                    **({"extra_data": extra} if extra else {}),
                }
            )
        return {
            "score": self.score,
            "execution_time": round(self.seconds, 2),
            "output": self.summary(),
            "output_format": "md",
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "extra_data": {"grade_seed": self.seed},
            "tests": entries,
        }

    def write(self, path: str | os.PathLike, visibility: str = "visible") -> None:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_gradescope(visibility), f, indent=2)


def load(path: str | os.PathLike) -> GradedRun:
    """The run a grading process wrote to ``path`` (its results.json).

    Raises:
        OSError: no such file. ValueError: the file is not a results.json this grader wrote.
    """
    with open(path, encoding="utf-8") as f:
        return from_gradescope(json.load(f))


def from_gradescope(data: dict) -> GradedRun:
    """The inverse of :meth:`GradedRun.to_gradescope` (outcomes and feedback; not the rendering)."""
    try:
        tests = []
        for entry in data["tests"]:
            assignment, function, kind = entry["tags"]
            extra = entry.get("extra_data", {})
            possible = float(entry["max_score"])
            skipped = possible == 0 and entry["status"] == "passed"
            tests.append(
                TestResult(
                    name=entry["name"].split("::", 1)[-1],
                    assignment=assignment,
                    function=function,
                    kind=kind,
                    points=possible,
                    status="skipped" if skipped else ("passed" if entry["status"] == "passed" else "failed"),
                    feedback=entry.get("output", ""),
                    diagnosis=extra.get("diagnosis"),
                    explanation=extra.get("explanation"),
                    unavailable=bool(extra.get("unavailable", False)),
                )
            )
        seed = data.get("extra_data", {}).get("grade_seed")
        error = data["output"] if not tests and data.get("output_format") == "text" else None
        return GradedRun(tests, seed, float(data.get("execution_time", 0.0)), error)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a results.json of this grader: {exc!r}") from None


def _number(assignment: str) -> int:
    """a03_vectorize -> 3 (the suites are named aNN_topic)."""
    digits = assignment[1:3]
    return int(digits) if digits.isdigit() else 0
