"""The nbgrader release: source notebooks built from ``solutions/``, then ``nbgrader generate_assignment``.

The repository is an nbgrader course folder, with nbgrader's default layout::

    solutions/aNN_topic.py              the single source of truth (written by the instructor)
    source/aNN_topic/aNN_topic.ipynb    built here from it (generated, not committed)
    source/.release-stamps.json         what each release notebook was generated from (see update)
    release/aNN_topic/aNN_topic.ipynb   what students get, written by nbgrader (committed)
    gradebook.db                        nbgrader's database: it keeps the hidden test cells
    submitted/<student>/aNN_topic/      collected notebooks, for ``nbgrader autograde aNN_topic``

A source notebook holds, in the solution file's order:

- a markdown cell from the module docstring, and a read-only code cell for each run of top-level
  statements (imports, constants), the first one followed by a read-only cell (``example__helper``)
  defining the ``check`` helper (the public check of :mod:`autograder.harness.preflight.notebook`,
  or the docstring examples alone where the course package is not installed; graded notebooks skip
  it, like the example cells);
- for each function or class: a markdown cell (its name and the docstring's summary), a solution
  cell (the code, ``# Hint:`` lines moved above ``### BEGIN SOLUTION`` so that nbgrader keeps them),
  a read-only example cell (``example_<name>``) running ``check(<name>)``: examples, device and
  vectorisation, and an autograded test cell (``test_<name>``, worth the hidden suite's points for that
  function) whose ``### BEGIN HIDDEN TESTS`` block grades the notebook with the hidden suite
  (:mod:`autograder.harness.notebooks.hidden_cell`).

Points come from the suites themselves (a ``--collect-only`` run), so a notebook cannot disagree
with ``pytest autograder`` about what a function is worth.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder import REPO
from autograder.harness.grading import results
from autograder.harness.grading.command import pytest_command
from autograder.harness.notebooks import handout, hidden_cell, stubs
from autograder.harness.notebooks.stubs import BEGIN, END

NBFORMAT_MINOR = 5
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}

INTRO = """**How this notebook is graded.** Replace every `# YOUR CODE HERE` / `raise NotImplementedError(...)`
with your code; keep the names and signatures. The cell under each function runs the examples from
its docstring (*examples pass* or what differs). The graded tests are hidden: they call your
functions on random inputs, on a (simulated) GPU and on larger inputs to check that the code is
vectorised, and they run when your notebook is collected. Cells that say *Hidden tests* are left
empty on purpose."""

EXAMPLE_HELPER = '''try:  # the course's public check: examples, device and vectorisation (pip install the handout)
    from autograder.harness.preflight.notebook import checker

    check = checker("{assignment}")
except ImportError:  # without it: the docstring examples only

    def check(obj):
        """Run the ``>>>`` examples of ``obj``'s docstring in this notebook and say what differs."""
        import doctest

        flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
        runner = doctest.DocTestRunner(optionflags=flags)
        for test in doctest.DocTestFinder(recurse=False).find(obj, obj.__name__, globs=dict(globals())):
            runner.run(test)
        failed, tried = runner.summarize(verbose=False)
        if tried and not failed:
            print(f"{{obj.__name__}}: {{tried}} examples pass (install the course package for the device and "
                  "vectorisation checks)")
        elif not tried:
            print(f"{{obj.__name__}}: no examples in the docstring; the hidden tests run at grading")'''

HIDDEN_TEST = """# Hidden tests for `{name}` ({points:g} points): they run when your notebook is graded.
### BEGIN HIDDEN TESTS
from autograder.harness.notebooks.hidden_cell import grade_function

grade_function("{assignment}", "{name}")
### END HIDDEN TESTS"""


SECTIONS = {f"{name}:" for name in ("Args", "Arguments", "Returns", "Yields", "Raises", "Example", "Examples", "Note")}


# -- source notebooks ------------------------------------------------------------------------------
def suite_points(solutions: Path) -> dict[str, dict[str, float]]:
    """assignment -> function -> points, read from the hidden suites by a ``--collect-only`` run."""
    with tempfile.TemporaryDirectory() as scratch:
        written = Path(scratch) / "results.json"
        collect = pytest_command(solutions, written, "--collect-only")
        done = subprocess.run(collect, capture_output=True, text=True, cwd=REPO)
        if not written.exists():
            raise RuntimeError(f"collecting the hidden suites failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        points: dict[str, dict[str, float]] = {}
        for test in results.load(written).tests:
            by_function = points.setdefault(test.assignment, {})
            by_function[test.function] = by_function.get(test.function, 0.0) + test.points
    return points


def source_notebook(solution: Path, points: dict[str, float]) -> dict[str, Any]:
    """The nbgrader source notebook (nbformat 4 JSON) of one solution file.

    ``points``: function or class name -> points of its hidden tests. Raises ValueError when a
    graded function is missing from the solution or a public top-level function or class has no
    tests. Private helpers (``_name``) go into read-only cells with the imports.
    """
    source = solution.read_text()
    assignment = solution.stem
    tree = ast.parse(source)
    lines = source.splitlines()
    cells = [_markdown(_title(ast.get_docstring(tree) or assignment), "intro"), _markdown(INTRO, "how_graded")]
    pending: list[str] = []  # top-level statements waiting for their read-only cell
    setup_cells = 0
    defined = []

    def flush() -> None:
        nonlocal setup_cells
        text = "\n".join(pending).strip("\n")
        pending.clear()
        if not text:
            return
        setup_cells += 1
        cells.append(_code(text, f"setup_{setup_cells}", locked=True))
        if setup_cells == 1:  # example cells and this one are skipped when a notebook is graded
            cells.append(_code(EXAMPLE_HELPER.format(assignment=assignment), "example__helper", locked=True))

    body = tree.body[1:] if ast.get_docstring(tree) is not None else tree.body
    starts = [min([n.lineno, *(d.lineno for d in getattr(n, "decorator_list", []))]) for n in body]
    # A statement's text runs to the next one: trailing comments (``### END SOLUTION``) are not in the AST.
    for node, start, end in zip(body, starts, [*starts[1:], len(lines) + 1]):
        text = "\n".join(lines[start - 1 : end - 1]).rstrip()
        if not isinstance(node, ast.FunctionDef | ast.ClassDef) or node.name.startswith("_"):
            pending.append(text + "\n")  # imports, constants, private helpers: read-only code
            continue
        flush()
        name = node.name
        if name not in points:
            raise ValueError(f"{solution.name}: {name} has no hidden tests; add them to the suite or make it private")
        defined.append(name)
        cells.append(_markdown(f"## `{name}`\n\n{_summary(ast.get_docstring(node) or '')}", f"about_{name}"))
        cells.append(_code(_hints_above_solution(text), name, solution_cell=True))
        cells.append(_code(f"check({name})", f"example_{name}", locked=True))
        test = HIDDEN_TEST.format(name=name, points=points[name], assignment=assignment)
        cells.append(_code(test, f"test_{name}", locked=True, points=points[name]))
    flush()
    missing = sorted(set(points) - set(defined))
    if missing:
        raise ValueError(f"{solution.name}: the hidden suite grades {missing}, which the solution does not define")
    return {
        "cells": cells,
        "metadata": {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": NBFORMAT_MINOR,
    }


def _title(docstring: str) -> str:
    first, _, rest = docstring.partition("\n")
    return f"# {first.strip()}\n\n{rest.strip()}".strip()


def _summary(docstring: str) -> str:
    """The docstring up to its first section (``Args:``, ``Returns:``, ``Example:``...)."""
    kept = []
    for line in docstring.splitlines():
        if line.rstrip() in SECTIONS:
            break
        kept.append(line)
    return "\n".join(kept).strip()


def _hints_above_solution(text: str) -> str:
    """Move ``# Hint:`` comments out of solution regions: nbgrader clears the whole region."""
    out: list[str] = []
    region: list[str] | None = None
    begin_at = 0
    for line in text.splitlines():
        marker = line.strip()
        if marker == BEGIN:
            region, begin_at = [line], len(out)
        elif marker == END and region is not None:
            hints = [h for h in region[1:] if h.strip().lower().startswith("# hint:")]
            out[begin_at:begin_at] = hints
            out.extend([r for r in region if r not in hints] + [line])
            region = None
        elif region is not None:
            region.append(line)
        else:
            out.append(line)
    return "\n".join(out)


def _markdown(text: str, cell_id: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "id": cell_id.replace("_", "-"), "metadata": {}, "source": text}


def _code(
    text: str, grade_id: str, *, locked: bool = False, solution_cell: bool = False, points: float | None = None
) -> dict[str, Any]:
    nbgrader: dict[str, Any] = {
        "grade": points is not None,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution_cell,
    }
    if points is not None:
        nbgrader["points"] = points
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": grade_id.replace("_", "-"),
        "metadata": {"nbgrader": nbgrader},
        "outputs": [],
        "source": text,
    }


def source_texts(solutions: Path) -> dict[str, str]:
    """assignment -> the text of its source notebook, for every ``aNN_*.py`` in ``solutions``."""
    points = suite_points(solutions)
    texts = {}
    for solution in sorted(solutions.glob("a[0-9][0-9]_*.py")):
        if solution.stem not in points:
            raise ValueError(f"{solution.name} has no hidden suite (autograder/test_{solution.stem}.py)")
        notebook = source_notebook(solution, points[solution.stem])
        texts[solution.stem] = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
    return texts


def source_path(course: Path, assignment: str) -> Path:
    return course / "source" / assignment / f"{assignment}.ipynb"


def release_path(course: Path, assignment: str) -> Path:
    return course / "release" / assignment / f"{assignment}.ipynb"


def _write_if_changed(target: Path, text: str) -> Path | None:
    """Write ``text`` to ``target`` unless it holds it already; ``target`` when it was written."""
    if target.is_file() and target.read_bytes() == text.encode():
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text.encode())
    return target


# -- nbgrader ----------------------------------------------------------------------------------------
def configure_nbgrader(c: Any) -> None:
    """The course's nbgrader settings; ``nbgrader_config.py`` at the repository root calls this.

    - The student's notebook never runs in nbgrader's kernel (which would run it as the grading
      user, outside any sandbox): nbgrader's ``Execute`` is left out, and
      :class:`autograder.harness.notebooks.nbgrader_grades.SuiteGrades` grades the notebook with the hidden suite,
      whose workers run its cells inside the sandbox, and writes each test cell's output and points.
    - nbgrader gives 0 to a test cell that writes anything to stderr (nbgrader#1904): SuiteGrades
      replaces the test cells' outputs, and warnings elsewhere (a PyTorch C++ ``[W...]`` line, a
      Python ``...Warning:`` line) are dropped too. A student's cell may run for minutes.
    - nbgrader's feedback shows the autograded notebook, hidden tests included (nbgrader#917):
      feedback clears them first.
    - nbgrader's log says only what matters: no checksum warning for a test cell handed in as it
      was released (nbgrader#1961), no unrecognised ``display_data_priority`` in feedback, no
      SQLAlchemy warning about a new submission (:mod:`autograder.harness.notebooks.nbgrader_grades`,
      :func:`quiet_nbgrader`). A student's change to a read-only or test cell is still reported.
    """
    c.Execute.timeout = 1800
    # What replaces a solution region: the grader's feedback then reads "... not implemented yet".
    c.ClearSolutions.code_stub = {"python": '# YOUR CODE HERE\nraise NotImplementedError("not implemented yet")'}
    c.Autograde.sanitize_preprocessors = [  # nbgrader's, with OverwriteCells replaced (see above)
        "nbgrader.preprocessors.ClearOutput",
        "nbgrader.preprocessors.DeduplicateIds",
        "nbgrader.preprocessors.OverwriteKernelspec",
        "autograder.harness.notebooks.nbgrader_grades.RestoreHiddenTests",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    c.Autograde.autograde_preprocessors = [
        "autograder.harness.notebooks.nbgrader_grades.SuiteGrades",  # instead of nbgrader's Execute: see above
        "nbgrader.preprocessors.IgnorePattern",
        "nbconvert.preprocessors.ClearMetadataPreprocessor",
        "nbgrader.preprocessors.LimitOutput",
        "nbgrader.preprocessors.SaveAutoGrades",
        "nbgrader.preprocessors.AssignLatePenalties",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    c.IgnorePattern.enabled = True
    c.IgnorePattern.pattern = r"(?m)^(\[W[ 0-9]|.*\b\w*Warning: )"
    c.GenerateFeedback.preprocessors = [
        "nbgrader.preprocessors.GetGrades",
        "autograder.harness.notebooks.nbgrader_grades.FeedbackClearHiddenTests",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    ]
    quiet_nbgrader()


# SQLAlchemy 2 warns while nbgrader 0.9's Gradebook.add_submission builds a new submission: reading
# ``submission.assignment.notebooks`` autoflushes the session before nbgrader adds the submission to
# it, after that loop. Nothing is lost (the rows are added and committed right after) and nothing a
# student sends is involved: the message names nbgrader's own classes, raised from nbgrader.api.
SUBMISSION_AUTOFLUSH = (
    r"Object of type <Submitted(Assignment|Notebook)> not in session, "
    r"add operation along '(Assignment|Student|Notebook)\.submissions' will not proceed"
)


def quiet_nbgrader() -> None:
    """Silence nbgrader's SQLAlchemy warnings about a new submission, and those only."""
    warnings.filterwarnings("ignore", message=SUBMISSION_AUTOFLUSH, module=r"nbgrader\.api\Z")


def generate_release(course: Path, assignments: list[str]) -> None:
    """Run the real ``nbgrader generate_assignment`` for each assignment in ``course``.

    Raises RuntimeError with nbgrader's log when it fails, ImportError when nbgrader is missing
    (``pip install -e ".[instructor]"``).
    """
    api = _api(course)
    for assignment in assignments:
        outcome = api.generate_assignment(assignment, force=True, create=True)
        if not outcome["success"]:
            raise RuntimeError(f"nbgrader generate_assignment {assignment} failed:\n{outcome.get('error', '')}")


def build(solutions: Path, course: Path) -> list[Path]:
    """Source notebooks, then the nbgrader release of every assignment; returns the release notebooks."""
    return update(solutions, course, force=True).releases


# -- an incremental release ------------------------------------------------------------------------
# generate_assignment writes the same bytes from the same source notebook (with the same nbgrader
# and course config), so a release notebook is regenerated only when its stamp no longer holds: the
# hashes of the source notebook and of the release notebook nbgrader wrote from it, the gradebook's
# record of that notebook, and the tools. The stamps live in source/ (not committed, like the rest
# of it), which nbgrader reads only for its folders.
STAMPS = ".release-stamps.json"


@dataclass
class Update:
    """What :func:`update` did: the files whose content changed, out of ``files`` it keeps."""

    changed: list[Path]
    files: int
    generated: list[str]  # assignments nbgrader regenerated
    releases: list[Path]  # every release notebook


def update(solutions: Path, course: Path, *, force: bool = False) -> Update:
    """Write ``course/source/`` and regenerate the release notebooks whose stamp no longer holds.

    ``force``: regenerate them all. The result is byte for byte what a full regeneration writes.
    Raises ImportError when nbgrader is needed and missing.
    """
    texts = source_texts(solutions)
    stamps = _read_stamps(course)
    tools = _tools()
    changed: list[Path] = []
    todo = []
    for assignment, text in texts.items():
        if _write_if_changed(source_path(course, assignment), text):
            changed.append(source_path(course, assignment))
        if force or stamps.get(assignment) != _stamp(course, assignment, text, tools):
            todo.append(assignment)
    if todo:
        before = {assignment: _file_sha(release_path(course, assignment)) for assignment in todo}
        stamps = {name: stamp for name, stamp in stamps.items() if name in texts and name not in todo}
        _write_stamps(course, stamps)  # a run that fails now leaves no stamp for what it was redoing
        generate_release(course, todo)
        for assignment in todo:
            if _file_sha(release_path(course, assignment)) != before[assignment]:
                changed.append(release_path(course, assignment))
            stamps[assignment] = _stamp(course, assignment, texts[assignment], tools)
        _write_stamps(course, stamps)
    return Update(changed, 2 * len(texts), todo, [release_path(course, a) for a in texts])


def _stamp(course: Path, assignment: str, text: str, tools: str) -> dict[str, str | None]:
    return {
        "source": _sha(text.encode()),
        "release": _file_sha(release_path(course, assignment)),
        "gradebook": _gradebook_digest(course, assignment),
        "tools": tools,
    }


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha(path: Path) -> str | None:
    return _sha(path.read_bytes()) if path.is_file() else None


def _read_stamps(course: Path) -> dict[str, dict]:
    try:
        stamps = json.loads((course / "source" / STAMPS).read_text())
    except (OSError, ValueError):
        return {}
    return stamps if isinstance(stamps, dict) else {}


def _write_stamps(course: Path, stamps: dict[str, dict]) -> None:
    target = course / "source" / STAMPS
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(stamps, indent=1, sort_keys=True) + "\n")


def _tools() -> str:
    """What besides the source decides generate_assignment's output: the versions and the config."""
    from importlib import metadata

    versions = {}
    for package in ("nbgrader", "nbconvert", "nbformat", "traitlets"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    try:
        from traitlets.config import Config
    except ImportError:
        return _sha(json.dumps(versions).encode())
    config = Config()
    configure_nbgrader(config)
    return _sha((json.dumps(versions, sort_keys=True) + repr(config)).encode())


def _gradebook_digest(course: Path, assignment: str) -> str | None:
    """The gradebook's record of the assignment's notebook (cells, sources, points); None without one."""
    database = course / "gradebook.db"
    if not database.is_file():
        return None
    where = (
        "JOIN notebook n ON {}.notebook_id = n.id JOIN assignment a ON n.assignment_id = a.id "
        "WHERE a.name = ? AND n.name = ?"
    )
    try:
        with contextlib.closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)) as connection:
            sources = connection.execute(
                "SELECT s.name, s.cell_type, s.locked, s.source, s.checksum FROM source_cell s "
                + where.format("s")
                + " ORDER BY s.name",
                (assignment, assignment),
            ).fetchall()
            cells = connection.execute(
                "SELECT b.name, b.type, g.max_score FROM base_cell b LEFT JOIN grade_cells g ON g.id = b.id "
                + where.format("b")
                + " ORDER BY b.name, b.type",
                (assignment, assignment),
            ).fetchall()
    except sqlite3.Error:
        return None
    return _sha(json.dumps([sources, cells]).encode()) if sources else None


# -- staleness -------------------------------------------------------------------------------------
def fingerprint(notebook: dict[str, Any]) -> list[tuple]:
    """What matters in a release notebook: cell types, sources and nbgrader's grading metadata.

    Cell ids, checksums and outputs are volatile and left out.
    """
    kept = []
    for cell in notebook["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        grading = tuple((key, meta.get(key)) for key in ("grade", "grade_id", "locked", "points", "solution"))
        kept.append((cell["cell_type"], source, grading))
    return kept


def stale_release(solutions: Path, release: Path) -> list[str]:
    """Release notebooks missing or different from a fresh build (needs nbgrader)."""
    texts = source_texts(solutions)
    return _stale_by_building(texts, list(texts), release)


def stale_files(solutions: Path, assignments: Path, course: Path) -> list[str]:
    """Stubs and release notebooks that ``python -m autograder release`` would change.

    A release notebook that nbgrader wrote from the very source notebook the solutions give now
    (its stamp says so, and the tools are the same) is up to date without running nbgrader; the
    others are compared with a fresh build. Raises ImportError when that needs nbgrader and it is
    missing.
    """
    stale = [f"assignments/{name}" for name in stubs.stale_stubs(solutions, assignments)]
    texts = source_texts(solutions)
    stamps = _read_stamps(course)
    tools = _tools()
    unsure = []
    for assignment, text in texts.items():
        stamp = stamps.get(assignment, {})
        released = _file_sha(release_path(course, assignment))
        fresh = {"source": _sha(text.encode()), "release": released, "tools": tools}
        if released is None or any(stamp.get(key) != value for key, value in fresh.items()):
            unsure.append(assignment)
    if unsure:
        stale += _stale_by_building(texts, unsure, course / "release")
    return stale


def _stale_by_building(texts: dict[str, str], assignments: list[str], release: Path) -> list[str]:
    with tempfile.TemporaryDirectory() as scratch:
        course = Path(scratch)
        for assignment in assignments:
            _write_if_changed(source_path(course, assignment), texts[assignment])
        generate_release(course, assignments)
        stale = []
        for assignment in assignments:
            built, committed = release_path(course, assignment), release / assignment / f"{assignment}.ipynb"
            if not committed.exists() or fingerprint(json.loads(committed.read_text())) != fingerprint(
                json.loads(built.read_text())
            ):
                stale.append(f"release/{assignment}/{assignment}.ipynb")
    return stale


# -- the command -----------------------------------------------------------------------------------
def run(solutions: Path, assignments: Path, course: Path, check: bool = False) -> int:
    """``python -m autograder release [--check]``: print what changed (or is stale) and the time taken.

    Returns the exit code: 1 when ``check`` finds a stale file or nbgrader is missing.
    """
    from autograder.harness.preflight import check as check_manifest  # imports the suites (torch)

    # The check's manifest describes this package's own suites and solutions: a release of another
    # solutions folder (a copy being edited, in tests) leaves it alone.
    own = solutions.resolve() == (REPO / "solutions").resolve()
    started = time.perf_counter()
    try:
        if check:
            stale = stale_files(solutions, assignments, course)
            if own and check_manifest.MANIFEST.read_text() != check_manifest.manifest_text(solutions):
                stale.append(str(check_manifest.MANIFEST.relative_to(REPO)))
        else:
            written = stubs.write_stubs(solutions, assignments)
            if own and check_manifest.write_manifest(solutions):
                written.append(check_manifest.MANIFEST)
            package = "rebuilt" if handout.write(course) else "unchanged"  # after the manifest: it carries it
            done = update(solutions, course)
    except ImportError:
        print("nbgrader is not installed, so release/ was not built: pip install -e '.[instructor]'", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started
    if check:
        for name in stale:
            print(f"stale: {name} (run python -m autograder release)")
        if not stale:
            print(f"up to date: assignments/ and release/ match solutions/ ({elapsed:.1f} s)")
        return 1 if stale else 0
    changed = written + done.changed
    for path in changed:
        print(f"changed {_shown(path, course)}")
    if not changed:
        print("assignments/, source/ and release/ are up to date")
    files = len(stubs.expected_stubs(solutions)) + done.files
    regenerated = f"nbgrader regenerated {len(done.generated)} of {len(done.releases)} release notebooks"
    counts = f"{_files(len(changed))} changed, {files - len(changed)} unchanged"
    print(f"release: {counts} ({regenerated}), {elapsed:.1f} s")
    print(f"student package ({package}, not committed): {_shown(handout.path(course), course)}")
    return 0


def _files(count: int) -> str:
    return f"{count} file" if count == 1 else f"{count} files"


def _shown(path: Path, course: Path) -> str:
    try:
        return str(path.resolve().relative_to(course.resolve()))
    except ValueError:
        return str(path)


def _api(course: Path, course_config: bool = True) -> Any:
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    config = Config()
    if course_config:
        configure_nbgrader(config)
    config.CourseDirectory.root = str(course)
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def autograde(
    course: Path,
    assignment: str,
    students: list[str],
    *,
    course_config: bool = True,
    logs: dict[str, str] | None = None,
) -> dict[str, tuple[float, float]]:
    """Run the real ``nbgrader autograde`` on ``course/submitted/<student>/<assignment>/``.

    ``course_config=False`` runs nbgrader with its defaults, as someone without this course's
    ``nbgrader_config.py`` would. Returns student -> (score, max score) from nbgrader's gradebook;
    ``logs`` gets student -> what the run said (nbgrader's log, then any Python warning, which is
    not printed then). Raises RuntimeError with nbgrader's log when it fails.
    """
    from nbgrader.api import Gradebook

    api = _api(course, course_config)
    if not course_config:  # a kernel started by this process must not expect our preprocessor
        os.environ.pop(hidden_cell.OUTSIDE_KERNEL, None)
    for student in students:
        with warnings.catch_warnings(record=True) as raised:
            outcome = api.autograde(assignment, student, force=True, create=True)
        if logs is not None:
            logs[student] = _said(outcome, raised)
        if not outcome["success"]:
            raise RuntimeError(f"nbgrader autograde {assignment} {student} failed:\n{outcome.get('error', '')}")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {
            student: (
                gradebook.find_submission(assignment, student).score,
                gradebook.find_submission(assignment, student).max_score,
            )
            for student in students
        }


def generate_feedback(course: Path, assignment: str, student: str, logs: dict[str, str] | None = None) -> Path:
    """Run ``nbgrader generate_feedback``; returns the feedback HTML file. ``logs``: as for autograde."""
    api = _api(course)
    with warnings.catch_warnings(record=True) as raised:
        outcome = api.generate_feedback(assignment, student, force=True)
    if logs is not None:
        logs[student] = _said(outcome, raised)
    if not outcome["success"]:
        raise RuntimeError(f"nbgrader generate_feedback {assignment} {student} failed:\n{outcome.get('error', '')}")
    return course / "feedback" / student / assignment / f"{assignment}.html"


def _said(outcome: dict[str, Any], raised: list[warnings.WarningMessage]) -> str:
    """nbgrader's log of one run, then the Python warnings raised during it as Python prints them."""
    printed = [warnings.formatwarning(w.message, w.category, w.filename, w.lineno, w.line) for w in raised]
    return (outcome.get("log") or "") + "".join(printed)


def answered(release_notebook: Path, source_notebook: Path) -> dict[str, Any]:
    """The release notebook with every solution cell filled in from the source: a perfect student."""
    source = json.loads(source_notebook.read_text())
    answers = {
        cell["metadata"]["nbgrader"]["grade_id"]: cell["source"]
        for cell in source["cells"]
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    }
    notebook = json.loads(release_notebook.read_text())
    for cell in notebook["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            cell["source"] = answers[meta["grade_id"]]
    return notebook
