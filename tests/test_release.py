"""The nbgrader release, with the real nbgrader: source notebooks, ``generate_assignment``,
``autograde`` and ``generate_feedback`` in a temporary course folder."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO, SOLUTIONS, grade

from autograder.harness.notebooks import release, stubs

pytest.importorskip("nbgrader", reason="the release needs the instructor extra: pip install -e '.[instructor]'")

# The lightest assignment and the heaviest (transformers in the worker) go through nbgrader autograde
# here; `python -m autograder bench` autogrades all of them.
AUTOGRADED = ("a01_tensors", "a09_transformers")

NOISY_CELL = """import sys, warnings

warnings.simplefilter("always")
torch.tensor(torch.ones(2))  # PyTorch: "To copy construct from a tensor..." (UserWarning, to stderr)
for _ in range(200):  # (a thread that keeps warning, as DataLoader workers do, is refused by the screen)
    warnings.warn("a PyTorch-style warning from a thread", UserWarning)
print("noise on stderr", file=sys.stderr)
"""


FORGING_CELL = """import os
import autograder.harness.notebooks.hidden_cell

autograder.harness.notebooks.hidden_cell.grade_function = lambda *args, **kwargs: 1000.0  # every test cell: full marks?
os.environ["NBGRADER_EXECUTION"] = "interactive"
"""


def tampering_cell(marker: Path) -> str:
    """Code that leaves a file on the grading machine if the notebook runs outside the sandbox."""
    return f"""
try:
    open({str(marker)!r}, "w").write("the notebook ran outside the sandbox")
except OSError:
    pass
"""


def _cells(notebook: dict, **nbgrader: object) -> list[dict]:
    return [
        c
        for c in notebook["cells"]
        if all(c.get("metadata", {}).get("nbgrader", {}).get(k) == v for k, v in nbgrader.items())
    ]


def _submit(course: Path, student: str, assignment: str, notebook: dict) -> Path:
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{assignment}.ipynb"
    path.write_text(json.dumps(notebook))
    return path


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A course folder with the release built by nbgrader and three students per assignment."""
    root = tmp_path_factory.mktemp("course")
    release.build(SOLUTIONS, root)
    for assignment in AUTOGRADED:
        release_nb = root / "release" / assignment / f"{assignment}.ipynb"
        filled = release.answered(release_nb, root / "source" / assignment / f"{assignment}.ipynb")
        _submit(root, "reference", assignment, filled)
        _submit(root, "untouched", assignment, json.loads(release_nb.read_text()))
    noisy = release.answered(
        root / "release" / "a01_tensors" / "a01_tensors.ipynb", root / "source" / "a01_tensors" / "a01_tensors.ipynb"
    )
    solution = _cells(noisy, solution=True)[0]
    solution["source"] = NOISY_CELL + "\n\n" + solution["source"]
    _submit(root, "noisy", "a01_tensors", noisy)
    forger = json.loads((root / "release" / "a01_tensors" / "a01_tensors.ipynb").read_text())
    _cells(forger, solution=True)[0]["source"] = FORGING_CELL
    _submit(root, "forger", "a01_tensors", forger)
    tamperer = json.loads((root / "submitted" / "reference" / "a01_tensors" / "a01_tensors.ipynb").read_text())
    solution = _cells(tamperer, solution=True)[0]
    solution["source"] = tampering_cell(root / "tampered") + "\n\n" + solution["source"]
    _submit(root, "tamperer", "a01_tensors", tamperer)
    _submit(
        root,
        "plain",
        "a01_tensors",
        json.loads((root / "submitted" / "reference" / "a01_tensors" / "a01_tensors.ipynb").read_text()),
    )
    editor = json.loads((root / "submitted" / "reference" / "a01_tensors" / "a01_tensors.ipynb").read_text())
    _cells(editor, grade_id="test_from_list")[0]["source"] += "\nprint('the student was here')"
    _cells(editor, grade_id="example_from_list")[0]["source"] = "print('from_list: 5 examples pass')"
    _cells(editor, grade_id="test_describe")[0]["metadata"]["nbgrader"]["points"] = 100
    _submit(root, "editor", "a01_tensors", editor)
    return root


@pytest.fixture(scope="module")
def nbgrader_logs() -> dict[str, dict[str, str]]:
    """assignment -> student -> what nbgrader said while autograding them (filled by ``autograded``)."""
    return {assignment: {} for assignment in AUTOGRADED}


@pytest.fixture(scope="module")
def autograded(course, nbgrader_logs) -> dict[str, dict[str, tuple[float, float]]]:
    scores = {a: release.autograde(course, a, ["reference", "untouched"], logs=nbgrader_logs[a]) for a in AUTOGRADED}
    scores["a01_tensors"].update(
        release.autograde(
            course, "a01_tensors", ["noisy", "forger", "tamperer", "editor"], logs=nbgrader_logs["a01_tensors"]
        )
    )
    scores["a01_tensors"].update(release.autograde(course, "a01_tensors", ["plain"], course_config=False))
    return scores


def test_committed_release_is_not_stale(course):
    for built in sorted((course / "release").glob("*/*.ipynb")):
        committed = REPO / "release" / built.parent.name / built.name
        assert committed.exists(), f"run `python -m autograder release`: {committed} is missing"
        fresh, kept = json.loads(built.read_text()), json.loads(committed.read_text())
        assert release.fingerprint(kept) == release.fingerprint(fresh), (
            f"run `python -m autograder release`: {committed}"
        )
    assert {p.parent.name for p in (REPO / "release").glob("*/*.ipynb")} == {p.stem for p in SOLUTIONS.glob("a*.py")}


def test_a_stale_release_is_reported(tmp_path):
    old = tmp_path / "release"
    for notebook in (REPO / "release").glob("*/*.ipynb"):
        (old / notebook.parent.name).mkdir(parents=True)
        (old / notebook.parent.name / notebook.name).write_text(notebook.read_text())
    edited = old / "a02_views" / "a02_views.ipynb"
    notebook = json.loads(edited.read_text())
    _cells(notebook, grade_id="test_outer_sum")[0]["metadata"]["nbgrader"]["points"] = 99
    edited.write_text(json.dumps(notebook))
    (old / "a05_autograd" / "a05_autograd.ipynb").unlink()
    assert release.stale_release(SOLUTIONS, old) == [
        "release/a02_views/a02_views.ipynb",
        "release/a05_autograd/a05_autograd.ipynb",
    ]


def test_release_regenerates_only_what_changed(course, tmp_path, capsys):
    """``python -m autograder release`` runs nbgrader only for notebooks whose source changed, and
    says which files changed; ``--check`` trusts a notebook nbgrader wrote from the same source."""
    shutil.copytree(SOLUTIONS, tmp_path / "solutions")
    shutil.copytree(REPO / "assignments", tmp_path / "assignments")
    for folder in ("source", "release"):
        shutil.copytree(course / folder, tmp_path / folder)
    shutil.copy(course / "gradebook.db", tmp_path / "gradebook.db")
    solutions, assignments, built = tmp_path / "solutions", tmp_path / "assignments", tmp_path / "release"
    capsys.readouterr()

    assert release.run(solutions, assignments, tmp_path) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "assignments/, source/ and release/ are up to date"
    assert "0 files changed, 27 unchanged (nbgrader regenerated 0 of 9 release notebooks)" in out

    edited = solutions / "a03_vectorize.py"
    text = edited.read_text()
    summary = text.index("\n", text.index('"""', text.index("\ndef ")))
    edited.write_text(text[:summary] + " (edited)" + text[summary:])
    assert release.run(solutions, assignments, tmp_path, check=True) == 1
    assert capsys.readouterr().out.splitlines() == [
        "stale: assignments/a03_vectorize.py (run python -m autograder release)",
        "stale: release/a03_vectorize/a03_vectorize.ipynb (run python -m autograder release)",
    ]
    assert release.run(solutions, assignments, tmp_path) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == [
        "changed assignments/a03_vectorize.py",
        "changed source/a03_vectorize/a03_vectorize.ipynb",
        "changed release/a03_vectorize/a03_vectorize.ipynb",
    ]
    assert "3 files changed, 24 unchanged (nbgrader regenerated 1 of 9 release notebooks)" in out[3]
    assert "(edited)" in json.dumps(json.loads((built / "a03_vectorize" / "a03_vectorize.ipynb").read_text()))
    for notebook in (course / "release").glob("*/*.ipynb"):
        if notebook.parent.name != "a03_vectorize":
            assert (built / notebook.parent.name / notebook.name).read_bytes() == notebook.read_bytes()
    assert release.run(solutions, assignments, tmp_path, check=True) == 0
    assert capsys.readouterr().out.startswith("up to date")


def test_source_notebooks_give_each_function_its_suite_points(course):
    points = release.suite_points(SOLUTIONS)
    for assignment, by_function in points.items():
        source = json.loads((course / "source" / assignment / f"{assignment}.ipynb").read_text())
        tests = {
            c["metadata"]["nbgrader"]["grade_id"]: c["metadata"]["nbgrader"]["points"]
            for c in _cells(source, grade=True)
        }
        assert tests == {f"test_{name}": p for name, p in by_function.items()}
        for name in by_function:
            assert _cells(source, grade_id=f"example_{name}", locked=True), f"{assignment}: no example cell for {name}"
            assert "### BEGIN SOLUTION" in _cells(source, grade_id=name, solution=True)[0]["source"]


def test_release_holds_no_hidden_test_and_no_solution_code():
    solution_lines = set()
    for solution in SOLUTIONS.glob("a*.py"):
        inside = False
        for line in solution.read_text().splitlines():
            if line.strip() in (stubs.BEGIN, stubs.END):
                inside = line.strip() == stubs.BEGIN
            elif inside and len(line.strip()) > 30 and not line.strip().startswith("# Hint:"):
                solution_lines.add(line.strip())
    assert len(solution_lines) > 50
    for notebook in (REPO / "release").glob("*/*.ipynb"):
        text = "\n".join(
            "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in json.loads(notebook.read_text())["cells"]
        )
        for secret in ("HIDDEN TESTS", "grade_function", "hidden_cell", "BEGIN SOLUTION"):
            assert secret not in text, f"{notebook.name} shows {secret!r}"
        leaked = [line for line in solution_lines if line in text]
        assert not leaked, f"{notebook.name} shows solution code: {leaked[:3]}"


def test_hints_stay_in_the_release_above_the_solution_region(tmp_path):
    solution = tmp_path / "a42_demo.py"
    solution.write_text(
        '"""Demo."""\n\nimport torch\n\n\ndef _helper(x):\n    return x\n\n\ndef double(x):\n'
        '    """Twice x.\n\n    Computed as follows:\n    one product.\n\n    Args:\n        x: a tensor.\n    """\n'
        "    ### BEGIN SOLUTION\n    # Hint: multiply.\n    return 2 * x\n    ### END SOLUTION\n"
    )
    notebook = release.source_notebook(solution, {"double": 3.0})
    cell = _cells(notebook, grade_id="double")[0]["source"]
    assert cell.index("# Hint: multiply.") < cell.index("### BEGIN SOLUTION") < cell.index("return 2 * x")
    assert "def _helper" in _cells(notebook, grade_id="setup_1", locked=True)[0]["source"]
    about = next(c["source"] for c in notebook["cells"] if c["id"] == "about-double")
    assert "one product." in about and "Args:" not in about
    with pytest.raises(ValueError, match="grades \\['triple'\\]"):
        release.source_notebook(solution, {"double": 3.0, "triple": 1.0})
    with pytest.raises(ValueError, match="double has no hidden tests"):
        release.source_notebook(solution, {})


@pytest.mark.parametrize("assignment", AUTOGRADED)
def test_nbgrader_autograde_gives_the_reference_full_marks_and_the_release_zero(autograded, assignment):
    scores = autograded[assignment]
    points = sum(release.suite_points(SOLUTIONS)[assignment].values())
    assert scores["reference"] == (points, points)
    assert scores["untouched"] == (0.0, points)


# What nbgrader said about an honest notebook before the course's config quieted its false alarms:
# six checksum warnings per student for the test cells as released (nbgrader#1961), SQLAlchemy's
# warnings about each new submission, and (in feedback) an unrecognised `display_data_priority`.
FALSE_ALARMS = ("has changed", "not recognized", "SAWarning")


@pytest.mark.parametrize("assignment", AUTOGRADED)
def test_nbgrader_says_nothing_about_notebooks_handed_in_as_released(autograded, nbgrader_logs, assignment):
    logs = {student: log for student, log in nbgrader_logs[assignment].items() if student != "editor"}
    assert {"reference", "untouched"} <= set(logs)
    for student, log in logs.items():
        assert "Autograding" in log, f"{student}: nbgrader's log was not captured"
        for alarm in FALSE_ALARMS:
            assert alarm not in log, f"nbgrader autograde {assignment} {student}: {alarm!r} in\n{log}"


def test_a_student_who_edits_a_read_only_or_test_cell_is_still_reported(autograded, nbgrader_logs):
    """nbgrader reports the edits and grades the original cells: no points are won by them."""
    log = nbgrader_logs["a01_tensors"]["editor"]
    assert "Attribute 'checksum' for cell test_from_list has changed!" in log
    assert "Attribute 'checksum' for cell example_from_list has changed!" in log
    assert "Attribute 'points' for cell test_describe has changed!" in log
    assert log.count("has changed!") == 3, log
    assert autograded["a01_tensors"]["editor"] == (35.0, 35.0)


def test_warnings_on_stderr_keep_full_marks(autograded, course):
    """nbgrader zeroes a test cell with stderr output (nbgrader#1904); the course's cells and config
    keep a student whose code warns all along at full marks."""
    score, out_of = autograded["a01_tensors"]["noisy"]
    assert score == out_of == 35
    executed = json.loads((course / "autograded" / "noisy" / "a01_tensors" / "a01_tensors.ipynb").read_text())
    for cell in _cells(executed, grade=True):
        shown = json.dumps(cell["outputs"])
        assert "stderr" not in shown and "from a thread" not in shown, cell["metadata"]["nbgrader"]["grade_id"]


def test_a_kernel_that_forges_its_scores_earns_nothing(autograded, course):
    """Test cells are scored outside the student's kernel; what the kernel printed is discarded."""
    assert autograded["a01_tensors"]["forger"] == (0.0, 35.0)
    executed = json.loads((course / "autograded" / "forger" / "a01_tensors" / "a01_tensors.ipynb").read_text())
    assert "1000" not in json.dumps([c["outputs"] for c in _cells(executed, grade=True)])


def test_with_the_course_config_the_notebook_runs_only_in_the_sandbox(autograded, course):
    """No kernel runs the student's code as the grading user: a cell that writes to the course
    folder changes nothing, and the notebook still earns its points."""
    assert autograded["a01_tensors"]["tamperer"] == (35.0, 35.0)
    assert not (course / "tampered").exists()


def test_without_the_course_config_the_hidden_cells_grade_in_the_kernel(autograded):
    """nbgrader run with its defaults (no nbgrader_config.py): scores still right for honest work."""
    assert autograded["a01_tensors"]["plain"] == (35.0, 35.0)


def test_feedback_shows_scores_but_never_the_hidden_tests(autograded, course):
    logs: dict[str, str] = {}
    html = release.generate_feedback(course, "a01_tensors", "untouched", logs=logs).read_text()
    for alarm in FALSE_ALARMS:
        assert alarm not in logs["untouched"], f"nbgrader generate_feedback: {alarm!r} in\n{logs['untouched']}"
    assert "from_list: 0 / 5 points" in html
    assert "not implemented" in html.lower() or "NotImplementedError" in html
    for secret in ("HIDDEN TESTS", "grade_function", "hidden_cell"):
        assert secret not in html


def test_the_release_notebook_grades_the_same_directly(course, tmp_path):
    """``pytest autograder --submission aNN.ipynb`` skips the test and example cells and agrees with nbgrader."""
    notebook = course / "submitted" / "reference" / "a01_tensors" / "a01_tensors.ipynb"
    graded = grade(notebook, tmp_path / "r.json")
    assert graded.score == graded.max_score == 35


def test_every_docstring_example_holds_for_the_reference():
    """The release's example cells run these; a wrong example would mislead every student."""
    import doctest
    import importlib.util

    for path in sorted(SOLUTIONS.glob("a*.py")):
        spec = importlib.util.spec_from_file_location(f"solution_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
        failed, tried = doctest.testmod(module, optionflags=flags, report=False)
        assert failed == 0, f"{path.name}: {failed} of {tried} docstring examples fail"
    tree = ast.parse((SOLUTIONS / "a01_tensors.py").read_text())
    assert all(">>>" in (ast.get_docstring(n) or "") for n in tree.body if isinstance(n, ast.FunctionDef))


def test_an_untouched_release_notebook_earns_zero_with_a_clear_reason(tmp_path):
    graded = grade(REPO / "release" / "a01_tensors" / "a01_tensors.ipynb", tmp_path / "r.json")
    assert graded.score == 0 and graded.max_score == 35
    assert all("not implemented yet" in t["output"] for t in graded.results["tests"])
