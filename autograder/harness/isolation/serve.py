"""A warm grading process for ``grade-all``: ``python -m autograder.harness.isolation.serve``.

Importing torch takes seconds, and each zygote (plain torch, the simulated GPU, transformers for
a09) takes seconds more to start. A grading process per student pays all of it every time. This
process pays it once: it grades one student after another, each with a fresh ``pytest.main`` run
and, as always, a fresh worker process per test, forked from zygotes that stay up between students.
Nothing of one student's code survives into the next: student code only ever runs in workers.

Protocol, one JSON object per line: ``{"args": [pytest arguments], "log": path}`` on stdin;
``{"exit_code": n}`` on stdout once the run is over. While a student is graded, everything the run
prints goes to ``log``.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator

import pytest

from autograder.harness.isolation.zygotes import settle


@contextlib.contextmanager
def _output_to(path: str) -> Iterator[None]:
    """Point this process's stdout and stderr (file descriptors 1 and 2) at ``path``."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "w") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def main() -> None:
    replies = os.fdopen(os.dup(1), "w", buffering=1)  # answers keep going to the parent
    for line in sys.stdin:
        job = json.loads(line)
        with _output_to(job["log"]):
            try:
                code = int(pytest.main(job["args"]))
            except BaseException as exc:  # noqa: BLE001 - report it and stay up for the next student
                print(f"grading process error: {type(exc).__name__}: {exc}", file=sys.stderr)
                code = -1
        replies.write(json.dumps({"exit_code": code}) + "\n")
        settle()  # more students will come: zygotes may make their forks cheaper while idle


if __name__ == "__main__":
    main()
