"""Where a submission's files are, and which assignments it covers.

A submission is a folder holding ``aNN_topic.py`` (or ``aNN_topic.ipynb``) files, or one such file.
A folder is graded on every assignment: a missing file costs that assignment's points, with the
reason. A single file is graded on its own assignment only.
"""

from __future__ import annotations

from pathlib import Path

from autograder.remote import AssignmentUnavailable

SUFFIXES = (".py", ".ipynb")


class Submission:
    def __init__(self, path: Path) -> None:
        path = path.expanduser().resolve()
        if not path.exists():
            raise FileNotFoundError(f"submission {path} does not exist")
        if path.is_file() and path.suffix not in SUFFIXES:
            raise ValueError(f"submission {path} is neither a folder nor a .py / .ipynb file")
        self.path = path
        self.only: str | None = path.stem if path.is_file() else None
        self._unavailable: dict[str, AssignmentUnavailable] = {}

    def includes(self, assignment: str) -> bool:
        return self.only is None or self.only == assignment

    def file_for(self, assignment: str) -> Path:
        """The student's file for ``assignment``; raises AssignmentUnavailable with the reason."""
        if assignment in self._unavailable:
            raise self._unavailable[assignment]
        if self.only is not None:
            return self.path
        for suffix in SUFFIXES:
            candidate = self.path / f"{assignment}{suffix}"
            if candidate.is_file():
                return candidate
        self.remember(
            assignment,
            AssignmentUnavailable(
                f"{assignment}.py (or {assignment}.ipynb) was not found in the submission "
                f"({self.path.name}/), so this assignment earns no points. Check the file name."
            ),
        )
        raise self._unavailable[assignment]

    def remember(self, assignment: str, failure: AssignmentUnavailable) -> None:
        """An import failure is the same for every test of the assignment: report it once, fast."""
        self._unavailable[assignment] = failure
