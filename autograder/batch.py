"""Grade a whole class: ``python -m autograder grade-all SUBMISSIONS_DIR --out OUT [--jobs N]``.

Each entry of SUBMISSIONS_DIR is one student: a folder of ``aNN_topic.py`` / ``.ipynb`` files, a
single notebook or file, or a ``.zip`` of either. Every student is graded by a grading process of
their own (``pytest autograder`` in a subprocess), ``--jobs`` at a time, so one student's crash,
hang or memory blow-up becomes an error row while the batch goes on. Writes:

- ``OUT/<student>/results.json`` (Gradescope's format) and ``OUT/<student>/feedback.md``;
- ``OUT/grades.csv``: student, points per assignment, total, status;
- ``OUT/scores.png``: the distribution of totals and the mean per assignment (needs matplotlib).

Students already graded (their results.json exists) are skipped unless ``--force``.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import zipfile
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Outcome:
    student: str
    scores: dict[str, float] = field(default_factory=dict)  # assignment -> points
    total: float = 0.0
    status: str = "ok"


def students(folder: Path) -> dict[str, Path]:
    """student name -> what to grade, for every folder, notebook, .py or .zip in ``folder``."""
    found = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir() or entry.suffix in (".ipynb", ".py", ".zip"):
            found[entry.stem if entry.is_file() else entry.name] = entry
    return found


def _unpack(source: Path, into: Path) -> Path:
    """A zip becomes a folder (its single top-level folder, if that is all it holds)."""
    if source.suffix != ".zip":
        return source
    target = into / "submission"
    shutil.rmtree(target, ignore_errors=True)
    with zipfile.ZipFile(source) as archive:
        archive.extractall(target)
    inner = [p for p in target.iterdir() if not p.name.startswith(("__MACOSX", "."))]
    return inner[0] if len(inner) == 1 and inner[0].is_dir() else target


def grade_one(name: str, source: Path, out: Path, *, timeout: float, extra: list[str]) -> Outcome:
    """Grade one student in a fresh grading process; never raises."""
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    results = folder / "results.json"
    results.unlink(missing_ok=True)
    try:
        submission = _unpack(source, folder)
        command = [sys.executable, "-m", "pytest", str(REPO / "autograder"), "--rootdir", str(REPO)]
        command += ["--submission", str(submission), "--results", str(results), "-q", "-p", "no:cacheprovider"]
        done = subprocess.run(command + extra, capture_output=True, text=True, timeout=timeout, cwd=REPO)
        (folder / "grader.log").write_text(done.stdout[-200_000:] + done.stderr[-50_000:])
    except subprocess.TimeoutExpired:
        return Outcome(name, status=f"error: grading took more than {timeout:g} s")
    except (OSError, zipfile.BadZipFile) as exc:
        return Outcome(name, status=f"error: {type(exc).__name__}: {exc}")
    if not results.exists():
        return Outcome(name, status=f"error: the grader exited with code {done.returncode} and wrote no results")
    return summarize(name, folder)


def summarize(name: str, folder: Path) -> Outcome:
    """Scores from a student's results.json; writes their feedback.md."""
    results = json.loads((folder / "results.json").read_text())
    scores: dict[str, float] = defaultdict(float)
    for test in results["tests"]:
        scores[test["tags"][0]] += test["score"]
    (folder / "feedback.md").write_text(feedback(name, results))
    return Outcome(name, dict(scores), float(results["score"]))


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
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(grade_one, n, s, out, timeout=timeout, extra=list(extra)) for n, s in todo.items()]
            for future in as_completed(futures):
                outcomes.append(future.result())
                progress.advance(task)
    write_csv(outcomes, out / "grades.csv")
    plot(outcomes, out / "scores.png")
    return outcomes
