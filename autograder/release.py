"""The nbgrader release: source notebooks built from ``solutions/``, then ``nbgrader generate_assignment``.

The repository is an nbgrader course folder, with nbgrader's default layout::

    solutions/aNN_topic.py              the single source of truth (written by the instructor)
    source/aNN_topic/aNN_topic.ipynb    built here from it (generated, not committed)
    release/aNN_topic/aNN_topic.ipynb   what students get, written by nbgrader (committed)
    gradebook.db                        nbgrader's database: it keeps the hidden test cells
    submitted/<student>/aNN_topic/      collected notebooks, for ``nbgrader autograde aNN_topic``

A source notebook holds, in the solution file's order:

- a markdown cell from the module docstring, and a read-only code cell for each run of top-level
  statements (imports, constants), the first one followed by a read-only cell (``example__helper``)
  defining the ``check_examples`` helper (graded notebooks skip it, like the example cells: it uses
  ``doctest``, which submissions may not, see :mod:`autograder.policy`);
- for each function or class: a markdown cell (its name and the docstring's summary), a solution
  cell (the code, ``# Hint:`` lines moved above ``### BEGIN SOLUTION`` so that nbgrader keeps them),
  a read-only example cell (``example_<name>``) running the docstring's ``>>>`` examples in the
  notebook, and an autograded test cell (``test_<name>``, worth the hidden suite's points for that
  function) whose ``### BEGIN HIDDEN TESTS`` block grades the notebook with the hidden suite
  (:mod:`autograder.hidden_cell`).

Points come from the suites themselves (a ``--collect-only`` run), so a notebook cannot disagree
with ``pytest autograder`` about what a function is worth.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import tempfile
import warnings
from pathlib import Path
from typing import Any

from autograder import hidden_cell
from autograder.command import pytest_command
from autograder.stubs import BEGIN, END

REPO = Path(__file__).resolve().parent.parent
NBFORMAT_MINOR = 5
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}

INTRO = """**How this notebook is graded.** Replace every `# YOUR CODE HERE` / `raise NotImplementedError(...)`
with your code; keep the names and signatures. The cell under each function runs the examples from
its docstring (*examples pass* or what differs). The graded tests are hidden: they call your
functions on random inputs, on a (simulated) GPU and on larger inputs to check that the code is
vectorised, and they run when your notebook is collected. Cells that say *Hidden tests* are left
empty on purpose."""

EXAMPLE_HELPER = '''def check_examples(obj):
    """Run the ``>>>`` examples of ``obj``'s docstring in this notebook and say what differs."""
    import doctest

    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    runner = doctest.DocTestRunner(optionflags=flags)
    for test in doctest.DocTestFinder(recurse=False).find(obj, obj.__name__, globs=dict(globals())):
        runner.run(test)
    failed, tried = runner.summarize(verbose=False)
    if tried and not failed:
        print(f"{obj.__name__}: {tried} examples pass")
    elif not tried:
        print(f"{obj.__name__}: no examples in the docstring; the hidden tests run at grading")'''

HIDDEN_TEST = """# Hidden tests for `{name}` ({points:g} points): they run when your notebook is graded.
### BEGIN HIDDEN TESTS
from autograder.hidden_cell import grade_function

grade_function("{assignment}", "{name}")
### END HIDDEN TESTS"""


SECTIONS = {f"{name}:" for name in ("Args", "Arguments", "Returns", "Yields", "Raises", "Example", "Examples", "Note")}


# -- source notebooks ------------------------------------------------------------------------------
def suite_points(solutions: Path) -> dict[str, dict[str, float]]:
    """assignment -> function -> points, read from the hidden suites by a ``--collect-only`` run."""
    with tempfile.TemporaryDirectory() as scratch:
        results = Path(scratch) / "results.json"
        collect = pytest_command(solutions, results, "--collect-only")
        done = subprocess.run(collect, capture_output=True, text=True, cwd=REPO)
        if not results.exists():
            raise RuntimeError(f"collecting the hidden suites failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        points: dict[str, dict[str, float]] = {}
        for test in json.loads(results.read_text())["tests"]:
            assignment, function, _kind = test["tags"]
            by_function = points.setdefault(assignment, {})
            by_function[function] = by_function.get(function, 0.0) + test["max_score"]
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
            cells.append(_code(EXAMPLE_HELPER, "example__helper", locked=True))

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
        cells.append(_code(f"check_examples({name})", f"example_{name}", locked=True))
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


def write_sources(solutions: Path, course: Path) -> list[Path]:
    """``course/source/aNN_topic/aNN_topic.ipynb`` for every solution file; returns the notebooks."""
    points = suite_points(solutions)
    written = []
    for solution in sorted(solutions.glob("a[0-9][0-9]_*.py")):
        if solution.stem not in points:
            raise ValueError(f"{solution.name} has no hidden suite (autograder/test_{solution.stem}.py)")
        notebook = source_notebook(solution, points[solution.stem])
        target = course / "source" / solution.stem / f"{solution.stem}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
        written.append(target)
    return written


# -- nbgrader ----------------------------------------------------------------------------------------
def configure_nbgrader(c: Any) -> None:
    """The course's nbgrader settings; ``nbgrader_config.py`` at the repository root calls this.

    - The student's notebook never runs in nbgrader's kernel (which would run it as the grading
      user, outside any sandbox): nbgrader's ``Execute`` is left out, and
      :class:`autograder.nbgrader_grades.SuiteGrades` grades the notebook with the hidden suite,
      whose workers run its cells inside the sandbox, and writes each test cell's output and points.
    - nbgrader gives 0 to a test cell that writes anything to stderr (nbgrader#1904): SuiteGrades
      replaces the test cells' outputs, and warnings elsewhere (a PyTorch C++ ``[W...]`` line, a
      Python ``...Warning:`` line) are dropped too. A student's cell may run for minutes.
    - nbgrader's feedback shows the autograded notebook, hidden tests included (nbgrader#917):
      feedback clears them first.
    """
    c.Execute.timeout = 1800
    # What replaces a solution region: the grader's feedback then reads "... not implemented yet".
    c.ClearSolutions.code_stub = {"python": '# YOUR CODE HERE\nraise NotImplementedError("not implemented yet")'}
    c.Autograde.autograde_preprocessors = [
        "autograder.nbgrader_grades.SuiteGrades",  # instead of nbgrader's Execute: see above
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
        "nbgrader.preprocessors.ClearHiddenTests",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    ]


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
    """Source notebooks, then the nbgrader release; returns the release notebooks."""
    notebooks = write_sources(solutions, course)
    generate_release(course, [n.stem for n in notebooks])
    return [course / "release" / n.stem / n.name for n in notebooks]


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
    with tempfile.TemporaryDirectory() as scratch:
        built = build(solutions, Path(scratch))
        stale = []
        for notebook in built:
            committed = release / notebook.parent.name / notebook.name
            if not committed.exists() or fingerprint(json.loads(committed.read_text())) != fingerprint(
                json.loads(notebook.read_text())
            ):
                stale.append(f"release/{notebook.parent.name}/{notebook.name}")
    return stale


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
    course: Path, assignment: str, students: list[str], *, course_config: bool = True
) -> dict[str, tuple[float, float]]:
    """Run the real ``nbgrader autograde`` on ``course/submitted/<student>/<assignment>/``.

    ``course_config=False`` runs nbgrader with its defaults, as someone without this course's
    ``nbgrader_config.py`` would. Returns student -> (score, max score) from nbgrader's gradebook.
    Raises RuntimeError with nbgrader's log when it fails.
    """
    from nbgrader.api import Gradebook

    api = _api(course, course_config)
    if not course_config:  # a kernel started by this process must not expect our preprocessor
        os.environ.pop(hidden_cell.OUTSIDE_KERNEL, None)
    for student in students:
        with warnings.catch_warnings():  # nbgrader's own SQLAlchemy warnings, not the student's
            warnings.simplefilter("ignore")
            outcome = api.autograde(assignment, student, force=True, create=True)
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


def generate_feedback(course: Path, assignment: str, student: str) -> Path:
    """Run ``nbgrader generate_feedback``; returns the feedback HTML file."""
    outcome = _api(course).generate_feedback(assignment, student, force=True)
    if not outcome["success"]:
        raise RuntimeError(f"nbgrader generate_feedback {assignment} {student} failed:\n{outcome.get('error', '')}")
    return course / "feedback" / student / assignment / f"{assignment}.html"


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
