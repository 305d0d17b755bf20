"""Where a submission's files are, and which assignments it covers.

A submission is a folder holding ``aNN_topic.py`` (or ``aNN_topic.ipynb``) files, or one such file.
A folder is graded on every assignment: a missing file costs that assignment's points, with the
reason. A single file is graded on its own assignment only.

Nothing in a submission is trusted, so before anything else the grader copies the files it will
grade -- regular files named ``aNN_topic.py`` / ``aNN_topic.ipynb``, nothing else -- into a private
folder only it can read, and works from that copy. The copy is taken with ``O_NOFOLLOW`` and checked
with ``fstat``: a symbolic link, a FIFO, a device or a file over ``MAX_FILE_BYTES`` is refused with a
message that costs that file only. Other files in the folder (``conftest.py``, ``pytest.ini``,
``sitecustomize.py``, data) are never opened.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from autograder.harness.isolation.remote import AssignmentUnavailable

SUFFIXES = (".py", ".ipynb")
NAME = re.compile(r"^a\d\d_\w+\.(py|ipynb)$")
MAX_FILE_BYTES = 20 * 2**20  # a notebook with its outputs; a .py file is far smaller


class Submission:
    """The submission at ``path``, copied into ``private`` (a folder only the grader can read)."""

    def __init__(self, path: Path, private: Path, assignment: str | None = None) -> None:
        """``assignment`` (``--assignment``): grade only that one; a single file is taken as it,
        whatever its name (``alice.ipynb``). Without it, a single file's name says its assignment."""
        path = path.expanduser().absolute()
        if not os.path.lexists(path):
            raise FileNotFoundError(f"submission {path} does not exist")
        single = not path.is_dir()  # a folder given by a symbolic link is followed: the TA chose it
        if single and path.suffix not in SUFFIXES:
            raise ValueError(f"submission {path} is neither a folder nor a .py / .ipynb file")
        self.path = path  # as given, for messages
        self.only: str | None = assignment or (path.stem if single else None)
        self.copy = private / "submission"
        self.copy.mkdir(mode=0o700)
        self._unavailable: dict[str, AssignmentUnavailable] = {}
        self.found: set[str] = set()  # assignments the submission has a file for (even a refused one)
        sources = [path] if single else [path.resolve() / name for name in sorted(os.listdir(path.resolve()))]
        for source in sources:
            if single or (NAME.fullmatch(source.name) and self.includes(source.stem)):  # "$" alone: "a01_x.py\n"
                self._take(source)

    def includes(self, assignment: str) -> bool:
        return self.only is None or self.only == assignment

    def file_for(self, assignment: str) -> Path:
        """The grader's copy of the student's file for ``assignment``; raises AssignmentUnavailable."""
        if assignment in self._unavailable:
            raise self._unavailable[assignment]
        for suffix in SUFFIXES:
            candidate = self.copy / f"{assignment}{suffix}"
            if candidate.is_file():
                return candidate
        where = f"({self.path.name}/)" if self.only is None else f"({self.path.name})"
        self.remember(
            assignment,
            AssignmentUnavailable(
                f"{assignment}.py (or {assignment}.ipynb) was not found in the submission {where}, "
                "so this assignment earns no points. Check the file name."
            ),
        )
        raise self._unavailable[assignment]

    def remember(self, assignment: str, failure: AssignmentUnavailable) -> None:
        """An import failure is the same for every test of the assignment: report it once, fast."""
        self._unavailable[assignment] = failure

    def _take(self, source: Path) -> None:
        """Copy one file, or remember why it cannot be graded."""
        assignment = source.stem if self.only is None else self.only
        self.found.add(assignment)
        problem = None
        try:
            fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            fd = -1
            problem = (
                "is a symbolic link: submit the file itself"
                if os.path.islink(source)
                else f"cannot be read ({exc.strerror})"
            )
        if fd >= 0:
            try:
                info = os.fstat(fd)
                if not stat.S_ISREG(info.st_mode):
                    problem = "is not a regular file: submit the file itself"
                elif info.st_size > MAX_FILE_BYTES:
                    problem = f"is larger than {MAX_FILE_BYTES // 2**20} MB: clear the notebook's outputs"
                else:
                    data = _read_at_most(fd, MAX_FILE_BYTES + 1)
                    if len(data) > MAX_FILE_BYTES:
                        problem = f"is larger than {MAX_FILE_BYTES // 2**20} MB: clear the notebook's outputs"
                    else:
                        target = self.copy / f"{assignment}{source.suffix}"
                        with open(target, "xb") as out:  # a fresh name in a fresh folder
                            out.write(data)
            finally:
                os.close(fd)
        if problem is not None:
            self.remember(
                assignment,
                AssignmentUnavailable(f"{source.name} {problem}. This assignment earns no points."),
            )


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks, size = [], 0
    while size < limit:
        chunk = os.read(fd, min(1 << 20, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
