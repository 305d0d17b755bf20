"""Grade a class on a ``dask.distributed`` cluster: ``grade-all SUBMISSIONS --scheduler ADDRESS``.

The TA starts a Dask scheduler and workers on machines that have this course installed (the same
version: the suites and the harness come from each worker's own installation, never from the
client), for example::

    dask scheduler                                  # on one machine: tcp://HOST:8786
    dask worker tcp://HOST:8786 --nthreads 1        # on each lab machine, as root for the sandbox

or through ``dask-jobqueue`` on a Slurm cluster (``SLURMCluster(cores=1, processes=1, ...)``,
then ``cluster.scale(jobs=N)`` and pass ``cluster.scheduler_address``). Each student is one Dask
task. The client sends the student's assignment files (only ``aNN_topic.py`` / ``.ipynb`` files,
read without following links; a zip is unpacked on the client first) and nothing else; the task
grades them on the worker exactly as ``grade-all`` does locally (a warm grading process per Dask
worker process, a fresh sandboxed worker per test) and sends back results.json and grader.log,
which the client writes and summarises as for local jobs. A worker that dies mid-student costs
that student a retry on another worker (Dask reschedules it; after Dask's ``allowed-failures``
the student gets an error row), never the run.

Difference from local grading: a file the local grader would refuse with a message (a symbolic
link, a FIFO, over 20 MB) is simply not sent, so the student's feedback says it was not found.
"""

from __future__ import annotations

import atexit
import re
import socket
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

from autograder.harness.commands import batch
from autograder.harness.grading import command
from autograder.harness.isolation.submission import Submission

_POOL: batch.GradingPool | None = None  # on a Dask worker: its warm grading process
_POOL_LOCK = threading.Lock()
MAX_LOG = 1 << 20  # the tail of grader.log sent back
_PLAIN_NAME = re.compile(r"[^/\\\0]{1,255}")


def grade(
    todo: dict[str, batch.Student], out: Path, *, scheduler: str, timeout: float, extra: list[str]
) -> Iterator[batch.Outcome]:
    """Outcomes as students finish on the cluster at ``scheduler``. Raises OSError when it cannot be
    reached (in 30 s)."""
    from distributed import Client, as_completed

    try:
        client = Client(scheduler, timeout="30s")
    except (OSError, TimeoutError) as exc:
        raise OSError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    try:
        futures = {}
        for name, student in todo.items():
            try:
                label, files = student_files(student, out / name)
            except zipfile.BadZipFile as exc:
                yield batch.Outcome(name, status=f"error: {student.source.name} cannot be read as a zip ({exc})")
                continue
            except (OSError, ValueError) as exc:
                yield batch.Outcome(name, status=f"error: {exc}")
                continue
            if not files:
                yield batch.Outcome(name, status=f"error: {batch.no_assignment_file(student.source)}")
                continue
            future = client.submit(
                grade_files,
                label,
                files,
                student.assignment,
                extra,
                timeout,
                key=f"grade-{name}-{time.time_ns()}",
                retries=1,
            )
            futures[future] = name
        for future in as_completed(futures):
            name = futures[future]
            try:
                reply = future.result()
            except Exception as exc:  # noqa: BLE001 - KilledWorker after retries, a lost scheduler, ...
                yield batch.Outcome(name, status=f"error: the cluster could not grade this student ({exc!r})")
                continue
            yield _write(name, out / name, reply)
    finally:
        client.close()


def student_files(student: batch.Student, folder: Path) -> tuple[str, dict[str, bytes]]:
    """What to send: the name local grading would see (the folder's or the file's, for the same
    feedback) and the files, name -> bytes (a single file under its own name)."""
    if student.source.is_symlink():
        raise ValueError(f"{student.source.name} is a symbolic link; submit the files themselves")
    folder.mkdir(parents=True, exist_ok=True)
    source = batch._unpack(student.source, folder)
    with tempfile.TemporaryDirectory(prefix="autograder-send-") as private:
        copy = Submission(source, Path(private), student.assignment)  # the grader's own checks and limits
        files = {p.name: p.read_bytes() for p in sorted(copy.copy.iterdir()) if p.stem in command.assignments()}
    if source.is_file():
        return source.name, ({source.name: next(iter(files.values()))} if files else {})
    return source.name, files


def grade_files(label: str, files: dict[str, bytes], assignment: str | None, extra: list[str], timeout: float) -> dict:
    """On a Dask worker: grade one student's files (a folder named ``label``, or the single file
    ``label``); returns exit code, results.json, log and timing."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = batch.GradingPool(1)
            atexit.register(_POOL.close)
    with tempfile.TemporaryDirectory(prefix="autograder-dask-") as scratch:
        single = label in files
        folder = Path(scratch) / ("submission" if single else label)
        for name in (label, *files):  # plain names: nothing lands outside the scratch folder
            if not _PLAIN_NAME.fullmatch(name) or name in (".", ".."):
                raise ValueError(f"not a plain file name: {name!r}")
        folder.mkdir()
        for name, data in files.items():
            (folder / name).write_bytes(data)
        target = folder / label if single else folder
        results, log = Path(scratch) / "results.json", Path(scratch) / "grader.log"
        error, code, earlier = None, -1, 0
        start = time.perf_counter()
        try:
            code, earlier = _POOL.grade(
                command.pytest_args(target, results, *extra, assignment=assignment), log, timeout
            )
        except TimeoutError:
            error = f"grading took more than {timeout:g} s"
        except (EOFError, OSError):
            error = "the grading process died (see grader.log)"
        return {
            "code": code,
            "earlier": earlier,
            "seconds": time.perf_counter() - start,
            "error": error,
            "results": results.read_text() if results.exists() else None,
            "log": log.read_text(errors="replace")[-MAX_LOG:] if log.exists() else "",
            "host": socket.gethostname(),
        }


def _write(name: str, folder: Path, reply: dict) -> batch.Outcome:
    """Write what came back where local grading writes it, and summarise it the same way."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "grader.log").write_text(f"graded on {reply['host']}\n{reply['log']}")
    results = folder / "results.json"
    results.unlink(missing_ok=True)
    if reply["results"] is not None:
        results.write_text(reply["results"])
    if reply["error"]:
        return batch.Outcome(name, status=f"error: {reply['error']}")
    return batch.finish(name, folder, reply["code"], reply["seconds"], reply["earlier"])
