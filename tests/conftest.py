"""Helpers for the repository's own tests: grade a submission for real and read its results.json."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"


@dataclass
class Graded:
    """One grading run: its results.json, exit code and (for CLI runs) its output."""

    results: dict
    exit_code: int
    output: str = ""

    @property
    def score(self) -> float:
        return self.results["score"]

    @property
    def max_score(self) -> float:
        return sum(t["max_score"] for t in self.results["tests"])

    def tests_of(self, function: str) -> list[dict]:
        return [t for t in self.results["tests"] if t["tags"][1] == function]

    def failed_functions(self) -> dict[str, list[str]]:
        """function -> names of its failed tests."""
        failed = defaultdict(list)
        for test in self.results["tests"]:
            if test["status"] != "passed":
                failed[test["tags"][1]].append(test["name"])
        return dict(failed)


def grade(submission: Path, results: Path, *extra: str) -> Graded:
    """Grade in this process (real workers; saves a torch import per run)."""
    code = pytest.main(
        [str(REPO / "autograder"), "--rootdir", str(REPO), "--submission", str(submission)]
        + ["--results", str(results), "-q", *extra]
    )
    return Graded(json.loads(results.read_text()), int(code))


def grade_cli(submission: Path | None, results: Path, *extra: str, timeout: float = 300) -> Graded:
    """Grade exactly as a person would, with ``pytest autograder`` in a new process."""
    args = [sys.executable, "-m", "pytest", "autograder", "--results", str(results), *extra]
    if submission is not None:
        args += ["--submission", str(submission)]
    done = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    return Graded(json.loads(results.read_text()), done.returncode, done.stdout + done.stderr)


def with_override(tmp_path: Path, assignment: str, source: str, name: str = "sub") -> Path:
    """The reference solution of ``assignment`` with ``source`` appended (its defs win)."""
    folder = tmp_path / name
    folder.mkdir(parents=True, exist_ok=True)
    reference = (SOLUTIONS / f"{assignment}.py").read_text()
    target = folder / f"{assignment}.py"
    target.write_text(f"{reference}\n\n# ---- override ----\n{source}\n")
    return target
