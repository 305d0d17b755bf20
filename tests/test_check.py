"""The students' public check (``python -m autograder check``): what a student sees for a stub,
the reference, a Python loop and a stray CPU tensor, from the same words as the graded feedback."""

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

LOOP = """

def standardize_rows(mat):
    rows = []
    for row in mat:
        rows.append((row - row.mean()) / row.std())
    return torch.stack(rows)
"""
CPU_BUG = """

def pairwise_sq_dists(x, y):
    out = torch.zeros(x.shape[0], y.shape[0])  # on the CPU, whatever x is on
    out += (x * x).sum(1, keepdim=True) - 2 * x @ y.T + (y * y).sum(1)[None, :]
    return out
"""


def _check(path, *args) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "autograder", "check", str(path), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=path.parent)


def _variant(tmp_path, extra: str):
    path = tmp_path / "a03_vectorize.py"
    path.write_text((REPO / "solutions" / "a03_vectorize.py").read_text() + extra)
    return path


def test_check_passes_the_reference(tmp_path):
    path = tmp_path / "a03_vectorize.py"
    path.write_text((REPO / "solutions" / "a03_vectorize.py").read_text())
    done = _check(path)
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("standardize_rows", "pairwise_sq_dists", "softmax", "cross_entropy"):
        assert f"a03_vectorize.{name}" in done.stdout
    assert "FAIL" not in done.stdout
    assert "ok    vectorised" in done.stdout and "ok    device" in done.stdout and "ok    from scratch" in done.stdout
    assert "does not guarantee the hidden tests" in done.stdout


def test_check_says_a_stub_is_not_implemented(tmp_path):
    done = _check(REPO / "assignments" / "a03_vectorize.py", "--function", "softmax")
    assert done.returncode == 1
    assert "FAIL  examples: softmax: not implemented yet" in done.stdout


def test_check_finds_a_loop(tmp_path):
    done = _check(_variant(tmp_path, LOOP), "--function", "standardize_rows")
    assert done.returncode == 1
    assert "ok    examples" in done.stdout and "ok    device" in done.stdout
    assert "FAIL  vectorised: standardize_rows: is not vectorised" in done.stdout


def test_check_finds_a_cpu_tensor(tmp_path):
    done = _check(_variant(tmp_path, CPU_BUG), "--function", "pairwise_sq_dists")
    assert done.returncode == 1
    assert "ok    examples" in done.stdout and "ok    vectorised" in done.stdout
    assert "FAIL  device" in done.stdout and "cuda:0 and cpu" in done.stdout


def test_check_grades_nothing_it_cannot_find(tmp_path):
    assert _check(tmp_path).returncode == 2
    (tmp_path / "a99_unknown.py").write_text("x = 1\n")
    done = _check(tmp_path / "a99_unknown.py")
    assert done.returncode == 1 and "not an assignment file" in done.stderr


@pytest.mark.parametrize("name", ["test_", "### BEGIN", "BEGIN SOLUTION"])
def test_manifest_holds_no_hidden_material(name):
    text = (REPO / "autograder" / "harness" / "preflight" / "manifest.json").read_text()
    assert name not in text


def test_check_in_a_released_notebook(tmp_path):
    """The example cell under each function runs check(fn) on what the kernel has run so far; the
    workers stay warm in the kernel, so a second check answers quickly."""
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    notebook = nbformat.read(REPO / "release" / "a03_vectorize" / "a03_vectorize.ipynb", as_version=4)
    reference = (REPO / "solutions" / "a03_vectorize.py").read_text()
    kept = []
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id == "standardize_rows":
            cell.source = LOOP
        elif grade_id == "standardize":
            cell.source = reference[reference.index("def standardize(") : reference.index("def standardize_rows(")]
        if not grade_id.startswith("test_"):  # hidden-test cells grade the whole notebook: not this test's
            kept.append(cell)
    notebook.cells = kept + [
        nbformat.v4.new_code_cell("import time\nstart = time.perf_counter()\ncheck(standardize)\n"),
        nbformat.v4.new_code_cell("print('warm check seconds', time.perf_counter() - start)"),
    ]
    NotebookClient(notebook, timeout=600, kernel_name="python3", allow_errors=True).execute(cwd=str(tmp_path))
    printed = {
        cell.source: "".join(o.get("text", "") for o in cell.get("outputs", []))
        for cell in notebook.cells
        if cell.cell_type == "code"
    }
    assert "ok    vectorised" in printed["check(standardize)"] and "all checks passed" in printed["check(standardize)"]
    assert "FAIL  vectorised: standardize_rows: is not vectorised" in printed["check(standardize_rows)"]
    assert "FAIL  examples: softmax: not implemented yet" in printed["check(softmax)"]
    assert "warm check seconds" in printed["print('warm check seconds', time.perf_counter() - start)"]


def _solution_lines() -> set[str]:
    """Substantial lines of the reference inside BEGIN/END SOLUTION: none may reach students."""
    found = set()
    for solution in (REPO / "solutions").glob("a*.py"):
        inside = False
        for line in solution.read_text().splitlines():
            if "### BEGIN SOLUTION" in line:
                inside = True
            elif "### END SOLUTION" in line:
                inside = False
            elif inside and len(line.strip()) > 30 and not line.strip().startswith("#"):
                found.add(line.strip())
    return found


def test_student_package_installs_fresh_and_checks(tmp_path):
    """The wheel release builds holds no hidden suite, solution line or solution marker; a fresh
    virtual environment installs it and its check tells a stub, the reference, a loop and a CPU
    tensor apart, far from the repository."""
    import os
    import sysconfig
    import zipfile

    from autograder.harness.notebooks import handout

    course = tmp_path / "course"
    handout.write(course)
    wheel = handout.path(course)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        texts = {name: archive.read(name).decode("utf-8", errors="replace") for name in names}
    assert not [n for n in names if "/test_" in n or n.startswith("solutions")], names
    assert {n for n in names if n.startswith("autograder/scenarios/")} == {
        "autograder/scenarios/__init__.py",
        "autograder/scenarios/preflight.py",
    }
    assert not [n for n, text in texts.items() if "### BEGIN" in text or "### END" in text]
    leaked = {line for line in _solution_lines() for text in texts.values() if line in text}
    assert not leaked, sorted(leaked)[:5]

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # torch and numpy, the package's dependencies, from this environment (no download in tests)
    (Path(site) / "course-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)]
    subprocess.run(install, check=True, timeout=300)

    student = tmp_path / "student"
    student.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the venv's own, not this checkout
    where = subprocess.run(
        [str(python), "-c", "import autograder; print(autograder.__file__)"],
        capture_output=True,
        text=True,
        cwd=student,
        check=True,
        env=env,
    ).stdout
    assert where.startswith(str(venv)), where

    def check(source: str, function: str) -> subprocess.CompletedProcess:
        (student / "a03_vectorize.py").write_text(source)
        command = [str(python), "-m", "autograder", "check", "a03_vectorize.py", "--function", function]
        return subprocess.run(command, capture_output=True, text=True, cwd=student, timeout=300, env=env)

    reference = (REPO / "solutions" / "a03_vectorize.py").read_text()
    stub = check((REPO / "assignments" / "a03_vectorize.py").read_text(), "softmax")
    assert stub.returncode == 1 and "not implemented yet" in stub.stdout, stub.stdout + stub.stderr
    good = check(reference, "softmax")
    assert good.returncode == 0 and "ok    from scratch" in good.stdout, good.stdout + good.stderr
    loop = check(reference + LOOP, "standardize_rows")
    assert loop.returncode == 1 and "FAIL  vectorised" in loop.stdout, loop.stdout + loop.stderr
    cpu = check(reference + CPU_BUG, "pairwise_sq_dists")
    assert cpu.returncode == 1 and "FAIL  device" in cpu.stdout, cpu.stdout + cpu.stderr
    staff_only = subprocess.run(
        [str(python), "-m", "autograder", "bench"], capture_output=True, text=True, cwd=student, env=env
    )
    assert staff_only.returncode == 2 and "student package" in staff_only.stderr


CORPUS = REPO / "tests" / "corpus"
# Device mistakes the public inputs cannot show: describe's device is a string (compared by the
# hidden tests only), embed_texts has no docstring example (it needs a model to load).
DEVICE_MISSES = {
    "describe__wrong_device_object",
    "describe__wrong_device_type_only",
    "embed_texts__wrong_device_inputs_not_moved",
    "embed_texts__wrong_device_result_left_on_gpu",
}


def _corpus_verdicts(case, tmp_path) -> dict[str, str]:
    from autograder.harness.preflight.check import check_file

    assignment = case.parent.name
    path = tmp_path / case.stem / f"{assignment}.py"
    path.parent.mkdir()
    path.write_text((REPO / "solutions" / f"{assignment}.py").read_text() + "\n\n" + case.read_text())
    reports = check_file(path, case.stem.partition("__")[0])
    return {v.check: v.status for report in reports for v in report.verdicts}


def test_check_never_fails_a_correct_alternative(tmp_path):
    """A failed check must mean a failed hidden test: every correct alternative of the corpus passes."""
    failed = {}
    for case in sorted(CORPUS.glob("a*/*__correct_*.py")):
        verdicts = _corpus_verdicts(case, tmp_path)
        if "FAIL" in verdicts.values():
            failed[case.stem] = verdicts
    assert not failed, failed


def test_check_finds_the_corpus_device_mistakes(tmp_path):
    """Stray CPU tensors, NumPy round trips, batches left on the CPU: found before submitting."""
    missed = {}
    for case in sorted(CORPUS.glob("a*/*__wrong_device_*.py")):
        if case.stem not in DEVICE_MISSES and _corpus_verdicts(case, tmp_path).get("device") != "FAIL":
            missed[case.stem] = _corpus_verdicts(case, tmp_path)
    assert not missed, missed
