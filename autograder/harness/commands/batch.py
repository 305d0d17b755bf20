"""Grade a whole class: ``python -m autograder grade-all SUBMISSIONS_DIR --out OUT [--jobs N]``.

Each entry of SUBMISSIONS_DIR is one student: a folder of ``aNN_topic.py`` / ``.ipynb`` files, a
single notebook or file, or a ``.zip`` of either. ``--jobs`` warm grading processes
(:mod:`autograder.harness.isolation.serve`) take students one after another: torch, the suites and the zygotes are
loaded once per process, not once per student, while every test still runs the student's code in
a fresh worker. A student whose grading overruns ``--timeout`` (or kills the grading process)
becomes an error row; that process is replaced and the batch goes on. Writes:

- ``OUT/<student>/results.json`` (Gradescope's format), ``feedback.md`` and ``grader.log``;
- ``OUT/grades.csv``: student, points per assignment, total, status;
- ``OUT/scores.png``: the distribution of totals and the mean per assignment (needs matplotlib);
- ``OUT/misconceptions.csv`` (function, id, message, students) and ``misconceptions.png``: the known
  mistakes (autograder.harness.grading.mistakes) the class's wrong values matched, most frequent first.

A student is graded again when their files changed since their last grading (a content hash,
with the grader's own files and options, kept in ``OUT/<student>/graded.json``), or when named by
``--force STUDENT...`` (``--force`` alone: everyone). Anyone who could not be graded (a zip that
would not extract, no assignment file, a crash of the grading process, an overrun) gets
``status=error: <reason>``, is counted as failed in the summary and is tried again next run.

A single ``.py`` / ``.ipynb`` student is graded as the assignment its name contains
(``alice_a03_vectorize.ipynb``, ``a03_vectorize.py``) or, failing that, as ``--assignment``.
With ``--scheduler ADDRESS`` students go to a ``dask.distributed`` cluster (:mod:`autograder.harness.commands.cluster`).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
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

from autograder import REPO
from autograder.harness.grading import command, results


@dataclass
class Outcome:
    student: str
    scores: dict[str, float] = field(default_factory=dict)  # assignment -> points
    total: float = 0.0
    status: str = "ok"  # or "error: <why this student could not be graded>"
    seconds: float = 0.0  # wall time of this student's grading run
    earlier: int = 0  # how many students the grading process had graded before this one
    # known mistakes their wrong values matched (autograder.harness.grading.mistakes): (function, id, explanation)
    diagnoses: set[tuple[str, str, str]] = field(default_factory=set)
    maximum: dict[str, float] = field(default_factory=dict)  # assignment -> points possible
    skipped: bool = False  # unchanged since their last grading: the earlier results were kept

    @property
    def warm(self) -> bool:
        """Graded by a process that had graded someone before (torch and its zygotes loaded)."""
        return self.earlier > 0


@dataclass(frozen=True)
class Student:
    """One entry of the submissions folder, and what to grade it as."""

    name: str
    source: Path  # a folder, a .py / .ipynb file or a .zip
    assignment: str | None = None  # a single file's assignment (None for folders and zips)
    problem: str | None = None  # why it cannot be graded at all (then status=error)


def students(folder: Path, assignment: str | None = None) -> dict[str, Student]:
    """student name -> what to grade, for every folder, notebook, .py or .zip in ``folder``.

    A single ``.py`` / ``.ipynb`` file is one student, graded as the assignment its name is or
    contains (``a03_vectorize.py``, ``alice_a03_vectorize.ipynb``), else as ``assignment``; with
    neither, the student gets an error saying so. Raises FileNotFoundError / NotADirectoryError
    with a one-line message for a missing folder.
    """
    if not folder.exists():
        raise FileNotFoundError(f"no such folder: {folder}")
    if not folder.is_dir():
        raise NotADirectoryError(f"not a folder: {folder} (give the folder that holds one entry per student)")
    known = command.assignments()
    found = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        name = entry.stem if entry.suffix in (".zip", ".py", ".ipynb") and not entry.is_dir() else entry.name
        if name in OUTPUTS:  # OUT/<student> would be the class's own grades.csv or chart
            found[name] = Student(name, entry, problem=f"{entry.name}: a student may not be named {name}; rename it")
            continue
        if entry.suffix in (".ipynb", ".py") and not entry.is_dir():
            named = [a for a in known if a in entry.stem]
            chosen = named[0] if len(named) == 1 else assignment
            problem = None
            if chosen is None:
                problem = (
                    f"{entry.name}: which assignment is it? Name the file after one (e.g. "
                    f"{entry.stem}_{known[0] if known else 'a01_topic'}{entry.suffix}) or pass --assignment"
                )
            found[entry.stem] = Student(entry.stem, entry, chosen, problem)
        elif entry.is_dir() or entry.suffix == ".zip":
            found[entry.stem if entry.suffix == ".zip" else entry.name] = Student(
                entry.stem if entry.suffix == ".zip" else entry.name, entry
            )
    return found


OUTPUTS = {"grades.csv", "scores.png", "misconceptions.csv", "misconceptions.png"}  # what grade_all writes in OUT


def grader_fingerprint(extra: list[str] | tuple[str, ...] = ()) -> str:
    """A hash of what decides a grade besides the submission: the suites and harness, the reference
    solutions and the options. Changing any of them regrades everyone."""
    digest = hashlib.sha256(json.dumps(list(extra)).encode())
    for path in sorted([*(REPO / "autograder").rglob("*.py"), *(REPO / "solutions").glob("a[0-9][0-9]_*.py")]):
        digest.update(path.relative_to(REPO).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def content_hash(student: Student, grader: str) -> str:
    """What a regrade depends on: the student's files (the bytes of the files grading reads, never
    following links), their assignment, and :func:`grader_fingerprint`."""
    digest = hashlib.sha256(f"{grader}|{student.assignment}".encode())
    source = student.source
    files = [source]
    if source.is_dir():
        files = sorted(p for p in source.iterdir() if ASSIGNMENT_FILE.fullmatch(p.name))
    for path in files:
        digest.update(path.name.encode() + b"\0")
        with contextlib.suppress(OSError):  # a link or an unreadable file: grading reports it
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            try:
                if stat.S_ISREG(os.fstat(fd).st_mode):
                    while chunk := os.read(fd, _CHUNK):
                        digest.update(chunk)
            finally:
                os.close(fd)
        digest.update(b"\0")
    return digest.hexdigest()


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
    """One warm grading process (``python -m autograder.harness.isolation.serve``), used for one student at a time.

    It is replaced after ``RECYCLE_AFTER`` students, so that whatever a long run accumulates in it
    (pytest's and torch's caches) stays bounded.
    """

    RECYCLE_AFTER = 40

    def __init__(self) -> None:
        self.graded = 0
        self.earlier = 0  # students graded before the last (or current) one
        self._closed = False
        self._process = subprocess.Popen(
            [sys.executable, "-m", "autograder.harness.isolation.serve"],
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
        self.earlier = self.graded
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

    def grade(self, args: list[str], log: Path, timeout: float) -> tuple[int, int]:
        """pytest's exit code, and how many students the process had graded before (0: it started
        cold). Raises TimeoutError or EOFError."""
        process = self._idle.get()
        try:
            if process is None or process.worn_out:
                if process is not None:
                    process.close()
                process = GradingProcess()
                with self._lock:
                    self._all.append(process)
            return process.grade(args, log, timeout), process.earlier
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


def grade_one(
    name: str,
    source: Path,
    out: Path,
    *,
    pool: GradingPool,
    timeout: float,
    extra: list[str],
    assignment: str | None = None,
) -> Outcome:
    """Grade one student with a warm grading process of ``pool``; never raises.

    ``assignment``: a single file's assignment (see :func:`students`)."""
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    written = folder / "results.json"
    written.unlink(missing_ok=True)
    if source.is_symlink():  # it could point at the solutions, or at another student's work
        return Outcome(name, status=f"error: {source.name} is a symbolic link; submit the files themselves")
    try:
        submission = _unpack(source, folder)
        if submission.is_dir() and not _assignment_files(submission):
            return Outcome(name, status=f"error: {no_assignment_file(source)}")
        start = time.perf_counter()
        args = command.pytest_args(submission, written, *extra, assignment=assignment)
        code, earlier = pool.grade(args, folder / "grader.log", timeout)
        seconds = time.perf_counter() - start
    except TimeoutError:
        return Outcome(name, status=f"error: grading took more than {timeout:g} s")
    except EOFError:
        return Outcome(name, status="error: the grading process died (see grader.log)")
    except zipfile.BadZipFile as exc:
        return Outcome(name, status=f"error: {source.name} cannot be read as a zip ({exc})")
    except OSError as exc:
        return Outcome(name, status=f"error: {type(exc).__name__}: {exc}")
    except ValueError as exc:  # mostly a zip _unpack refused, with a message written for the TA
        return Outcome(name, status=f"error: {exc}")
    return finish(name, folder, code, seconds, earlier)


def no_assignment_file(source: Path) -> str:
    return f"{source.name} holds no assignment file ({', '.join(command.assignments())}; .py or .ipynb)"


def _assignment_files(folder: Path) -> list[Path]:
    known = set(command.assignments())
    return [p for p in folder.iterdir() if ASSIGNMENT_FILE.fullmatch(p.name) and p.stem in known]


def finish(name: str, folder: Path, code: int, seconds: float, earlier: int) -> Outcome:
    """The outcome of a grading run that left ``folder/results.json`` (or did not) with exit ``code``."""
    try:
        graded = results.load(folder / "results.json")
    except OSError:
        return Outcome(name, status=f"error: the grader exited with code {code} and wrote no results (see grader.log)")
    except ValueError as exc:
        return Outcome(name, status=f"error: the grader wrote results it cannot read back ({exc})")
    if code not in (0, 1) or not graded.tests:  # 0: all passed, 1: some failed; else nothing graded
        reason = (graded.error or "").strip().splitlines()
        return Outcome(name, status=f"error: {reason[0] if reason else f'the grader exited with code {code}'}")
    outcome = summarize(name, folder, graded)
    outcome.seconds, outcome.earlier = seconds, int(earlier)
    return outcome


def summarize(name: str, folder: Path, graded: results.GradedRun | None = None) -> Outcome:
    """Scores from a student's results.json; writes their feedback.md."""
    graded = graded or results.load(folder / "results.json")
    rows = graded.by_assignment()
    (folder / "feedback.md").write_text(feedback(name, graded))
    diagnoses = {(t.function, t.diagnosis, t.explanation or "") for t in graded.tests if t.diagnosis}
    return Outcome(
        name,
        {a: row.earned for a, row in rows.items()},
        graded.score,
        diagnoses=diagnoses,
        maximum={a: row.possible for a, row in rows.items()},
    )


def feedback(name: str, graded: results.GradedRun) -> str:
    """What failed and why, in the words the tests wrote for students (no hidden answers).

    An assignment that could not be graded at all (its file missing, refused or not importing)
    is one line with the reason, not one block per test."""
    lines = [f"# Feedback for {name}", "", graded.summary(), ""]
    for assignment, row in graded.by_assignment().items():
        tests = graded.of(assignment)
        lines += [f"## {assignment}: {row.earned:g} / {row.possible:g}", ""]
        if all(t.unavailable for t in tests):
            reason = next((t.feedback for t in tests if "(the whole message is under" not in t.feedback), "")
            lines += [_one_paragraph(reason) or "Not graded.", ""]
            continue
        for test in tests:
            if not test.passed:
                fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", test.feedback)), default=0))
                lines += [f"### {test.name} (0 / {test.possible:g}, {test.kind})", "", fence, test.feedback, fence, ""]
        if row.earned == row.possible:
            lines += ["All checks passed.", ""]
    return "\n".join(lines)


def _one_paragraph(text: str) -> str:
    """A missing file's message fits one line; an import error keeps its traceback, fenced."""
    text = text.strip()
    if "\n" not in text:
        return text
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    return f"{fence}\n{text}\n{fence}"


def write_csv(outcomes: list[Outcome], path: Path, assignments: list[str] | None = None) -> None:
    """grades.csv: a row per student (points per assignment, total, status), then a ``max`` row with
    each assignment's possible points (its student cell is empty: no folder can be named so)."""
    assignments = sorted({*(assignments or []), *(a for o in outcomes for a in o.scores)})
    maximum = {a: max((o.maximum.get(a, 0.0) for o in outcomes), default=0.0) for a in assignments}
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", *assignments, "total", "status"])
        for o in sorted(outcomes, key=lambda o: o.student):
            writer.writerow([o.student, *(f"{o.scores.get(a, 0):g}" for a in assignments), f"{o.total:g}", o.status])
        writer.writerow(["", *(f"{maximum[a]:g}" for a in assignments), f"{sum(maximum.values()):g}", "max"])


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
    """Histogram of totals (students on an integer axis) and each assignment's mean as a percentage
    of its maximum (assignments differ in points); False when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        return False
    graded = [o for o in outcomes if o.status == "ok"]
    assignments = sorted({a for o in graded for a in o.scores})
    maximum = {a: max((o.maximum.get(a, 0.0) for o in graded), default=0.0) for a in assignments}
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.hist([o.total for o in graded], bins=min(20, max(5, len(graded))), color="#4c72b0")
    left.set(title=f"Total points ({len(graded)} students)", xlabel="points", ylabel="students")
    left.yaxis.set_major_locator(MaxNLocator(integer=True))
    means = [
        100 * sum(o.scores.get(a, 0) for o in graded) / max(1, len(graded)) / maximum[a] if maximum[a] else 0.0
        for a in assignments
    ]
    bars = right.bar(range(len(assignments)), means, color="#55a868")
    right.bar_label(bars, fmt="%.0f%%", fontsize=8)
    right.set_xticks(range(len(assignments)), [a.split("_")[0] for a in assignments])
    right.set(title="Mean score per assignment", ylabel="% of the assignment's points", ylim=(0, 105))
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def grade_all(
    submissions: Path,
    out: Path,
    *,
    jobs: int = 2,
    force: bool | list[str] = False,
    timeout: float = 1800,
    extra: list[str] | tuple[str, ...] = (),
    assignment: str | None = None,
    scheduler: str | None = None,
) -> list[Outcome]:
    """Grade every student of ``submissions`` into ``out``; see the module docstring.

    ``force``: True regrades everyone, a list regrades those students (others only if changed).
    ``scheduler``: a ``dask.distributed`` scheduler's address; students are graded on its workers.
    Raises FileNotFoundError / NotADirectoryError (one line) for a bad folder, ValueError for a
    ``force`` naming no student, OSError when the scheduler cannot be reached.
    """
    everyone = students(submissions, assignment)
    if isinstance(force, list | tuple) and (unknown := sorted(set(force) - set(everyone))):
        raise ValueError(f"--force names no student of {submissions}: {', '.join(unknown)}")
    out.mkdir(parents=True, exist_ok=True)
    grader = grader_fingerprint(extra)
    outcomes, todo, hashes = [], {}, {}
    for name, student in everyone.items():
        hashes[name] = content_hash(student, grader)
        if student.problem is not None:
            outcomes.append(Outcome(name, status=f"error: {student.problem}"))
        elif _unchanged(out / name, hashes[name]) and not (force is True or (force and name in force)):
            outcome = summarize(name, out / name)
            outcome.skipped = True
            outcomes.append(outcome)
        else:
            todo[name] = student
    if todo:
        columns = [TextColumn("grading"), BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn()]
        with Progress(*columns, TextColumn("ETA"), TimeRemainingColumn()) as progress:
            task = progress.add_task("grading", total=len(todo))
            if scheduler is None:
                graded = _grade_locally(todo, out, jobs=jobs, timeout=timeout, extra=list(extra))
            else:
                from autograder.harness.commands import cluster

                graded = cluster.grade(todo, out, scheduler=scheduler, timeout=timeout, extra=list(extra))
            for outcome in graded:
                outcomes.append(outcome)
                if outcome.status == "ok":
                    (out / outcome.student / "graded.json").write_text(json.dumps({"hash": hashes[outcome.student]}))
                else:
                    (out / outcome.student / "graded.json").unlink(missing_ok=True)  # tried again next run
                progress.advance(task)
    write_csv(outcomes, out / "grades.csv", command.assignments())
    plot(outcomes, out / "scores.png")
    plot_misconceptions(write_misconceptions(outcomes, out / "misconceptions.csv"), out / "misconceptions.png")
    return outcomes


def _unchanged(folder: Path, digest: str) -> bool:
    """Graded before, successfully, from the very same files, suites and options."""
    try:
        return json.loads((folder / "graded.json").read_text())["hash"] == digest and (folder / "results.json").exists()
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _grade_locally(todo: dict[str, Student], out: Path, *, jobs: int, timeout: float, extra: list[str]):
    """Outcomes as they finish, graded by ``jobs`` warm grading processes on this machine."""
    graders = GradingPool(jobs)
    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as threads:
            futures = [
                threads.submit(
                    grade_one, n, s.source, out, pool=graders, timeout=timeout, extra=extra, assignment=s.assignment
                )
                for n, s in todo.items()
            ]
            for future in as_completed(futures):
                yield future.result()
    finally:
        graders.close()


def summary(outcomes: list[Outcome]) -> str:
    """``graded 3, skipped 2 (unchanged), failed 1`` and one line per failed student."""
    failed = sorted((o for o in outcomes if o.status != "ok"), key=lambda o: o.student)
    skipped = sum(o.skipped for o in outcomes if o.status == "ok")
    graded = len(outcomes) - len(failed) - skipped
    lines = [f"{len(outcomes)} students: graded {graded}, skipped {skipped} (unchanged), failed {len(failed)}"]
    lines += [f"  {o.student}: {o.status.removeprefix('error: ')}" for o in failed]
    return "\n".join(lines)
