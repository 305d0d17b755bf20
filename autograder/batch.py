"""Grade a whole class: ``python -m autograder grade-all SUBMISSIONS_DIR --out OUT [--jobs N]``.

Each entry of SUBMISSIONS_DIR is one student: a folder of ``aNN_topic.py`` / ``.ipynb`` files, a
single notebook or file, or a ``.zip`` of either. ``--jobs`` warm grading processes
(:mod:`autograder.serve`) take students one after another: torch, the suites and the zygotes are
loaded once per process, not once per student, while every test still runs the student's code in
a fresh worker. A student whose grading overruns ``--timeout`` (or kills the grading process)
becomes an error row; that process is replaced and the batch goes on. Writes:

- ``OUT/<student>/results.json`` (Gradescope's format), ``feedback.md`` and ``grader.log``;
- ``OUT/grades.csv``: student, points per assignment, total, status;
- ``OUT/scores.png``: the distribution of totals and the mean per assignment (needs matplotlib);
- ``OUT/misconceptions.csv`` (function, id, message, students) and ``misconceptions.png``: the known
  mistakes (autograder.mistakes) the class's wrong values matched, most frequent first.

Students already graded (their results.json exists) are skipped unless ``--force``.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import queue
import re
import select
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
import zipfile
import zlib
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from autograder import command

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Outcome:
    student: str
    scores: dict[str, float] = field(default_factory=dict)  # assignment -> points
    total: float = 0.0
    status: str = "ok"
    seconds: float = 0.0  # wall time of this student's grading run
    warm: bool = False  # graded by a process that had graded someone before (torch, zygotes loaded)
    # known mistakes their wrong values matched (autograder.mistakes): (function, id, explanation)
    diagnoses: set[tuple[str, str, str]] = field(default_factory=set)


def students(folder: Path) -> dict[str, Path]:
    """student name -> what to grade, for every folder, notebook, .py or .zip in ``folder``."""
    found = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir() or entry.suffix in (".ipynb", ".py", ".zip"):
            found[entry.stem if entry.is_file() else entry.name] = entry
    return found


# A student's .zip is hostile until proven otherwise: only the files grading needs are extracted,
# and a zip bomb is stopped by counting the bytes actually written, not the sizes its headers claim.
MAX_ZIP_FILES = 10_000  # entries in one zip (a whole project with its virtual environment has fewer)
MAX_ZIP_BYTES = 64 * 2**20  # bytes extracted from one zip, all files together
ASSIGNMENT_FILE = re.compile(r"a[0-9][0-9]_\w+\.(py|ipynb)")  # the names Submission grades
_CHUNK = 1 << 20


def _unpack(source: Path, into: Path) -> Path:
    """A zip becomes a folder holding its assignment files (``aNN_topic.py`` / ``.ipynb``), nothing else.

    Each is taken from wherever it is in the zip (the shallowest copy, if a name occurs twice) and
    written under its own name, so no path in the zip can point outside the folder. A zip whose
    files all sit in one top-level folder becomes a folder of that name, as unzipping it would give.
    Skipped: directories, symbolic links, ``__MACOSX/`` and dot-files, unsafe paths (absolute, ``..``).
    Raises ValueError, with a one-line message for the TA, for a zip with more than
    ``MAX_ZIP_FILES`` entries, more than ``MAX_ZIP_BYTES`` to extract, or a file it cannot extract.
    """
    if source.suffix != ".zip":
        return source
    target = into / "submission"
    shutil.rmtree(target, ignore_errors=True)
    with zipfile.ZipFile(source) as archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_FILES:
            raise ValueError(f"{source.name}: more than {MAX_ZIP_FILES} files; not extracted")
        tops, chosen = set(), {}
        for info in members:
            parts = _safe_parts(info)
            if parts is None:
                continue
            tops.add(parts[0] if len(parts) > 1 else None)  # None: a file at the top
            name = parts[-1]
            if ASSIGNMENT_FILE.fullmatch(name) and (name not in chosen or len(parts) < chosen[name][0]):
                chosen[name] = (len(parts), info)
        if sum(info.file_size for _, info in chosen.values()) > MAX_ZIP_BYTES:
            raise ValueError(f"{source.name}: more than {MAX_ZIP_BYTES // 2**20} MiB uncompressed; not extracted")
        top = tops.pop() if len(tops) == 1 else None
        folder = target / top if top is not None else target
        folder.mkdir(parents=True)
        try:
            budget = MAX_ZIP_BYTES
            for name, (_, info) in sorted(chosen.items()):
                budget -= _extract(archive, info, folder / name, budget, source.name)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)  # nothing half-extracted is ever graded
            raise
    return folder


def _safe_parts(info: zipfile.ZipInfo) -> list[str] | None:
    """The path of a regular file in a zip, as parts; None for what is never extracted."""
    if info.is_dir() or stat.S_ISLNK(info.external_attr >> 16):
        return None
    name = info.filename
    parts = [part for part in re.split(r"[/\\]", name) if part not in ("", ".")]
    if not parts or name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) or "\0" in name:
        return None  # an absolute path (zipfile would strip it; we do not take it at all)
    if any(part == ".." or part.startswith(".") or part == "__MACOSX" for part in parts):
        return None  # a path escaping the folder, dot-files and folders, macOS resource forks
    return parts


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, budget: int, zip_name: str) -> int:
    """Stream one member to ``path``, writing at most ``budget`` bytes; returns the bytes written."""
    if info.flag_bits & 0x1:
        raise ValueError(f"{zip_name}: {path.name} is encrypted; not extracted")
    written = 0
    try:
        with archive.open(info) as member, path.open("xb") as out:
            while chunk := member.read(min(_CHUNK, budget - written + 1)):
                written += len(chunk)
                if written > budget:
                    raise ValueError(f"{zip_name}: more than {MAX_ZIP_BYTES // 2**20} MiB uncompressed; not extracted")
                out.write(chunk)
    except (RuntimeError, NotImplementedError, EOFError, zlib.error) as exc:  # encrypted, odd compression, truncated
        raise ValueError(f"{zip_name}: cannot extract {path.name} ({exc}); not extracted") from None
    return written


class GradingProcess:
    """One warm grading process (``python -m autograder.serve``), used for one student at a time.

    It is replaced after ``RECYCLE_AFTER`` students, so that whatever a long run accumulates in it
    (pytest's and torch's caches) stays bounded.
    """

    RECYCLE_AFTER = 40

    def __init__(self) -> None:
        self.graded = 0
        self.last_warm = False
        self._closed = False
        self._process = subprocess.Popen(
            [sys.executable, "-m", "autograder.serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=REPO,
            start_new_session=True,  # its zygotes die with it when it is killed
        )

    def grade(self, args: list[str], log: Path, timeout: float) -> int:
        """pytest's exit code. Raises TimeoutError, or EOFError when the process died."""
        assert self._process.stdin is not None and self._process.stdout is not None
        self.last_warm = self.graded > 0
        self._process.stdin.write(json.dumps({"args": args, "log": str(log)}) + "\n")
        self._process.stdin.flush()
        ready, _, _ = select.select([self._process.stdout], [], [], timeout)
        if not ready:
            raise TimeoutError
        reply = self._process.stdout.readline()
        if not reply:
            raise EOFError
        self.graded += 1
        return int(json.loads(reply)["exit_code"])

    @property
    def worn_out(self) -> bool:
        return self.graded >= self.RECYCLE_AFTER or self._process.poll() is not None

    def close(self) -> None:
        """Kill it and its zygotes, once: a second killpg could hit a group that reused the pid."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait()


class GradingPool:
    """``jobs`` grading processes, started lazily, handed out one per student."""

    def __init__(self, jobs: int) -> None:
        self._idle: queue.Queue[GradingProcess | None] = queue.Queue()
        for _ in range(max(1, jobs)):
            self._idle.put(None)
        self._all: list[GradingProcess] = []
        self._lock = threading.Lock()

    def grade(self, args: list[str], log: Path, timeout: float) -> tuple[int, bool]:
        """pytest's exit code, and whether the process was warm. Raises TimeoutError or EOFError."""
        process = self._idle.get()
        try:
            if process is None or process.worn_out:
                if process is not None:
                    process.close()
                process = GradingProcess()
                with self._lock:
                    self._all.append(process)
            return process.grade(args, log, timeout), process.last_warm
        except (TimeoutError, EOFError, OSError):
            process.close()  # type: ignore[union-attr]
            process = None
            raise
        finally:
            self._idle.put(process)

    def close(self) -> None:
        with self._lock:
            for process in self._all:
                process.close()


def grade_one(name: str, source: Path, out: Path, *, pool: GradingPool, timeout: float, extra: list[str]) -> Outcome:
    """Grade one student with a warm grading process of ``pool``; never raises."""
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    results = folder / "results.json"
    results.unlink(missing_ok=True)
    if source.is_symlink():  # it could point at the solutions, or at another student's work
        return Outcome(name, status=f"error: {source.name} is a symbolic link; submit the files themselves")
    try:
        submission = _unpack(source, folder)
        start = time.perf_counter()
        code, warm = pool.grade(command.pytest_args(submission, results, *extra), folder / "grader.log", timeout)
        seconds = time.perf_counter() - start
    except TimeoutError:
        return Outcome(name, status=f"error: grading took more than {timeout:g} s")
    except EOFError:
        return Outcome(name, status="error: the grading process died (see grader.log)")
    except (OSError, zipfile.BadZipFile) as exc:
        return Outcome(name, status=f"error: {type(exc).__name__}: {exc}")
    except ValueError as exc:  # mostly a zip _unpack refused, with a message written for the TA
        return Outcome(name, status=f"error: {exc}")
    if not results.exists():
        return Outcome(name, status=f"error: the grader exited with code {code} and wrote no results")
    outcome = summarize(name, folder)
    outcome.seconds, outcome.warm = seconds, warm
    return outcome


def summarize(name: str, folder: Path) -> Outcome:
    """Scores from a student's results.json; writes their feedback.md."""
    results = json.loads((folder / "results.json").read_text())
    scores: dict[str, float] = defaultdict(float)
    for test in results["tests"]:
        scores[test["tags"][0]] += test["score"]
    (folder / "feedback.md").write_text(feedback(name, results))
    diagnoses = {
        (test["tags"][1], str(extra["diagnosis"]), str(extra.get("explanation", "")))
        for test in results["tests"]
        if isinstance(extra := test.get("extra_data"), dict) and extra.get("diagnosis")
    }
    return Outcome(name, dict(scores), float(results["score"]), diagnoses=diagnoses)


def feedback(name: str, results: dict) -> str:
    """What failed and why, in the words the tests wrote for students (no hidden answers)."""
    lines = [f"# Feedback for {name}", "", results.get("output", ""), ""]
    by_assignment: dict[str, list[dict]] = defaultdict(list)
    for test in results["tests"]:
        by_assignment[test["tags"][0]].append(test)
    for assignment, tests in sorted(by_assignment.items()):
        got = sum(t["score"] for t in tests)
        out_of = sum(t["max_score"] for t in tests)
        lines += [f"## {assignment}: {got:g} / {out_of:g}", ""]
        for test in tests:
            if test["status"] != "passed":
                name_only = test["name"].split("::")[-1]
                lines += [
                    f"### {name_only} (0 / {test['max_score']:g}, {test['tags'][2]})",
                    "",
                    "```",
                    test["output"],
                    "```",
                    "",
                ]
        if got == out_of:
            lines += ["All checks passed.", ""]
    return "\n".join(lines)


def write_csv(outcomes: list[Outcome], path: Path) -> None:
    assignments = sorted({a for o in outcomes for a in o.scores})
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", *assignments, "total", "status"])
        for o in sorted(outcomes, key=lambda o: o.student):
            writer.writerow([o.student, *(f"{o.scores.get(a, 0):g}" for a in assignments), f"{o.total:g}", o.status])


def write_misconceptions(outcomes: list[Outcome], path: Path) -> list[tuple[str, str, str, int]]:
    """``misconceptions.csv``: each known mistake the class made (function, id, message) and how many
    students made it, most frequent first: what to re-teach next lecture."""
    students: dict[tuple[str, str, str], int] = defaultdict(int)
    for outcome in outcomes:
        for diagnosis in outcome.diagnoses:
            students[diagnosis] += 1
    rows = sorted(((f, i, m, n) for (f, i, m), n in students.items()), key=lambda r: (-r[3], r[0], r[1]))
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["function", "id", "message", "students"])
        writer.writerows(rows)
    return rows


def plot_misconceptions(rows: list[tuple[str, str, str, int]], path: Path, top: int = 12) -> bool:
    """A bar chart of the most frequent known mistakes; False when matplotlib is missing or none."""
    if not rows:
        return False
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    shown = rows[:top][::-1]
    figure, axis = plt.subplots(figsize=(9, 0.45 * len(shown) + 1.2))
    axis.barh(range(len(shown)), [r[3] for r in shown], color="#c44e52")
    axis.set_yticks(range(len(shown)), [f"{r[0]}: {r[1]}" for r in shown])
    axis.set(title="Most frequent known mistakes", xlabel="students")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def plot(outcomes: list[Outcome], path: Path) -> bool:
    """Histogram of totals and mean points per assignment; False when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    graded = [o for o in outcomes if o.status == "ok"]
    assignments = sorted({a for o in graded for a in o.scores})
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.hist([o.total for o in graded], bins=min(20, max(5, len(graded))), color="#4c72b0")
    left.set(title=f"Total points ({len(graded)} students)", xlabel="points", ylabel="students")
    means = [sum(o.scores.get(a, 0) for o in graded) / max(1, len(graded)) for a in assignments]
    right.bar(range(len(assignments)), means, color="#55a868")
    right.set_xticks(range(len(assignments)), [a.split("_")[0] for a in assignments])
    right.set(title="Mean points per assignment", ylabel="points")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def grade_all(
    submissions: Path, out: Path, *, jobs: int = 2, force: bool = False, timeout: float = 1800, extra: list[str] = ()
) -> list[Outcome]:
    out.mkdir(parents=True, exist_ok=True)
    everyone = students(submissions)
    outcomes, todo = [], {}
    for name, source in everyone.items():
        if not force and (out / name / "results.json").exists():
            outcomes.append(summarize(name, out / name))
        else:
            todo[name] = source
    columns = [TextColumn("grading"), BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn()]
    with Progress(*columns, TextColumn("ETA"), TimeRemainingColumn()) as progress:
        task = progress.add_task("grading", total=len(todo))
        graders = GradingPool(jobs)
        try:
            with ThreadPoolExecutor(max_workers=max(1, jobs)) as threads:
                futures = [
                    threads.submit(grade_one, n, s, out, pool=graders, timeout=timeout, extra=list(extra))
                    for n, s in todo.items()
                ]
                for future in as_completed(futures):
                    outcomes.append(future.result())
                    progress.advance(task)
        finally:
            graders.close()
    write_csv(outcomes, out / "grades.csv")
    plot(outcomes, out / "scores.png")
    plot_misconceptions(write_misconceptions(outcomes, out / "misconceptions.csv"), out / "misconceptions.png")
    return outcomes
