"""Scores from test outcomes: the terminal table and Gradescope's results.json."""

from __future__ import annotations

import io
from collections import defaultdict
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from autograder.harness.grading.plugin import TestInfo


def earned(test: TestInfo) -> float:
    return test.points if test.status == "passed" else 0.0


def possible(test: TestInfo) -> float:
    """Skipped tests (not gradable on this machine) count for nothing either way."""
    return 0.0 if test.status == "skipped" else test.points


def by_assignment(tests: list[TestInfo]) -> dict[str, tuple[float, float, int, int]]:
    """assignment -> (earned, possible, tests passed, tests graded)."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0, 0])
    for test in tests:
        row = totals[test.assignment]
        row[0] += earned(test)
        row[1] += possible(test)
        row[2] += test.status == "passed"
        row[3] += test.status != "skipped"
    return {name: tuple(totals[name]) for name in sorted(totals)}  # type: ignore[misc]


def table(tests: list[TestInfo]) -> str:
    grid = Table(title="Score", title_justify="left")
    for column in ("assignment", "points", "possible", "tests passed"):
        grid.add_column(column, justify="left" if column == "assignment" else "right")
    rows = by_assignment(tests)
    for name, (got, out_of, passed, graded) in rows.items():
        grid.add_row(name, f"{got:g}", f"{out_of:g}", f"{passed:d}/{graded:d}")
    total = [sum(r[i] for r in rows.values()) for i in range(4)]
    grid.add_row("total", f"{total[0]:g}", f"{total[1]:g}", f"{total[2]:d}/{total[3]:d}", style="bold")
    buffer = io.StringIO()
    Console(file=buffer, width=88, color_system=None).print(grid)
    return buffer.getvalue()


def gradescope_results(tests: list[TestInfo], *, seed: int, seconds: float, visibility: str = "visible") -> dict:
    """Gradescope's results.json: one entry per hidden test, tags [assignment, function, kind].

    The summary is a Markdown table (``output_format: "md"``); each test's feedback stays plain
    text (``"text"``: it holds tracebacks and aligned values that Markdown would reflow). Tests are
    numbered in suite order, ``3.12`` for a03's twelfth. ``visibility`` applies to every test
    (``visible``, ``after_due_date``, ``after_published`` or ``hidden``); the total stays visible.
    ``extra_data`` holds ``diagnosis``/``explanation`` (a known mistake) and ``unavailable`` (the
    assignment's file is missing, refused or does not import).
    """
    rows = by_assignment(tests)
    summary = ["| assignment | points |", "| --- | --- |"]
    summary += [f"| {name} | {got:g} / {out_of:g} |" for name, (got, out_of, _, _) in rows.items()]
    counters: dict[str, int] = defaultdict(int)
    entries = []
    for t in tests:
        counters[t.assignment] += 1
        extra = {"diagnosis": t.diagnosis, "explanation": t.explanation} if t.diagnosis else {}
        if t.unavailable:
            extra["unavailable"] = True
        entries.append(
            {
                "name": f"{t.assignment}::{t.name}",
                "number": f"{_number(t.assignment)}.{counters[t.assignment]}",
                "score": earned(t),
                "max_score": possible(t),
                "status": "passed" if t.status in ("passed", "skipped") else "failed",
                "output": t.feedback,
                "output_format": "text",
                "visibility": visibility,
                "tags": [t.assignment, t.function, t.kind],
                **({"extra_data": extra} if extra else {}),
            }
        )
    return {
        "score": sum(earned(t) for t in tests),
        "execution_time": round(seconds, 2),
        "output": "\n".join(summary) + f"\n\nHidden inputs drawn from grade seed {seed}.",
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": entries,
    }


def error_results(message: str) -> dict:
    """results.json for a run that graded nothing (no sandbox, an unknown assignment): the reason."""
    return {"score": 0, "output": message, "output_format": "text", "visibility": "visible", "tests": []}


def _number(assignment: str) -> int:
    """a03_vectorize -> 3 (the suites are named aNN_topic)."""
    digits = assignment[1:3]
    return int(digits) if digits.isdigit() else 0
