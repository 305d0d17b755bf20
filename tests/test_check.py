"""The students' public check (``python -m autograder check``): what a student sees for a stub,
the reference, a Python loop and a stray CPU tensor, from the same words as the graded feedback."""

import subprocess
import sys

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
